"""Route declaration, in small pieces. `route(...)` declares a handler's HTTP interface (path, method,
body and answer models, statuses, documentation) and records it in the registry that drives the
OpenAPI description, the access matrix and the registry-driven tests. Decorators under it add what
else the route needs, each one concern:

    @api.route("/admin/partners", "POST", summary="...", tag="...", body=PartnerIn,
               response=PartnerIssued, status=201)
    @api.staff("city_admin")      # who may call it (without one: the public)
    @api.shown_once("key")        # idempotency: an answer field a repeat of the key does not get back
    def issue_partner(body: PartnerIn, principal: Principal) -> object: ...

Audiences: `staff(*roles, before_mfa=)`, `partner(operation=)`, `public(operation=)`. Idempotency:
every write honours Idempotency-Key; `lookup` marks a read sent as POST, `shown_once(*fields)` a
credential in the answer. `audit_reads` writes each successful staff read to the audit trail.

At request time a route runs as a chain of small middlewares, built once per route: sign-in, body
parsing, idempotency, the public write limit and the read audit, around the handler. Routes stay
thin: they get a validated model and the caller, and return an answer. This module loads with the
route modules, on a route's first call (core/routing.py registers the routes at start-up)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from chalice.app import Request, Response
from pydantic import BaseModel

from chalicelib.core import access, audit, db, errors, idempotency, ratelimit, requests, routing
from chalicelib.core.access import EVERYONE, PARTNER, PUBLIC, STAFF, Access
from chalicelib.core.auth import Principal
from chalicelib.core.http import json_response
from chalicelib.core.logs import logger
from chalicelib.core.routing import current_request

__all__ = ["PARTNER", "PUBLIC", "REGISTRY", "STAFF", "Access", "Call", "Idempotency", "Middleware", "RouteDoc",
           "audit_reads", "current_request", "index_of", "lookup", "partner", "public", "route", "shown_once",
           "staff"]

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
    module: str = ""  # the module declaring the handler: the route index loads it on the route's first call


REGISTRY: list[RouteDoc] = []


# -- Options: what the decorators under @route record on the handler -----------------------------------

@dataclass(frozen=True)
class Idempotency:
    """`lookup`: a read sent as POST so that a reference and phone stay out of the URL; it changes
    nothing, so a repeat simply reads again, and its answer (personal data) is not kept with the key.
    `shown_once`: answer fields (a new credential) a repeat of the key does not get back; they are
    never stored in plain text."""

    lookup: bool = False
    shown_once: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    access: Access = EVERYONE
    idempotency: Idempotency = Idempotency()
    audit_reads: bool = False


H = TypeVar("H", bound=Callable[..., Any])
_OPTIONS = "__route_options__"
_DECLARED = "__route_declared__"


def _options_of(handler: Callable[..., Any]) -> Options:
    found = getattr(handler, _OPTIONS, None)
    return found if isinstance(found, Options) else Options()


def _option(name: str, change: Callable[[Options], Options]) -> Callable[[H], H]:
    def apply(handler: H) -> H:
        if getattr(handler, _DECLARED, False):  # above @route it would come too late and be lost
            raise TypeError(f"{handler.__qualname__}: @api.{name} goes below @api.route")
        setattr(handler, _OPTIONS, change(_options_of(handler)))
        return handler

    return apply


def _audience(name: str, chosen: Access) -> Callable[[H], H]:
    def change(options: Options) -> Options:
        if options.access != EVERYONE:
            raise TypeError(f"a route has one audience: @api.{name} after {options.access.audience}")
        return replace(options, access=chosen)

    return _option(name, change)


def staff(*roles: str, before_mfa: bool = False) -> Callable[[H], H]:
    """A signed-in staff member with one of `roles`. Staff in an MFA role without a recorded second
    factor are refused (403 mfa-required) unless `before_mfa` (only what enrolment itself needs)."""
    if not roles:
        raise ValueError("a staff route must name the roles it accepts")
    return _audience("staff", Access(STAFF, tuple(roles), before_mfa=before_mfa))


def partner(operation: str | None = None) -> Callable[[H], H]:
    """A partner app with its key (holding `operation`, when given)."""
    return _audience("partner", Access(PARTNER, operation=operation))


def public(*, operation: str) -> Callable[[H], H]:
    """Open to anyone; a partner app may call it with its key, which must then hold `operation` (its
    channel is recorded). A route without an audience decorator is public and takes no partner key."""
    return _audience("public", Access(PUBLIC, operation=operation))


def lookup(handler: H) -> H:
    """A read sent as POST: no Idempotency-Key, nothing kept (see Idempotency)."""
    return _option("lookup", lambda o: replace(o, idempotency=replace(o.idempotency, lookup=True)))(handler)


def shown_once(*fields: str) -> Callable[[H], H]:
    """Answer fields a repeat of the Idempotency-Key does not get back (see Idempotency)."""
    return _option("shown_once", lambda o: replace(o, idempotency=replace(o.idempotency, shown_once=fields)))


def audit_reads(handler: H) -> H:
    """A read that shows personal data to staff: each successful call is itself written to the audit
    trail (who looked at what, when)."""
    return _option("audit_reads", lambda o: replace(o, audit_reads=True))(handler)


# -- Middlewares: one concern each, composed once per route -----------------------------------------------

@dataclass
class Call:
    """One request on its way through a route's middlewares."""

    request: Request
    params: dict[str, Any]  # the handler's keyword arguments: path parameters, then body= and principal=
    path_args: list[tuple[str, Any]]  # the path parameters alone, sorted
    lambda_context: Any
    principal: Principal | None = None
    payload: dict[str, Any] | None = None  # the request's JSON object, as sent


Next = Callable[[Call], Response]
Middleware = Callable[[Call, Next], Response]


def _signing_in(chosen: Access, wants_principal: bool) -> Middleware:
    def run(call: Call, proceed: Next) -> Response:
        call.principal = access.caller(call.request, chosen)
        if wants_principal:
            call.params["principal"] = call.principal
        return proceed(call)

    return run


def _parsing(model: type[BaseModel]) -> Middleware:
    def run(call: Call, proceed: Next) -> Response:
        call.payload = requests.read_object(call.request)
        call.params["body"] = requests.validate(model, call.payload)
        return proceed(call)

    return run


def _once_per_key(name: str, shown: tuple[str, ...]) -> Middleware:
    """Every write is idempotent: a repeat of a key gets the first answer."""

    def run(call: Call, proceed: Next) -> Response:
        key = idempotency.idempotency_key(call.request.headers)
        caller = call.principal.actor if call.principal else "public"
        scope = f"{name} {call.path_args} {caller}"
        return idempotency.run_once(key, scope, call.payload, lambda: proceed(call), call.lambda_context, shown)

    return run


def _limiting(name: str) -> Middleware:
    """Public writes are counted per person under a ceiling per source, only when the write runs
    (under the idempotency middleware, so a replay spends nothing)."""

    def run(call: Call, proceed: Next) -> Response:
        ratelimit.check_write(name, _source(call.request, call.principal), ratelimit.person_of(call.params.get("body")))
        return proceed(call)

    return run


def _auditing(name: str) -> Middleware:
    def run(call: Call, proceed: Next) -> Response:
        answer = proceed(call)
        if call.principal is not None and answer.status_code < 300:
            audit.record_view(call.principal.actor, call.principal.unit_id, name, call.path_args)
        return answer

    return run


def _source(request: Request, principal: Principal | None) -> str:
    """Whom a source ceiling counts: a partner app by its key, anyone else by address."""
    return principal.actor if principal else f"ip:{ratelimit.client_address(request)}"


def _chain(middlewares: Sequence[Middleware], last: Next) -> Next:
    """One callable: the first middleware, which proceeds to the next, ..., which proceeds to `last`."""
    for middleware in reversed(middlewares):
        last = _link(middleware, last)
    return last


def _link(middleware: Middleware, proceed: Next) -> Next:
    def run(call: Call) -> Response:
        return middleware(call, proceed)

    return run


def _middlewares(doc: RouteDoc, options: Options, wants_principal: bool) -> list[Middleware]:
    name = f"{doc.method} {doc.path}"
    chain = [_signing_in(options.access, wants_principal)]
    if doc.body is not None:
        chain.append(_parsing(doc.body))
    if doc.idempotent:
        chain.append(_once_per_key(name, doc.shown_once))
    if doc.method != "GET" and doc.audience == PUBLIC:
        chain.append(_limiting(name))
    if options.audit_reads:
        chain.append(_auditing(name))
    return chain


# -- The declaration --------------------------------------------------------------------------------------

def route(
    path: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    problems: tuple[int, ...] = (),
    description: str = "",
    path_params: dict[str, str] | None = None,
    query_params: dict[str, str] | None = None,
    media_types: tuple[str, ...] = (),
    operation_id: str = "",
    model_statuses: tuple[int, ...] = (),
) -> Callable[[H], H]:
    """Declare a route. The handler receives the path parameters; `body=` the validated model when
    `body` is given; `principal=` the caller if it has that parameter. It returns a pydantic model,
    a dict or a Response. `problems`: the statuses it may answer besides those every route (or every
    write, or every signed-in route) may; `model_statuses`: other statuses answered with `response`."""

    def decorator(handler: H) -> H:
        options = _options_of(handler)
        doc = _document(handler, options, path, method, summary, tag, body, response, status, problems,
                        description, path_params or {}, query_params or {}, media_types, operation_id,
                        model_statuses)
        wants_principal = "principal" in inspect.signature(handler).parameters

        def last(call: Call) -> Response:
            return _answer(handler(**call.params), status)

        chain = _chain(_middlewares(doc, options, wants_principal), last)

        def serve(request: Request, context: Any, params: dict[str, Any]) -> Response:
            with db.request_budget(context):  # retries end in time to answer
                try:
                    return chain(Call(request, params, sorted(params.items()), context))
                except errors.ProblemError as exc:
                    return exc.to_response()
                except Exception:
                    logger().exception("unhandled error", extra={"route": path, "method": method})
                    return errors.internal_error().to_response()

        REGISTRY.append(doc)
        routing.SERVE[(doc.method, doc.path)] = serve
        setattr(handler, _DECLARED, True)
        return handler

    return decorator


def _document(handler: Callable[..., Any], options: Options, path: str, method: str, summary: str, tag: str,
              body: type[BaseModel] | None, response: type[BaseModel] | None, status: int,
              problems: tuple[int, ...], description: str, path_params: dict[str, str],
              query_params: dict[str, str], media_types: tuple[str, ...], operation_id: str,
              model_statuses: tuple[int, ...]) -> RouteDoc:
    who, once = options.access, options.idempotency
    where = f"{method} {path}"
    if method == "GET" and body is not None:
        raise ValueError(f"{where}: a GET takes no body")
    if method == "GET" and (once.lookup or once.shown_once):
        raise ValueError(f"{where}: a GET changes nothing; lookup and shown_once are for writes")
    if once.lookup and once.shown_once:
        raise ValueError(f"{where}: a lookup keeps no answer, so nothing in it is shown once")
    if options.audit_reads and method != "GET":
        raise ValueError(f"{where}: audit_reads is for GET routes")
    extra = SIGNED_IN_PROBLEMS if who.audience != PUBLIC or who.operation else ()
    return RouteDoc(
        path, method, summary, tag, body, response, status, who.audience, method != "GET" and not once.lookup,
        tuple(sorted({*COMMON_PROBLEMS, *_write_problems(method, body), *extra, *problems})), who.roles,
        who.operation, description, path_params, query_params, media_types, who.before_mfa,
        operation_id or f"{handler.__module__.split('.')[-2]}_{handler.__name__}", model_statuses,
        once.shown_once, handler.__module__)


def _write_problems(method: str, body: type[BaseModel] | None) -> tuple[int, ...]:
    """A write may meet its own repeat still running (409); one with a body, a repeat of its key
    with another body (422) or a body that does not validate."""
    if method == "GET":
        return ()
    return WRITE_PROBLEMS if body is not None else (409,)


def _answer(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return json_response(result, status)


def index_of(docs: Sequence[RouteDoc]) -> list[dict[str, Any]]:
    """The route index app.py registers the routes from (routing.INDEX_FIELDS of each route), written by
    `make openapi`; a test fails when the committed one differs."""
    return [{name: getattr(doc, name) for name in routing.INDEX_FIELDS}
            for doc in sorted(docs, key=lambda d: (d.module, d.path, d.method))]
