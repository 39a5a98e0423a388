"""Route declaration: one decorator registers a Chalice route, checks who may call it, reads and
validates its body, makes writes idempotent, turns domain errors into problem+json and records
the route for the OpenAPI description. Routes stay thin: they get a validated model and the
caller, and return an answer."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel

from chalicelib.core import audit, auth, db, errors, idempotency, ratelimit, requests
from chalicelib.core.auth import Principal
from chalicelib.core.http import json_response
from chalicelib.core.logs import logger

PUBLIC = "public"  # no sign-in; a partner may call with its key (channel and operation checked)
STAFF = auth.STAFF  # a signed-in staff member with one of the route's roles
PARTNER = auth.PARTNER  # a partner app with its key

# Problem statuses every route can answer.
COMMON_PROBLEMS = (400, 413, 415, 429, 500, 503)
WRITE_PROBLEMS = (409, 422)
SIGNED_IN_PROBLEMS = (401, 403)


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
    roles: tuple[str, ...] = ()
    operation: str | None = None
    description: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    query_params: dict[str, str] = field(default_factory=dict)
    media_types: tuple[str, ...] = ()  # a route answering with a file (an image) instead of JSON
    before_mfa: bool = False  # open to staff whose second factor is not yet recorded (enrolment)
    operation_id: str = ""  # stable ASCII name for generated clients: "<domain>_<handler>" unless given
    model_statuses: tuple[int, ...] = ()  # other statuses answered with the response model, not a problem
    shown_once: tuple[str, ...] = ()  # answer fields a repeat of the Idempotency-Key does not get back


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
    roles: tuple[str, ...] = (),
    operation: str | None = None,
    problems: tuple[int, ...] = (),
    personal_data: bool = False,
    description: str = "",
    path_params: dict[str, str] | None = None,
    query_params: dict[str, str] | None = None,
    media_types: tuple[str, ...] = (),
    before_mfa: bool = False,
    operation_id: str = "",
    model_statuses: tuple[int, ...] = (),
    lookup: bool = False,
    shown_once: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route. The handler receives the path parameters; `body=` the validated model when
    `body` is given; `principal=` the caller if it has that parameter. It returns a pydantic model,
    a dict or a Response. `personal_data=True` marks a read that shows personal data to staff: each
    successful call is itself written to the audit trail (who looked at what, when). Staff in an MFA
    role without a recorded second factor are refused (403 mfa-required) unless `before_mfa=True`
    (only what enrolment itself needs). Every other method is a write and honours Idempotency-Key,
    except `lookup=True`: a read sent as POST so that a reference and phone stay out of the URL. It
    changes nothing, so a repeat simply reads again, and its answer (personal data) is not stored
    with the key for a day, beyond the reach of erasure. `shown_once` names answer fields (a new
    credential) that a repeat of the key does not get back: they are never stored in plain text."""
    if audience == STAFF and not roles:
        raise ValueError(f"{method} {path}: a staff route must name the roles it accepts")

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        wants_principal = "principal" in inspect.signature(handler).parameters

        @functools.wraps(handler)
        def view(**params: Any) -> Response:
            with db.request_budget(getattr(bp, "lambda_context", None)):  # retries end in time to answer
                return serve(**params)

        def serve(**params: Any) -> Response:
            try:
                request = bp.current_request
                principal = _caller(request, audience, roles, operation, before_mfa)
                path_args = sorted(params.items())
                if wants_principal:
                    params["principal"] = principal
                if method == "GET":
                    answer = _answer(handler(**params), status)
                    if personal_data and principal is not None and answer.status_code < 300:
                        audit.record_view(principal.actor, principal.unit_id, f"{method} {path}", path_args)
                    return answer
                # Every write is idempotent: a repeat of a key gets the first answer.
                payload = requests.read_object(request) if body is not None else None
                if body is not None:
                    params["body"] = requests.validate(body, payload)

                def execute() -> Response:
                    if audience == PUBLIC:  # counted only when the write runs (a replay spends nothing)
                        ratelimit.check_write(f"{method} {path}", _source(request, principal),
                                              ratelimit.person_of(params.get("body")))
                    return _answer(handler(**params), status)

                if lookup:  # a read: repeating it is harmless, and its answer is not kept
                    return execute()
                key = idempotency.idempotency_key(request.headers)
                caller = principal.actor if principal else "public"
                scope = f"{method} {path} {path_args} {caller}"
                return idempotency.run_once(key, scope, payload, execute, getattr(bp, "lambda_context", None),
                                            shown_once)
            except errors.ProblemError as exc:
                return exc.to_response()
            except Exception:
                logger.exception("unhandled error", extra={"route": path, "method": method})
                return errors.internal_error().to_response()

        authorizer = None
        if audience in (STAFF, PARTNER):
            from chalicelib.identity.authorizer import staff_or_partner

            authorizer = staff_or_partner
        bp.route(path, methods=[method], authorizer=authorizer)(view)
        extra = SIGNED_IN_PROBLEMS if audience != PUBLIC or operation else ()
        REGISTRY.append(
            RouteDoc(path, method, summary, tag, body, response, status, audience, method != "GET" and not lookup,
                     tuple(sorted({*COMMON_PROBLEMS, *_write_problems(method, body), *extra, *problems})),
                     roles, operation, description, path_params or {}, query_params or {}, media_types, before_mfa,
                     operation_id or f"{handler.__module__.split('.')[-2]}_{handler.__name__}", model_statuses,
                     shown_once)
        )
        return handler

    return decorator


def _write_problems(method: str, body: type[BaseModel] | None) -> tuple[int, ...]:
    """A write may meet its own repeat still running (409); one with a body, a repeat of its key
    with another body (422) or a body that does not validate."""
    if method == "GET":
        return ()
    return WRITE_PROBLEMS if body is not None else (409,)


def _source(request: Request, principal: Principal | None) -> str:
    """Whom a source ceiling counts: a partner app by its key, anyone else by address."""
    return principal.actor if principal else f"ip:{ratelimit.client_address(request)}"


def _caller(request: Request, audience: str, roles: tuple[str, ...], operation: str | None,
            before_mfa: bool = False) -> Principal | None:
    """The principal the route runs for, after the audience, role and operation checks."""
    if audience == PUBLIC:
        header = request.headers.get("authorization")
        if not header:
            return None
        principal = _partner_from_header(header, request)
        if principal is None:
            return None
    else:
        context = (request.context or {}).get("authorizer") or {}
        if "kind" not in context:
            raise errors.unauthorized()
        principal = Principal.from_context(context)
        if audience == STAFF:
            auth.require_roles(principal, roles)
            if principal.mfa_missing and not before_mfa:
                raise errors.mfa_required()
            return principal
        if principal.kind != PARTNER:
            raise errors.forbidden("此接口仅供合作应用调用。")
    if operation and operation not in principal.operations:
        raise errors.forbidden("该合作应用没有获准进行此操作。")
    return principal


def _partner_from_header(header: str, request: Request) -> Principal | None:
    """Public routes take an optional partner key (Authorization: Bearer wsp_...). A source with
    too many failed keys lately is refused (429) before its key is checked."""
    from chalicelib.identity import authorizer, service, tokens

    credential = authorizer.credential_from_header(header)
    if credential is None or not credential.startswith(service.KEY_PREFIX):
        return None  # a staff token (or anything else) on a public route: served as the public
    source = f"ip:{ratelimit.client_address(request)}"
    ratelimit.refuse_blocked_source(source)
    try:
        return service.principal_from_credential(credential)
    except tokens.InvalidToken:
        ratelimit.count_failed_credential(source)
        raise errors.unauthorized("合作应用凭证无效或已被吊销。") from None


def _answer(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return json_response(result, status)
