"""X-Ray traces with Powertools Tracer.

The function runs with active tracing (infra/functions.yaml), so Lambda opens a trace segment for
each invocation. Here each API request gets a subsegment named for its operation, annotated with
the operation, its route group and the request id (searchable in the X-Ray console:
`annotation.request_id = "..."`), and every DynamoDB, Cognito, S3 or Secrets Manager call made
through boto3 appears inside it as a subsegment of its own (the Tracer patches botocore).

The Tracer is built when a handler is first invoked (`install` registers a middleware for every
kind of event; the authorizer asks for it itself), before the handler makes any AWS call, not when
the app is imported. Outside Lambda (`make run`, the tests, `chalice local`) and when
POWERTOOLS_TRACE_DISABLED is true, Powertools would build a disabled Tracer; here none is built at
all (building one loads the X-Ray SDK, a fifth of a cold start), nothing is patched and `request()`
does nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chalicelib.core import metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from chalice.app import Chalice

_TRUE = ("1", "y", "yes", "t", "true", "on")


def enabled() -> bool:
    """Powertools' own rule for a disabled Tracer, checked without building one (nor loading
    Powertools): off unless in Lambda (not SAM's or Chalice's local emulators), and off when
    POWERTOOLS_TRACE_DISABLED says so."""
    if os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE:
        return False
    return bool(os.getenv("LAMBDA_TASK_ROOT")) and not (os.getenv("AWS_SAM_LOCAL") or os.getenv("AWS_CHALICE_CLI_MODE"))


# Built once per container, in Lambda only: patching botocore twice would trace each call twice.
_built: list[Tracer | None] = []
_lock = threading.Lock()


def tracer() -> Tracer | None:
    """The container's Tracer, built on the first call (None outside Lambda or when disabled)."""
    if not _built:
        with _lock:
            if not _built:
                _built.append(_build() if enabled() else None)
    return _built[0]


def _build() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(service=metrics.service(), patch_modules=("botocore",))


def install(app: Chalice) -> None:
    """Build the Tracer as every handler (request, schedule, stream record) is first invoked."""

    @app.middleware("all")
    def trace(event: Any, get_response: Callable[[Any], Any]) -> Any:
        tracer()
        return get_response(event)


@contextmanager
def request(operation: str, route_group: str, request_id: str) -> Iterator[None]:
    """Trace one request as a subsegment `## <operation>`; an exception escaping it is recorded
    on the subsegment by the X-Ray SDK."""
    active = tracer()
    if active is None or active.disabled:
        yield
        return
    with active.provider.in_subsegment(f"## {operation}") as subsegment:
        subsegment.put_annotation("operation", operation)
        subsegment.put_annotation("route_group", route_group)
        subsegment.put_annotation("request_id", request_id)
        yield
