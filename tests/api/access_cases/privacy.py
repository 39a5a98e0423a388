"""Access cases for the retention policy routes."""

from __future__ import annotations

from tests.api.access_cases import Case

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/admin/privacy-policy"): Case(lambda ctx, unit: ("GET", "/admin/privacy-policy", None),
                                           scoped=False, success=200),
    ("PUT", "/admin/privacy-policy"): Case(lambda ctx, unit: ("PUT", "/admin/privacy-policy",
                                                              {"retention_days": 180}), scoped=False, success=200),
}
