"""Secrets the service keeps on behalf of a unit (a group robot's webhook URL and signing secret):
encrypted at rest with Fernet (AES-128-CBC with HMAC-SHA256), under a key derived from the app's
configured secret for this one purpose, so the table alone never gives them away. They are written
once and never shown again; only the delivery of a message decrypts them."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from chalicelib.core.config import settings

_PURPOSE = b"unit-secrets/v1"


def _fernet() -> Fernet:
    derived = hmac.new(settings().secret_key, _PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(text: str) -> str:
    """The text encrypted (and authenticated), as a string to store."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text back; ValueError when the token was not made under this key or was altered."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("the stored secret cannot be decrypted with the configured key") from None
