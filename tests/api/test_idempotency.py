"""Every write route honours Idempotency-Key: the same key with the same body gets the first answer
(marked Idempotent-Replayed) and stores nothing more; the same key with another body is refused
with 422; a refusal is not remembered. The routes come from the registry, so a new write route is
covered (or the suite fails until it has a valid call in tests/unit/test_faults.py)."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from pydantic import BaseModel, ValidationError

import app  # noqa: F401 - registers every route
from chalicelib.core import api, db
from tests.api.access_cases import Context
from tests.api.helpers import count_items, post_json, support_body
from tests.conftest import scans_allowed
from tests.unit.test_faults import CALLABLE, WRITE_ROUTES, valid_call

BODIES = {(d.method, d.path): d.body for d in api.REGISTRY}
SHOWN_ONCE = {(d.method, d.path): d.shown_once for d in api.REGISTRY}


def _everything(table_name: str) -> str:
    """Every item of the table as text (a test may Scan)."""
    with scans_allowed():
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(table_name)
        return json.dumps(table.scan()["Items"], ensure_ascii=False, default=str)


@pytest.fixture
def ctx(fresh: SimpleNamespace) -> Context:
    return Context(fresh.client, fresh.token)


def _send(ctx: Context, method: str, path: str, body: dict[str, Any] | None, token: str | None,
          key: str) -> Any:
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    return ctx.client.http.request(method, path, headers=headers, body=raw)


def _choices(schema: dict[str, Any], defs: dict[str, Any]) -> list[Any]:
    """The allowed values of a field (or of its items), if the schema lists them."""
    found: list[Any] = []
    for option in [*schema.get("anyOf", []), *schema.get("allOf", []), schema]:
        if "$ref" in option:
            option = defs[option["$ref"].rsplit("/", 1)[-1]]
        found += option.get("enum", [])
        if "items" in option:
            found += [[value] for value in _choices(option["items"], defs)]
    return found


def _other_body(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """The valid body with one field changed so that the model still accepts it."""
    schema = model.model_json_schema()
    for name, value in body.items():
        candidates: list[Any] = _choices(schema["properties"].get(name, {}), schema.get("$defs", {}))
        if isinstance(value, bool):
            candidates = [not value]
        elif isinstance(value, int):
            candidates = [value + 1, value - 1]
        elif isinstance(value, str):
            last = "1" if value[-1:] != "1" else "2"
            candidates += [value + "再", value[:-1], value[:-1] + last, "说明"]
        elif isinstance(value, list) and len(value) > 1:
            candidates.append(value[:-1])
        for candidate in candidates:
            changed = {**body, name: candidate}
            try:
                if model.model_validate(changed) != model.model_validate(body):
                    return changed
            except ValidationError:
                continue
    raise AssertionError(f"no valid variation of {body}")


# Reads sent as POST (a reference and phone stay out of the URL): nothing to repeat, and their answers
# hold personal data that must not sit in an idempotency record.
LOOKUPS = {("POST", "/status/lookup"), ("POST", "/privacy/my-data"), ("POST", "/firms/interested"),
           ("POST", "/staff/frontline/families/{person_id}/phone"),
           ("POST", "/staff/frontline/units/{unit_id}/imports/check"),
           ("POST", "/staff/support/hotline/caller-history")}
IDEMPOTENT = [route for route in CALLABLE if route not in LOOKUPS]


def test_every_write_route_is_covered():
    assert WRITE_ROUTES and set(WRITE_ROUTES) == set(CALLABLE)
    assert {(d.method, d.path) for d in api.REGISTRY if d.method != "GET" and not d.idempotent} == LOOKUPS


@pytest.mark.parametrize("route", sorted(LOOKUPS), ids=[f"{m} {p}" for m, p in sorted(LOOKUPS)])
def test_a_lookup_keeps_no_answer_with_its_key(ctx, fresh, route):
    method, path, body, token = valid_call(ctx, route)
    kept = len(db.query("IDEMPOTENCY", limit=1000)[0])
    key = str(uuid.uuid4())
    first = _send(ctx, method, path, body, token, key)
    assert first.status_code == 200, first.body
    again = _send(ctx, method, path, body, token, key)
    assert (again.status_code, again.body) == (first.status_code, first.body)
    assert "Idempotent-Replayed" not in again.headers
    assert len(db.query("IDEMPOTENCY", limit=1000)[0]) == kept


@pytest.mark.parametrize("route", IDEMPOTENT, ids=[f"{m} {p}" for m, p in IDEMPOTENT])
def test_a_repeated_key_gets_the_first_answer_and_stores_nothing_more(ctx, fresh, route):
    method, path, body, token = valid_call(ctx, route)
    key = str(uuid.uuid4())
    first = _send(ctx, method, path, body, token, key)
    assert first.status_code < 300, first.body
    stored = count_items(fresh.table)
    again = _send(ctx, method, path, body, token, key)
    secrets = SHOWN_ONCE[route]
    if secrets:  # a new credential is answered once; the repeat says the rest, the secret nowhere
        answer, repeat = json.loads(first.body), json.loads(again.body)
        assert again.status_code == first.status_code and all(answer.get(f) for f in secrets)
        assert repeat == {k: v for k, v in answer.items() if k not in secrets}
        assert not [s for s in (answer[f] for f in secrets) if s in _everything(fresh.table)]
    else:
        assert (again.status_code, again.body) == (first.status_code, first.body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count_items(fresh.table) == stored
    model = BODIES[route]
    if model is not None and body:
        other = _send(ctx, method, path, _other_body(model, body), token, key)
        assert other.status_code == 422, other.body
        assert json.loads(other.body)["type"] == "/problems/idempotency-mismatch"
        assert count_items(fresh.table) == stored


def test_a_refusal_is_not_remembered(ctx, fresh):
    """A key whose first use was refused may be used again once the input is corrected."""
    method, path, body, token = valid_call(ctx, ("POST", "/staff/sessions"))
    key = str(uuid.uuid4())
    refused = _send(ctx, method, path, {**(body or {}), "capacity": 0}, token, key)
    assert refused.status_code == 400, refused.body
    corrected = _send(ctx, method, path, body, token, key)
    assert corrected.status_code == 201, corrected.body
    assert "Idempotent-Replayed" not in corrected.headers


def test_a_partner_repeating_a_key_creates_one_record(ctx, fresh):
    issued = ctx.call("POST", "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh",
                                                  "operations": ["support.submit"]}, ctx.admin)
    partner = {"Authorization": f"Bearer {json.loads(issued.body)['key']}"}
    key = str(uuid.uuid4())
    first = post_json(ctx.client, "/support-requests", support_body(), key, **partner)
    stored = count_items(fresh.table)
    again = post_json(ctx.client, "/support-requests", support_body(), key, **partner)
    assert (again.status_code, again.body) == (first.status_code, first.body) and first.status_code == 201
    assert count_items(fresh.table) == stored


def _user_agent_hooks() -> int:
    """Handlers on the shared DynamoDB client's request-created event (Powertools adds one per
    persistence store it is given the client for)."""
    emitter: Any = db.low_level_client().meta.events  # botocore keeps no public count
    return len(list(emitter._emitter._handlers.prefix_search("request-created.dynamodb.PutItem")))


def test_the_idempotency_store_is_built_once_per_client(fresh):
    def submit() -> None:
        response = post_json(fresh.client, "/support-requests", support_body(), str(uuid.uuid4()))
        assert response.status_code == 201, response.body

    submit()
    after_one = _user_agent_hooks()
    for _ in range(30):
        submit()
    assert _user_agent_hooks() == after_one
