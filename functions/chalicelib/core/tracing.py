"""X-Ray traces with Powertools Tracer.

The function runs with active tracing (infra/functions.yaml), so Lambda opens a trace segment for
each invocation. Here each API request gets a subsegment named for its operation, annotated with
the operation, its route group and the request id (searchable in the X-Ray console:
`annotation.request_id = "..."`), and every DynamoDB, Cognito, S3 or Secrets Manager call made
through boto3 appears inside it as a subsegment of its own (the Tracer patches botocore).

Outside Lambda (`make run`, the tests, `chalice local`) and when POWERTOOLS_TRACE_DISABLED is true,
Powertools would build a disabled Tracer; here none is built at all (building one loads the X-Ray
SDK, a fifth of a cold start), nothing is patched and `request()` does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.shared import constants

from chalicelib.core import metrics


def enabled() -> bool:
    """Powertools' own rule for a disabled Tracer, checked without building one: off unless in
    Lambda (not SAM's or Chalice's local emulators), and off when POWERTOOLS_TRACE_DISABLED says so."""
    if os.getenv(constants.TRACER_DISABLED_ENV, "false").strip().lower() in ("1", "y", "yes", "t", "true", "on"):
        return False
    return bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV)) and not (
        os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV))


def _build() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer(service=metrics.service(), patch_modules=("botocore",))


# Built once per container, in Lambda only: patching botocore twice would trace each call twice.
tracer = _build() if enabled() else None


@contextmanager
def request(operation: str, route_group: str, request_id: str) -> Iterator[None]:
    """Trace one request as a subsegment `## <operation>`; an exception escaping it is recorded
    on the subsegment by the X-Ray SDK."""
    if tracer is None or tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(f"## {operation}") as subsegment:
        subsegment.put_annotation("operation", operation)
        subsegment.put_annotation("route_group", route_group)
        subsegment.put_annotation("request_id", request_id)
        yield
