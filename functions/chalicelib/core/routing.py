"""Routes registered with Chalice before their modules load. Chalice must know every route when the
app is imported, but a route's module (its service, store, models and the libraries they use) need
not load before the route is first called. app.py registers each route from the route index (path,
method, audience and module: what routing and sign-in need); the first call of a route imports its
module, whose `api.route` declarations fill `api.REGISTRY` and `SERVE`. This module is what the app
imports at start-up, so it stays light: the declarations and middlewares are in api.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib.core import access, http
from chalicelib.core.access import PARTNER, STAFF, SignIn

INDEX_FIELDS = ("path", "method", "audience", "operation_id", "idempotent", "module")
# (method, path) -> the declared route's request handler (request, Lambda context, path parameters)
SERVE: dict[tuple[str, str], Callable[[Request, Any, dict[str, Any]], Response]] = {}
_APP: list[Chalice] = []


def use_sign_in(sign_in: SignIn) -> None:
    """Called once by app.py, before it registers the routes: staff and partner routes run behind this
    sign-in's authorizer."""
    access.use_sign_in(sign_in)


def register(app: Chalice, index: Sequence[dict[str, Any]], load: Callable[[str], object]) -> None:
    """Register every route of `index` with `app`; `load(module)` imports a route's module on its first call."""
    registered = access.sign_in()
    if registered is None:
        raise RuntimeError("routing.use_sign_in comes before routing.register")
    _APP[:] = [app]
    for entry in index:
        path, method, audience = entry["path"], entry["method"], entry["audience"]
        http.declare_operation(path, method, entry["operation_id"], audience, entry["idempotent"])
        authorizer = registered.authorizer if audience in (STAFF, PARTNER) else None
        app.route(path, methods=[method], authorizer=authorizer, name=entry["operation_id"])(
            _view(app, method, path, entry["module"], load))


def _view(app: Chalice, method: str, path: str, module: str, load: Callable[[str], object]) -> Callable[..., Response]:
    def view(**params: Any) -> Response:
        serve = SERVE.get((method, path))
        if serve is None:
            load(module)
            serve = SERVE[(method, path)]
        return serve(current_request(), getattr(app, "lambda_context", None), params)

    return view


def current_request() -> Request:
    """The request being answered (for a handler reading its query string)."""
    request: Request | None = _APP[0].current_request if _APP else None
    if request is None:
        raise RuntimeError("no request is being answered")
    return request
