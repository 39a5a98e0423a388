"""The uploads bucket: presigned browser uploads, and reading back what was uploaded.

Browsers send files straight to the bucket with a presigned POST whose policy fixes the object key,
the content type and the size range; the API never receives the file. Locally the bucket lives on
moto's server (S3_ENDPOINT); in AWS it is infra's UploadsBucket (UPLOADS_BUCKET).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import config, errors
from chalicelib.core.config import settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_clients: dict[str, Any] = {}
PENDING = "pending/"  # uploads not confirmed yet; the bucket's lifecycle rule expires them


def client() -> S3Client:
    if "s3" not in _clients:
        s = settings()
        kw: dict[str, Any] = {"region_name": s.region}
        options: dict[str, Any] = {"signature_version": "s3v4", "connect_timeout": 2, "read_timeout": 10,
                                   "retries": {"max_attempts": 3, "mode": "standard"}}
        if s.s3_endpoint:
            kw["endpoint_url"] = s.s3_endpoint
            options["s3"] = {"addressing_style": "path"}
        _clients["s3"] = boto3.client("s3", config=Config(**options), **kw)
    return _clients["s3"]  # type: ignore[no-any-return]


def reset_clients() -> None:
    _clients.clear()


config.on_reset(reset_clients)


def presigned_post(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """A form the browser posts the file with: the bucket refuses another key, type or size."""
    try:
        post = client().generate_presigned_post(
            settings().uploads_bucket, key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in)
    except (BotoCoreError, ClientError):
        raise errors.unavailable() from None
    return {"url": str(post["url"]), "fields": {str(k): str(v) for k, v in post["fields"].items()}}


@dataclass(frozen=True)
class Stored:
    size: int
    content_type: str
    head: bytes  # the first bytes of the object, for its file signature


def inspect(key: str, head_bytes: int = 16) -> Stored | None:
    """Size, content type and first bytes of an uploaded object; None when it is not there."""
    bucket = settings().uploads_bucket
    try:
        meta = client().head_object(Bucket=bucket, Key=key)
        if int(meta["ContentLength"]) == 0:
            return Stored(0, str(meta.get("ContentType", "")), b"")
        part = client().get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{head_bytes - 1}")
        return Stored(int(meta["ContentLength"]), str(meta.get("ContentType", "")), part["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise errors.unavailable() from None
    except BotoCoreError:
        raise errors.unavailable() from None


def read(key: str) -> tuple[bytes, str]:
    """The whole object and its content type (404 when it is gone)."""
    try:
        obj = client().get_object(Bucket=settings().uploads_bucket, Key=key)
        return obj["Body"].read(), str(obj.get("ContentType", "application/octet-stream"))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise errors.not_found() from None
        raise errors.unavailable() from None
    except BotoCoreError:
        raise errors.unavailable() from None


def copy(source: str, target: str) -> None:
    """Copy an object within the bucket (content type kept)."""
    bucket = settings().uploads_bucket
    try:
        client().copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source},
                             MetadataDirective="COPY")
    except (BotoCoreError, ClientError):
        raise errors.unavailable() from None


def remove(key: str) -> None:
    """Delete an object (a refused upload); failures are left to the bucket's lifecycle rule."""
    try:
        client().delete_object(Bucket=settings().uploads_bucket, Key=key)
    except (BotoCoreError, ClientError):
        return
