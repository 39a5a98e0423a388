"""Every answer the API tests receive is checked against the route's documented contract: its status
is the route's success status or one of its documented problem statuses, a success body matches the
route's response model as published in the OpenAPI description, and a problem body matches the
Problem schema. The routes come from `chalicelib.core.api.REGISTRY`, so a new route is covered the
moment it is declared."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_DOC_URI = "urn:worker-services:openapi"
CATALOGUE: dict[str, Any] = {}


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    literal_segments: int
    doc: Any


@functools.cache
def _spec() -> dict[str, Any]:
    import app  # noqa: F401 - registers every route
    from chalicelib.core import errors, openapi

    CATALOGUE.update(errors.CATALOGUE)
    return openapi.generate()


@functools.cache
def _routes() -> tuple[_Route, ...]:
    _spec()
    from chalicelib.core.api import REGISTRY

    routes = []
    for doc in REGISTRY:
        parts = doc.path.strip("/").split("/")
        regex = "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        routes.append(_Route(re.compile(f"^/{regex}$"), sum(not p.startswith("{") for p in parts), doc))
    return tuple(routes)


@functools.cache
def _validator(ref: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        _DOC_URI, Resource.from_contents(_spec(), default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{_DOC_URI}{ref}"}, registry=registry)


def route_for(method: str, path: str) -> Any:
    """The declared route a request reaches (a literal segment wins over a parameter, as in Chalice)."""
    path = path.split("?", 1)[0]
    if path.startswith("/api/"):
        path = path[4:]
    found = [r for r in _routes() if r.doc.method == method.upper() and r.pattern.match(path)]
    return max(found, key=lambda r: r.literal_segments).doc if found else None


def _gateway_answer(headers: dict[str, str], body: bytes) -> bool:
    """Chalice's local gateway refusing a request before the app runs (its authorizer said no). In AWS,
    API Gateway answers these, in problem+json through the template's gateway responses."""
    if headers.get("Content-Type", headers.get("content-type", "")).startswith("application/problem+json"):
        return False
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return False
    return isinstance(parsed, dict) and set(parsed) <= {"message", "Message"}


def violations(method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """What is wrong with this answer for its route's contract (an empty list when nothing is)."""
    doc = route_for(method, path)
    if doc is None:
        return []  # no such route: Chalice's own 404/405, which the API does not document per route
    where = f"{method.upper()} {doc.path} answered {status}"
    documented = {doc.status, *doc.problems}
    if status not in documented:
        return [f"{where}, which is not documented (documented: {sorted(documented)})"]
    if status >= 400 and _gateway_answer(headers, body):
        return []
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    if status == doc.status or status in doc.model_statuses:
        if doc.response is None:
            if doc.media_types and content_type.split(";")[0] not in doc.media_types:
                return [f"{where} with Content-Type {content_type!r}, documented: {doc.media_types}"]
            return []
        if not content_type.startswith("application/json"):
            return [f"{where} with Content-Type {content_type!r}, documented: application/json"]
        ref = _spec()["paths"][doc.path][doc.method.lower()]["responses"][str(status)]["content"][
            "application/json"]["schema"]["$ref"]
    else:
        if not content_type.startswith("application/problem+json"):
            return [f"{where} with Content-Type {content_type!r}, documented: application/problem+json"]
        ref = "#/components/schemas/Problem"
    try:
        payload = json.loads(body)
    except ValueError:
        return [f"{where} with a body that is not JSON"]
    wrong = [f"{where}: {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
             for e in _validator(ref).iter_errors(payload)]
    if status != doc.status and status not in doc.model_statuses and not wrong:
        code = str(payload.get("type", "")).removeprefix("/problems/")
        kind = CATALOGUE.get(code)
        if kind is None or kind.status != status or kind.title != payload.get("title"):
            wrong.append(f"{where} with problem type {payload.get('type')!r}: not so in the catalogue (core/errors.py)")
    return wrong
