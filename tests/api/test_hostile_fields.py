"""Hostile values in every field of every write route's body, derived from the route's request model.

Each route starts from a valid call (the fault tests' PUBLIC_CALLS and the access-matrix cases) and
has one field at a time replaced: strings get invisible and control characters, lone surrogates,
wrong types and very long text; numbers get negative, huge, fractional and textual values; dates
get impossible and far-out days. A refusal is a 4xx problem+json whose Chinese message names the
field (or a domain answer such as 404 with a Chinese detail) and stores nothing. Some values are
legitimate text (a script tag in a description, full-width digits in a phone number): those may be
accepted, and are then stored as given, as plain text, and answered as JSON, never as HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

import app  # noqa: F401 - registers every route
from chalicelib.core import api
from tests.api.access_cases import Context
from tests.api.helpers import count_items
from tests.conftest import scans_allowed
from tests.unit.test_faults import CALLABLE, valid_call

BODIES = {(d.method, d.path): d.body for d in api.REGISTRY if d.body is not None}
ROUTES = [r for r in CALLABLE if r in BODIES]
CJK = re.compile(r"[\u4e00-\u9fff]")

SCRIPT = "<script>alert(1)</script>"
FULL_WIDTH = "１３８００１３８０００"


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


# (attack, value from the valid one, whether a legitimate form could hold it)
Attack = tuple[str, Callable[[Any], Any], bool]
TEXT: list[Attack] = [
    ("zero-width", lambda v: f"{v if isinstance(v, str) else '测试'}\u200b", False),
    ("bidi override", lambda v: f"\u202e{v if isinstance(v, str) else '测试'}", False),
    ("control character", lambda v: f"{v if isinstance(v, str) else '测试'}\x07", False),
    ("lone surrogate", lambda v: "\ud800", False),
    ("very long", lambda v: "长" * 10_000, False),
    ("number", lambda v: 12345, False),
    ("nested object", lambda v: _deep(40), False),
    ("script tag", lambda v: SCRIPT, True),
    ("full-width digits", lambda v: FULL_WIDTH, True),
]
NUMBER: list[Attack] = [
    ("negative", lambda v: -1, False),
    ("huge", lambda v: 10**15, False),
    ("fraction", lambda v: 1.5, False),
    ("text", lambda v: "十", False),
]
SIGNED: list[Attack] = [("negative", lambda v: -1, True), *NUMBER[1:]]
DAY: list[Attack] = [
    ("impossible day", lambda v: "2020-02-30", False),
    ("year one", lambda v: "0001-01-01", False),
    ("year 9999", lambda v: "9999-12-31", False),
    ("number", lambda v: 20200225, False),
]
MOMENT: list[Attack] = [
    ("impossible day", lambda v: "2030-02-30T08:00:00+08:00", False),
    ("year one", lambda v: "0001-01-01T00:00:00+00:00", False),
    ("year 9999", lambda v: "9999-12-31T23:00:00+00:00", False),
    ("number", lambda v: 20300225, False),
]
FLAG: list[Attack] = [("text", lambda v: "也许", False), ("list", lambda v: [True], False)]
LIST: list[Attack] = [("text", lambda v: "abc", False), ("thousands of items", lambda v: ["x"] * 5000, False)]


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    option = options[0] if options else schema
    if "$ref" in option:
        option = defs[option["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in option:
        return _resolve(option["allOf"][0], defs)
    return option


def attacks_for(model: type[BaseModel]) -> dict[str, list[Attack]]:
    """Each field of the model with the attacks its type calls for."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    result: dict[str, list[Attack]] = {}
    for name, prop in schema["properties"].items():
        field = _resolve(prop, defs)
        kind, form = field.get("type"), field.get("format")
        if kind == "string" and form == "date":
            result[name] = DAY
        elif kind == "string" and form == "date-time":
            result[name] = MOMENT
        elif kind == "integer":  # a field whose schema allows negatives takes one as a legitimate value
            result[name] = NUMBER if field.get("minimum", 0) >= 0 else SIGNED
        elif kind == "boolean":
            result[name] = FLAG
        elif kind == "array":
            result[name] = LIST
        else:  # strings and choices
            result[name] = TEXT
    return result


def _contains(item: Any, text: str) -> bool:
    if isinstance(item, str):
        return text in item
    if isinstance(item, dict):
        return any(_contains(v, text) for v in item.values())
    if isinstance(item, list | set):
        return any(_contains(v, text) for v in item)
    return False


def _stored_with(table: str, text: str) -> bool:
    with scans_allowed():
        items = boto3.resource("dynamodb", region_name="us-east-1").Table(table).scan()["Items"]
    return any(_contains(item, text) for item in items)


def _refusal_problem(response: Any, field: str) -> str | None:
    """None when the answer is a proper refusal for this field, else what is wrong with it."""
    if not 400 <= response.status_code < 500:
        return f"answered {response.status_code}"
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return "not problem+json"
    problem = json.loads(response.body)
    if not CJK.search(problem.get("title", "")):
        return "title not in Chinese"
    errors = problem.get("errors")
    if errors:
        named = [e for e in errors if e["field"] == field or e["field"].startswith(f"{field}.")]
        if not named or not all(CJK.search(e["message"]) for e in named):
            return f"errors do not name the field in Chinese: {errors}"
    elif not CJK.search(problem.get("detail", "")):
        return "no Chinese detail"
    return None


# Fields kept only encrypted and never shown again (core/secrets.py): what was typed is in neither the
# table nor the answer, by design.
SEALED = {(("PUT", "/admin/units/{unit_id}/alerts/webhook"), "secret")}


@pytest.fixture
def ctx(fresh: SimpleNamespace) -> Context:
    return Context(fresh.client, fresh.token)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_hostile_values_in_each_field(ctx, fresh, route):
    found: list[str] = []
    call = valid_call(ctx, route)
    before = count_items(fresh.table)
    for field, attacks in attacks_for(BODIES[route]).items():
        for attack, make, legitimate in attacks:
            method, path, body, token = call
            hostile = {**(body or {}), field: make((body or {}).get(field))}
            response = ctx.call(method, path, hostile, token)
            where = f"{field} / {attack}"
            if response.status_code < 300:
                if not legitimate:
                    found.append(f"{where}: accepted ({response.status_code})")
                elif not response.headers.get("Content-Type", "").startswith("application/json"):
                    found.append(f"{where}: accepted and answered as {response.headers.get('Content-Type')}")
                elif attack == "script tag" and (route, field) not in SEALED and count_items(fresh.table) > before \
                        and not _stored_with(fresh.table, SCRIPT) and SCRIPT not in response.body.decode():
                    found.append(f"{where}: accepted but neither stored nor answered as given")
                call = valid_call(ctx, route)  # the accepted call used up its target
                before = count_items(fresh.table)
                continue
            wrong = _refusal_problem(response, field)
            if wrong:
                found.append(f"{where}: {wrong}: {response.body[:200]!r}")
            if count_items(fresh.table) != before:
                found.append(f"{where}: refused but something was stored")
                before = count_items(fresh.table)
    assert not found, "\n".join(found)
