"""Secrets the app keeps in its own table, encrypted: a unit's webhook signing secret and address.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with a key derived by HKDF from the
app's configured secret (settings().secret_key: WS_SECRET_KEY locally, the Secrets Manager secret
in AWS), under a purpose label, so this key is never the one that signs cursors or hashes phones.
A value is stored as its token and never returned to a client; only the sender decrypts it.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chalicelib.core.config import settings

_PURPOSE = b"worker-services stored secrets v1"


class SecretUnreadable(ValueError):
    """A stored token that this key cannot open (the app's secret changed, or the value was altered)."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(settings().secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    """The token to store for a secret value."""
    return _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The secret value of a stored token."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("a stored secret cannot be read with the app's key") from exc
