"""Route declaration: one decorator registers a Chalice route, reads and validates its body,
makes writes idempotent, turns domain errors into problem+json and records the route for the
OpenAPI description. Routes stay thin: they get a validated model and return an answer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel

from chalicelib.core import errors, idempotency, ratelimit, requests
from chalicelib.core.http import json_response
from chalicelib.core.logs import logger

PUBLIC = "public"

# Problem statuses every route can answer.
COMMON_PROBLEMS = (400, 413, 415, 429, 500, 503)
WRITE_PROBLEMS = (409, 422)


@dataclass(frozen=True)
class RouteDoc:
    path: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    audience: str
    idempotent: bool
    problems: tuple[int, ...]
    description: str = ""
    path_params: dict[str, str] = field(default_factory=dict)


REGISTRY: list[RouteDoc] = []


def route(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    audience: str = PUBLIC,
    idempotent: bool = False,
    problems: tuple[int, ...] = (),
    description: str = "",
    path_params: dict[str, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route. The handler receives the path parameters and, when `body` is given,
    the validated model as `body=`; it returns a pydantic model, a dict or a Response."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def view(**params: Any) -> Response:
            try:
                request = bp.current_request
                if body is None:
                    return _answer(handler(**params), status)
                if audience == PUBLIC:
                    identity = (request.context or {}).get("identity") or {}
                    ratelimit.check(str(identity.get("sourceIp") or "unknown"))
                payload = requests.read_object(request)
                model = requests.validate(body, payload)

                def execute() -> Response:
                    return _answer(handler(body=model, **params), status)

                if not idempotent:
                    return execute()
                key = idempotency.idempotency_key(request.headers)
                scope = f"{method} {path} {params}"
                return idempotency.run_once(key, scope, payload, execute, getattr(bp, "lambda_context", None))
            except errors.ProblemError as exc:
                return exc.to_response()
            except Exception:
                logger.exception("unhandled error", extra={"route": path, "method": method})
                return errors.internal_error().to_response()

        bp.route(path, methods=[method])(view)
        REGISTRY.append(
            RouteDoc(path, method, summary, tag, body, response, status, audience, idempotent,
                     tuple(sorted({*COMMON_PROBLEMS, *(WRITE_PROBLEMS if body else ()), *problems})),
                     description, path_params or {})
        )
        return handler

    return decorator


def _answer(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return json_response(result, status)
