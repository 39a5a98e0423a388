"""Cases for the access matrix (tests/api/test_access_matrix.py), one module per domain.

Each module defines CASES: {(method, path template): Case}, and PARTNER_ROUTES, the partner-only
routes it tests itself ({(method, path template)}). A Case's build(ctx, unit) returns the
(method, path, body) that acts on `unit` (or its subtree) for scoped routes; ctx offers `call`,
`admin` (a city_admin token) and helpers to create what a route acts on. Every staff route of the
app must have a case, or the matrix fails.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    """How to call a route for a target unit; scoped routes act on that unit's subtree."""

    build: Callable[[Any, str], tuple[str, str, dict[str, Any] | None]]
    scoped: bool
    success: int


class Context:
    """What a case's build gets: `call` through the Chalice test client, `admin` (a city_admin token),
    `token(username, unit, roles)` for other callers, and makers of records routes act on."""

    def __init__(self, client: Any, staff_token: Any) -> None:
        self.client = client
        self.token = staff_token
        self.admin = staff_token("root.admin", "city", ["city_admin"])

    def call(self, method: str, path: str, body: dict[str, Any] | None, token: str | None) -> Any:
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else None
        return self.client.http.request(method, path, headers=headers, body=raw)

    def existing_staff(self, unit: str) -> str:
        from tests.api.access_cases.identity import _create_staff

        response = self.call(*_create_staff(self, unit), self.admin)
        assert response.status_code == 201, response.body
        return str(json.loads(response.body)["username"])

    def existing_partner(self) -> str:
        from tests.api.access_cases.identity import _issue_partner

        response = self.call(*_issue_partner(self, "city"), self.admin)
        assert response.status_code == 201, response.body
        return str(json.loads(response.body)["id"])


def all_cases() -> dict[tuple[str, str], Case]:
    cases: dict[tuple[str, str], Case] = {}
    for module in pkgutil.iter_modules(__path__):
        found = importlib.import_module(f"{__name__}.{module.name}").CASES
        overlap = set(cases) & set(found)
        assert not overlap, f"routes with two cases: {overlap}"
        cases.update(found)
    return cases


def all_partner_routes() -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for module in pkgutil.iter_modules(__path__):
        routes |= getattr(importlib.import_module(f"{__name__}.{module.name}"), "PARTNER_ROUTES", set())
    return routes
