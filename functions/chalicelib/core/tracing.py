"""X-Ray traces with Powertools Tracer.

The function runs with active tracing (infra/functions.yaml), so Lambda opens a trace segment for
each invocation. Here each API request gets a subsegment named for its operation, annotated with
the operation, its route group and the request id (searchable in the X-Ray console:
`annotation.request_id = "..."`), and every DynamoDB, Cognito, S3 or Secrets Manager call made
through boto3 appears inside it as a subsegment of its own (the Tracer patches botocore).

Powertools turns the Tracer off by itself outside Lambda (`make run`, the tests, `chalice local`)
and when POWERTOOLS_TRACE_DISABLED is true: then nothing is patched and `request()` does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Tracer

from chalicelib.core import metrics

# Built once per container: patching botocore twice would trace each call twice.
tracer = Tracer(service=metrics.service(), patch_modules=("botocore",))


@contextmanager
def request(operation: str, route_group: str, request_id: str) -> Iterator[None]:
    """Trace one request as a subsegment `## <operation>`; an exception escaping it is recorded
    on the subsegment by the X-Ray SDK."""
    if tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(f"## {operation}") as subsegment:
        subsegment.put_annotation("operation", operation)
        subsegment.put_annotation("route_group", route_group)
        subsegment.put_annotation("request_id", request_id)
        yield
