"""Benchmarks: `make bench` runs them all and writes docs/benchmarks.md. They print figures,
each beside a baseline measured in the same run; they never fail on a slow machine."""
