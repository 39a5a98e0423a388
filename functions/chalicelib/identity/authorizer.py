"""The one built-in authorizer: verifies the bearer credential (a staff ID token or a partner key)
and passes the principal (who, unit, unit path, roles or operations) to the routes. app.py hands it
to core's route declarations as `SIGN_IN`. The identity service (and the unit tree it reads) loads on
the first credential to check, not when the app starts."""

from __future__ import annotations

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib.core import tracing
from chalicelib.core.access import SignIn
from chalicelib.core.auth import Principal, credential_from_header
from chalicelib.core.logs import logger
from chalicelib.identity import tokens

bp = Blueprint(__name__)


# No caching (ttl 0): a revoked partner key or a disabled unit stops working at once.
@bp.authorizer(ttl_seconds=0)
def staff_or_partner(auth_request: AuthRequest) -> AuthResponse:
    tracing.tracer()  # an authorizer runs no middleware: the Tracer patches botocore before any AWS call
    credential = credential_from_header(auth_request.token)
    if credential is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    try:
        principal = principal_from_credential(credential)
    except tokens.InvalidToken as exc:
        logger().info("credential refused", extra={"reason": str(exc)})
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=principal.actor, context=principal.to_context())


def principal_from_credential(credential: str) -> Principal:
    from chalicelib.identity import service

    return service.principal_from_credential(credential)


SIGN_IN = SignIn(authorizer=staff_or_partner, partner_key_prefix=tokens.KEY_PREFIX,
                 principal_from=principal_from_credential)
