"""Settings read from the environment once per process.

In AWS the merged CloudFormation template sets these on the function; the local stack and the
tests set them before the app is imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    dynamodb_endpoint: str | None
    engine: str
    secret_key: bytes
    max_body_bytes: int
    cognito_user_pool_id: str
    cognito_client_id: str
    cognito_issuer: str
    cognito_endpoint: str | None
    idempotency_ttl_seconds: int
    uploads_bucket: str
    s3_endpoint: str | None


def _secret_key() -> bytes:
    """The HMAC key for cursors and keyed hashes.

    Locally it comes from WS_SECRET_KEY; in AWS from the Secrets Manager secret named by
    WS_SECRET_ARN (read once per cold start).
    """
    value = os.environ.get("WS_SECRET_KEY")
    if value:
        return value.encode()
    arn = os.environ.get("WS_SECRET_ARN")
    if arn:
        import boto3

        client = boto3.client("secretsmanager")
        return str(client.get_secret_value(SecretId=arn)["SecretString"]).encode()
    raise RuntimeError("WS_SECRET_KEY or WS_SECRET_ARN must be set")


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "cn-north-1"
    return Settings(
        table_name=env.get("TABLE_NAME", "worker-services"),
        region=region,
        dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        engine=env.get("WS_ENGINE", "aws"),
        secret_key=_secret_key(),
        max_body_bytes=int(env.get("WS_MAX_BODY_BYTES", str(64 * 1024))),
        cognito_user_pool_id=env.get("COGNITO_USER_POOL_ID", ""),
        cognito_client_id=env.get("COGNITO_CLIENT_ID", ""),
        cognito_issuer=env.get("COGNITO_ISSUER", ""),
        cognito_endpoint=env.get("COGNITO_ENDPOINT") or None,
        idempotency_ttl_seconds=int(env.get("WS_IDEMPOTENCY_TTL", str(24 * 3600))),
        uploads_bucket=env.get("UPLOADS_BUCKET", "worker-services-uploads"),
        s3_endpoint=env.get("S3_ENDPOINT") or None,
    )


_on_reset: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> None:
    """Have `forget` run with every reset_settings(): a module that caches clients built from the
    settings registers here, so that config imports none of them."""
    if forget not in _on_reset:
        _on_reset.append(forget)


def reset_settings() -> None:
    """Forget cached settings and clients (tests and the local stack change the environment)."""
    settings.cache_clear()
    for forget in _on_reset:
        forget()
