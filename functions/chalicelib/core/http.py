"""Request and response plumbing shared by every route: JSON answers, limits, error mapping,
security headers and the access log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response
from pydantic import BaseModel

from chalicelib.core import errors
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
        context = request.context or {}
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": context.get("resourcePath"),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "request_id": context.get("requestId"),
            },
        )
        return response
