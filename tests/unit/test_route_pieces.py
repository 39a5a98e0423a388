"""Route declarations in pieces: the decorators under `api.route` reach the registry, and a misplaced
or contradictory piece fails at import instead of quietly opening or closing a route."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import BaseModel

from chalicelib.core import api, routing


class Body(BaseModel):
    text: str


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> list[api.RouteDoc]:
    """A registry of its own, so these declarations stay out of the app's."""
    mine: list[api.RouteDoc] = []
    monkeypatch.setattr(api, "REGISTRY", mine)
    monkeypatch.setattr(routing, "SERVE", {})
    return mine


Handler = Callable[..., object]


def declare(method: str = "POST", path: str = "/things", **kw: object) -> Callable[[Handler], Handler]:
    return api.route(path, method, summary="一件事", tag="测试", **kw)  # type: ignore[arg-type]


def fresh() -> Handler:
    def thing(principal: object = None) -> object:
        return {}

    return thing


def test_the_pieces_reach_the_registry(registry):
    declare(body=Body)(api.staff("finance", "city_admin", before_mfa=True)(api.shown_once("key")(fresh())))
    declare(path="/look")(api.public(operation="status.lookup")(api.lookup(fresh())))
    declare("GET", "/mine")(api.partner()(fresh()))
    declare("GET", "/open")(fresh())
    staff, look, mine, open_ = registry
    assert (staff.audience, staff.roles, staff.before_mfa, staff.shown_once, staff.idempotent) == (
        api.STAFF, ("finance", "city_admin"), True, ("key",), True)
    assert staff.problems == (400, 401, 403, 409, 413, 415, 422, 429, 500, 503)
    assert (look.audience, look.operation, look.idempotent) == (api.PUBLIC, "status.lookup", False)
    assert 401 in look.problems and 403 in look.problems  # a partner key may be refused
    assert (mine.audience, mine.idempotent) == (api.PARTNER, False)
    assert mine.problems == (400, 401, 403, 413, 415, 429, 500, 503)
    assert (open_.audience, open_.roles, open_.problems) == (api.PUBLIC, (), (400, 413, 415, 429, 500, 503))
    assert staff.operation_id == "unit_thing"  # "<package>_<handler>": tests.unit here


def test_a_piece_above_the_declaration_fails(registry):
    declared = declare()(fresh())
    with pytest.raises(TypeError, match="goes below @api"):
        api.staff("finance")(declared)


def test_a_route_has_one_audience():
    with pytest.raises(TypeError, match="one audience"):
        api.partner()(api.staff("finance")(fresh()))


def test_a_staff_route_names_its_roles():
    with pytest.raises(ValueError, match="roles"):
        api.staff()


@pytest.mark.parametrize(("method", "piece", "kw"), [
    ("GET", api.lookup, {}),
    ("GET", api.shown_once("key"), {}),
    ("POST", api.audit_reads, {}),
    ("GET", lambda f: f, {"body": Body}),
])
def test_contradictions_fail_at_declaration(registry, method, piece, kw):
    with pytest.raises(ValueError):
        declare(method, **kw)(piece(fresh()))
    assert registry == []


def test_a_lookup_keeps_nothing_so_shows_nothing_once(registry):
    with pytest.raises(ValueError, match="lookup"):
        declare()(api.lookup(api.shown_once("key")(fresh())))
