"""Request and response plumbing shared by every route: JSON answers, limits, error mapping,
security headers, the request id, the access log, request metrics and the request's trace."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response
from pydantic import BaseModel

from chalicelib.core import errors, metrics, tracing
from chalicelib.core.config import settings
from chalicelib.core.logs import logger

# Chalice answers some errors itself (unknown route, wrong content type) before any view runs,
# in its own {"Code", "Message"} shape; they are rewritten as problem+json.
_CHALICE_ERRORS: dict[int, Callable[[], errors.ProblemError]] = {
    400: lambda: errors.bad_request("请求格式不正确。"),
    403: lambda: errors.not_found("没有这个接口。"),
    404: lambda: errors.not_found("没有这个接口。"),
    405: lambda: errors.ProblemError(405, "不支持的请求方法", "该接口不支持这种请求方法。", code="/problems/method"),
    413: lambda: errors.payload_too_large(settings().max_body_bytes),
    415: errors.unsupported_media_type,
    500: errors.internal_error,
}

REQUEST_ID_HEADER = "X-Request-Id"
PROBLEM_REQUEST_ID = "request_id"  # the problem+json member a caller quotes (the staff pages show it as 错误编号)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def json_response(data: BaseModel | dict[str, Any] | list[Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", exclude_none=True)
    return Response(
        body=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def _is_chalice_error(response: Response) -> bool:
    body = response.body
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return False
    return isinstance(body, dict) and "Code" in body and "Message" in body


def install(app: Chalice) -> None:
    """Register the middleware that applies to every HTTP request."""

    @app.middleware("http")
    def guard(request: Request, get_response: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        context = request.context or {}
        request_id = request_id_of(context, getattr(app, "lambda_context", None))
        operation, group = operation_of(context.get("resourcePath"), request.method)
        log = logger()  # built on the first request
        # Every log line written while the request is served carries its id.
        log.thread_safe_append_keys(request_id=request_id)
        try:
            with metrics.collecting(), tracing.request(operation, group, request_id):
                response = _serve(request, get_response)
                response.headers[REQUEST_ID_HEADER] = request_id
                problem_type = _stamp_problem(response, request_id)
                ms = round((time.perf_counter() - started) * 1000, 1)
                _count(operation, group, response.status_code, problem_type, ms)
                log.info("request", extra={"method": request.method, "route": context.get("resourcePath"),
                                           "operation": operation, "status": response.status_code, "ms": ms})
        finally:
            log.thread_safe_remove_keys(["request_id"])
        return response


def _serve(request: Request, get_response: Callable[[Request], Response]) -> Response:
    limit = settings().max_body_bytes
    if len(request.raw_body or b"") > limit:
        response = errors.payload_too_large(limit).to_response()
    else:
        response = get_response(request)
    if response.status_code >= 400 and _is_chalice_error(response):
        problem = _CHALICE_ERRORS.get(response.status_code, errors.internal_error)()
        response = problem.to_response()
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def request_id_of(context: dict[str, Any], lambda_context: Any) -> str:
    """API Gateway's id of the request (also in its own logs), else the Lambda invocation's (the
    local gateway makes one per request), else a new one."""
    found = context.get("requestId") or getattr(lambda_context, "aws_request_id", None)
    return str(found or uuid.uuid4())


# (path, method) -> (operation id, route group), filled as core.api declares each route.
_OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {}


def declare_operation(path: str, method: str, operation_id: str, audience: str, idempotent: bool) -> None:
    _OPERATIONS[(path, method.upper())] = (operation_id, f"{audience}-{'write' if idempotent else 'read'}")


def operation_of(resource_path: str | None, method: str) -> tuple[str, str]:
    """The route's operation id and its group (audience and read or write: public-read,
    public-write, staff-read, staff-write, partner-read, partner-write); "other" for a request no
    declared route answers."""
    return _OPERATIONS.get((resource_path or "", method.upper()), ("other", "other"))


def _stamp_problem(response: Response, request_id: str) -> str | None:
    """Put the request id into a problem+json body; returns the problem's type."""
    content_type = str(response.headers.get("Content-Type", ""))
    if not content_type.startswith(errors.PROBLEM_CONTENT_TYPE):
        return None
    body = response.body
    try:
        problem = json.loads(body.decode() if isinstance(body, bytes) else str(body))
    except ValueError:
        return "about:blank"
    if not isinstance(problem, dict):
        return "about:blank"
    problem[PROBLEM_REQUEST_ID] = request_id
    response.body = json.dumps(problem, ensure_ascii=False)
    return str(problem.get("type") or "about:blank")


def _count(operation: str, group: str, status: int, problem_type: str | None, ms: float) -> None:
    metrics.record(metrics.REQUESTS, route_group=group)
    metrics.record(metrics.SERVER_ERRORS, 1 if status >= 500 else 0, route_group=group)
    metrics.record(metrics.LATENCY, ms, route_group=group, operation=operation)
    if problem_type is not None:
        metrics.record(metrics.PROBLEMS, problem_type=problem_type, status=str(status))
        event = metrics.PROBLEM_EVENTS.get(problem_type)
        if event is not None:
            metrics.record(event)
