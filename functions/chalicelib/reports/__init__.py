"""Good-practice and typical-case reports from the units to the city federation."""
