"""Access cases for the city dashboard."""

from __future__ import annotations

from tests.api.access_cases import Case

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/staff/dashboard/units/{unit_id}"): Case(
        lambda ctx, unit: ("GET", f"/staff/dashboard/units/{unit}", None), scoped=True, success=200),
}
