"""Verifying staff ID tokens issued by the Cognito user pool: RS256 signature against the issuer's
JWKS, expiry, issuer, audience (the app client) and token use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth import InvalidCredential
from chalicelib.core.config import settings

if TYPE_CHECKING:
    import jwt

LEEWAY_SECONDS = 30
KEY_PREFIX = "wsp_"  # a partner key's start (a staff ID token is a JWT: it cannot start so)


class InvalidToken(InvalidCredential):
    pass


@dataclass(frozen=True)
class StaffClaims:
    username: str
    name: str
    unit_id: str
    roles: frozenset[str]


def jwks_url() -> str:
    return os.environ.get("COGNITO_JWKS_URL") or f"{settings().cognito_issuer}/.well-known/jwks.json"


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt  # with cryptography: loaded by the first signed-in request, not by every cold start

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def verify(token: str) -> StaffClaims:
    import jwt

    s = settings()
    if not s.cognito_issuer or not s.cognito_client_id:
        raise InvalidToken("sign-in is not configured")
    try:
        key = _jwks_client(jwks_url()).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=["RS256"], audience=s.cognito_client_id, issuer=s.cognito_issuer,
            leeway=LEEWAY_SECONDS, options={"require": ["exp", "iat", "iss", "aud", "token_use"]},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(type(exc).__name__) from None
    if claims.get("token_use") != "id":
        raise InvalidToken("not an ID token")
    unit_id = claims.get("custom:unit_id")
    if not unit_id:
        raise InvalidToken("no unit")
    username = str(claims.get("cognito:username") or claims.get("sub"))
    roles = frozenset(str(g) for g in claims.get("cognito:groups") or [])
    return StaffClaims(username=username, name=str(claims.get("name", "")), unit_id=str(unit_id), roles=roles)
