"""`make load`: the capacity plan's peaks replayed with many concurrent clients (Locust, headless)."""
