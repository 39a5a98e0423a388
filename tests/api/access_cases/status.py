"""Partner read-back routes; tested in test_access_matrix.py's partner tests."""

from __future__ import annotations

from tests.api.access_cases import Case

CASES: dict[tuple[str, str], Case] = {}
PARTNER_ROUTES = {("GET", "/partner/submissions"), ("GET", "/partner/submissions/{reference}")}
