"""Opaque page cursors: the last evaluated key, signed with HMAC and bound to the caller's scope.

A cursor issued for one unit's list cannot be replayed against another unit's list or edited
to jump into another partition.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from chalicelib.core import errors
from chalicelib.core.config import settings

MAX_CURSOR_LENGTH = 1024


def _sign(payload: bytes, scope: str) -> bytes:
    return hmac.new(settings().secret_key, b"cursor|" + scope.encode() + b"|" + payload, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def size(default: int) -> int:
    """A list's page size: its own, or a smaller one set in WS_PAGE_SIZE (tests page every list to its
    end in a few items)."""
    smaller = int(os.environ.get("WS_PAGE_SIZE", "0") or 0)
    return min(default, smaller) if smaller > 0 else default


def encode_cursor(last_key: dict[str, Any] | None, scope: str) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_sign(payload, scope))}"


def decode_cursor(cursor: str | None, scope: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    invalid = errors.bad_request("翻页参数无效，请从第一页重新查看。", "cursor")
    if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
        raise invalid
    body, signature = cursor.split(".")
    try:
        payload = _unb64(body)
        given = _unb64(signature)
    except (ValueError, TypeError):
        raise invalid from None
    if not hmac.compare_digest(given, _sign(payload, scope)):
        raise invalid
    value = json.loads(payload)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid
    return value
