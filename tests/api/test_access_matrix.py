"""Every staff and partner route against every role, unit and credential.

Callers sit at a county union (泰山区总工会, "taishan") or below it; the matrix checks that each
allowed role succeeds inside its own subtree and that a sibling county, a parent's sibling, the
parent itself, a missing token, a wrong role and bad tokens are all refused. The test enumerates
the app's routes: a staff or partner route without a case here fails the suite.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

import app  # noqa: F401 - registers every route
from chalicelib.core import api, errors
from chalicelib.core.roles import ROLES
from tests.api.access_cases import Context, all_cases, all_partner_routes
from tests.api.helpers import count_items, post_json, support_body
from tests.conftest import forge_token
from tests.staff_accounts import put_staff_record

STAFF_CASES = all_cases()
PARTNER_ROUTES = all_partner_routes()

STAFF_ROUTES = sorted((d.method, d.path) for d in api.REGISTRY if d.audience == api.STAFF)
ROLES_OF = {(d.method, d.path): d.roles for d in api.REGISTRY}

# Where a caller with each role sits: city_admin only exists at the city federation.
HOME = {role: ("city" if role == "city_admin" else "taishan") for role in ROLES}
IN_SCOPE_TARGET = "demo-taishan-factory"  # under taishan (and so under city)


@pytest.fixture
def ctx(fresh):
    """For cases that make records: a new table of their own."""
    return Context(fresh.client, fresh.token)


@pytest.fixture
def refusal_ctx(shared):
    """For refusals made before any record is read (the token, the role): the module's table as is."""
    return Context(shared.client, shared.token)


@pytest.fixture
def cognito(shared):
    return shared.pool


@pytest.fixture
def seeded(shared):
    return shared.table


def test_every_staff_and_partner_route_has_a_case():
    assert set(STAFF_ROUTES) == set(STAFF_CASES)
    partner = {(d.method, d.path) for d in api.REGISTRY if d.audience == api.PARTNER}
    assert partner == PARTNER_ROUTES


ALLOWED = [(route, role) for route in STAFF_ROUTES for role in ROLES_OF[route]]
DENIED = [(route, role) for route in STAFF_ROUTES for role in ROLES if role not in ROLES_OF[route]]


@pytest.mark.parametrize(("route", "role"), ALLOWED, ids=[f"{m} {p} as {r}" for (m, p), r in ALLOWED])
def test_each_allowed_role_succeeds_in_its_own_subtree(ctx, route, role):
    token = ctx.token(f"{role}.home", HOME[role], [role])
    response = ctx.call(*STAFF_CASES[route].build(ctx, IN_SCOPE_TARGET), token)
    assert response.status_code == STAFF_CASES[route].success, response.body


def placeholder(route: tuple[str, str]) -> tuple[str, str, dict[str, Any] | None]:
    """The route with made-up ids and an empty body: the token and the role are checked before any
    record is looked up or any body read, so a refusal here owes nothing to the data."""
    method, template = route
    return method, re.sub(r"\{[a-z_]+\}", "X0000000", template), ({} if method == "POST" else None)


@pytest.mark.parametrize(("route", "role"), DENIED, ids=[f"{m} {p} as {r}" for (m, p), r in DENIED])
def test_other_roles_are_refused(refusal_ctx, route, role):
    token = refusal_ctx.token(f"{role}.home", HOME[role], [role])
    response = refusal_ctx.call(*placeholder(route), token)
    assert response.status_code == 403, response.body
    assert json.loads(response.body)["title"] == "没有权限"


SCOPED = [(route, role) for route, role in ALLOWED if STAFF_CASES[route].scoped and role != "city_admin"]
# (caller's unit, target unit): a sibling county, a parent's sibling, the parent itself.
OUTSIDE = [("taishan", "daiyue"), ("taishan", "demo-daiyue-hospital"), ("demo-taishan-hospital", "daiyue"),
           ("demo-taishan-hospital", "taishan"), ("demo-taishan-hospital", "city")]


@pytest.mark.parametrize(("route", "role"), SCOPED, ids=[f"{m} {p} as {r}" for (m, p), r in SCOPED])
@pytest.mark.parametrize(("home", "target"), OUTSIDE, ids=[f"{h}->{t}" for h, t in OUTSIDE])
def test_outside_the_subtree_answers_404_like_a_missing_record(ctx, route, role, home, target):
    token = ctx.token(f"{role}.{home}", home, [role])
    method, path, body = STAFF_CASES[route].build(ctx, target)
    response = ctx.call(method, path, body, token)
    assert response.status_code == 404, response.body
    assert json.loads(response.body)["detail"] == errors.not_found().detail  # as for a missing record


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=[f"{m} {p}" for m, p in STAFF_ROUTES])
def test_without_a_token_it_is_refused(refusal_ctx, route):
    response = refusal_ctx.call(*placeholder(route), None)
    assert response.status_code == 401


def _claims(cognito: Any, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": cognito.issuer, "aud": cognito.client_id, "token_use": "id", "sub": "x",
              "cognito:username": "forger", "custom:unit_id": "city", "cognito:groups": list(ROLES),
              "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


BAD_TOKENS: dict[str, Callable[[Any], str]] = {
    "expired": lambda c: forge_token(_claims(c, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
    "forged signature": lambda c: forge_token(_claims(c), foreign_key=True),
    "wrong audience": lambda c: forge_token(_claims(c, aud="another-client")),
    "wrong issuer": lambda c: forge_token(_claims(c, iss="https://cognito-idp.us-east-1.amazonaws.com/other")),
    "access token": lambda c: forge_token(_claims(c, token_use="access")),
    "no unit": lambda c: forge_token(_claims(c, **{"custom:unit_id": None})),
    "unknown unit": lambda c: forge_token(_claims(c, **{"custom:unit_id": "nowhere"})),
    "not a jwt": lambda c: "not-a-token",
    "partner key as staff": lambda c: "wsp_abc_def",
}


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=[f"{m} {p}" for m, p in STAFF_ROUTES])
@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_bad_tokens_are_refused(refusal_ctx, cognito, route, kind):
    response = refusal_ctx.call(*placeholder(route), BAD_TOKENS[kind](cognito))
    assert response.status_code in (401, 403)


def test_a_refused_token_writes_nothing(ctx, cognito, seeded):
    """The authorizer refuses before any handler runs: nothing is stored (checked once, on a write)."""
    method, path, body = STAFF_CASES[("POST", "/admin/units")].build(ctx, IN_SCOPE_TARGET)
    before = count_items(seeded)
    response = ctx.call(method, path, body, BAD_TOKENS["forged signature"](cognito))
    assert response.status_code in (401, 403)
    assert count_items(seeded) == before


def test_a_good_forged_shape_signed_by_the_pool_key_is_accepted(refusal_ctx, cognito):
    """The control for the bad-token cases: the same claims, correctly signed, pass (for an account
    with a staff record)."""
    put_staff_record("forger", "city", list(ROLES))
    response = refusal_ctx.call("GET", "/me", None, forge_token(_claims(cognito)))
    assert response.status_code == 200


# --- partners -----------------------------------------------------------------------------------

def _issue(ctx: Context, operations: list[str]) -> dict[str, Any]:
    response = ctx.call("POST", "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh", "operations": operations},
                        ctx.admin)
    assert response.status_code == 201
    return dict(json.loads(response.body))


def test_partner_key_works_after_issue_and_fails_after_revocation(ctx):
    issued = _issue(ctx, ["support.submit", "status.lookup"])
    key = issued["key"]
    headers = {"Authorization": f"Bearer {key}"}
    created = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()), **headers)
    assert created.status_code == 201
    reference = json.loads(created.body)["reference"]
    listed = ctx.call("GET", "/partner/submissions", None, key)
    assert [i["reference"] for i in json.loads(listed.body)["items"]] == [reference]
    assert ctx.call("GET", f"/partner/submissions/{reference}", None, key).status_code == 200

    assert ctx.call("POST", f"/admin/partners/{issued['id']}/revoke", None, ctx.admin).status_code == 200
    refused = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()), **headers)
    assert refused.status_code == 401
    assert ctx.call("GET", "/partner/submissions", None, key).status_code in (401, 403)


def test_records_a_partner_creates_carry_its_channel(ctx, seeded):
    from chalicelib.support import store

    key = _issue(ctx, ["support.submit"])["key"]
    created = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()),
                        Authorization=f"Bearer {key}")
    record = store.get_request(json.loads(created.body)["reference"])
    assert record and record["channel"] == "qlgh"


def test_partners_read_back_only_what_they_created(ctx):
    first = _issue(ctx, ["support.submit"])["key"]
    second = _issue(ctx, ["support.submit"])["key"]
    mine = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()),
                     Authorization=f"Bearer {first}")
    portal = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()))
    for reference in (json.loads(mine.body)["reference"], json.loads(portal.body)["reference"]):
        assert ctx.call("GET", f"/partner/submissions/{reference}", None, second).status_code == 404
    assert json.loads(ctx.call("GET", "/partner/submissions", None, second).body)["items"] == []


def test_a_partner_without_the_operation_is_refused(ctx):
    key = _issue(ctx, ["status.lookup"])["key"]
    response = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()),
                         Authorization=f"Bearer {key}")
    assert response.status_code == 403


def test_staff_cannot_call_partner_routes_and_partners_cannot_call_staff_routes(ctx):
    key = _issue(ctx, ["support.submit"])["key"]
    assert ctx.call("GET", "/me", None, key).status_code == 403
    assert ctx.call("GET", "/partner/submissions", None, ctx.admin).status_code == 403


def test_the_partner_key_is_stored_only_as_a_hash(ctx, seeded, capsys):
    from tests.conftest import scans_allowed

    issued = _issue(ctx, ["support.submit"])
    secret = issued["key"].split("_", 2)[2]
    import boto3

    with scans_allowed():
        items = boto3.resource("dynamodb", region_name="us-east-1").Table(seeded).scan()["Items"]
    assert secret not in json.dumps(items, default=str)
    assert secret not in capsys.readouterr().out
    listed = ctx.call("GET", "/admin/partners", None, ctx.admin)
    assert "key" not in json.loads(listed.body)["items"][0] and secret not in listed.body.decode()


def test_a_staff_token_on_a_public_route_is_served_as_the_public(ctx):
    response = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()),
                         Authorization=f"Bearer {ctx.admin}")
    assert response.status_code == 201
    from chalicelib.support import store

    assert store.get_request(json.loads(response.body)["reference"])["channel"] == "portal"
