"""Who may call a route: the audience a route declares (public, staff with roles, partner apps), the
check of the caller against it, and the sign-in that app.py hands over (the built-in authorizer and
the partner-key check live with identity; core only knows their shape, so it imports no domain)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalice.app import ChaliceAuthorizer, Request

from chalicelib.core import auth, errors, ratelimit
from chalicelib.core.auth import Principal

PUBLIC = "public"  # no sign-in; a partner may call with its key (channel and operation checked)
STAFF = auth.STAFF  # a signed-in staff member with one of the route's roles
PARTNER = auth.PARTNER  # a partner app with its key


@dataclass(frozen=True)
class Access:
    """A route's audience. `roles`: the staff roles it accepts. `operation`: the permission a partner
    key must carry. `before_mfa`: open to staff whose second factor is not yet recorded (enrolment)."""

    audience: str = PUBLIC
    roles: tuple[str, ...] = ()
    operation: str | None = None
    before_mfa: bool = False

    @property
    def signed_in(self) -> bool:
        """Does the route run behind the authorizer (a bearer credential is required)?"""
        return self.audience in (STAFF, PARTNER)


EVERYONE = Access()


@dataclass(frozen=True)
class SignIn:
    """How callers prove who they are, registered once by app.py: the built-in authorizer that staff
    and partner routes run behind, and how a public route reads an optional partner key
    (`principal_from` raises auth.InvalidCredential for a key that is not valid)."""

    authorizer: ChaliceAuthorizer
    partner_key_prefix: str
    principal_from: Callable[[str], Principal]


_sign_in: list[SignIn] = []


def use_sign_in(sign_in: SignIn) -> None:
    _sign_in[:] = [sign_in]


def sign_in() -> SignIn | None:
    return _sign_in[0] if _sign_in else None


def caller(request: Request, access: Access) -> Principal | None:
    """The principal the route runs for, after the audience, role and operation checks."""
    if access.audience == PUBLIC:
        header = request.headers.get("authorization")
        if not header:
            return None
        principal = _partner_from_header(header, request)
        if principal is None:
            return None
    else:
        context = (request.context or {}).get("authorizer") or {}
        if "kind" not in context:
            raise errors.unauthorized()
        principal = Principal.from_context(context)
        if access.audience == STAFF:
            auth.require_roles(principal, access.roles)
            if principal.mfa_missing and not access.before_mfa:
                raise errors.mfa_required()
            return principal
        if principal.kind != PARTNER:
            raise errors.forbidden("此接口仅供合作应用调用。")
    if access.operation and access.operation not in principal.operations:
        raise errors.forbidden("该合作应用没有获准进行此操作。")
    return principal


def _partner_from_header(header: str, request: Request) -> Principal | None:
    """Public routes take an optional partner key (Authorization: Bearer wsp_...). A source with
    too many failed keys lately is refused (429) before its key is checked."""
    registered = sign_in()
    if registered is None:
        raise RuntimeError("no sign-in registered: app.py calls access.use_sign_in")
    credential = auth.credential_from_header(header)
    if credential is None or not credential.startswith(registered.partner_key_prefix):
        return None  # a staff token (or anything else) on a public route: served as the public
    source = f"ip:{ratelimit.client_address(request)}"
    ratelimit.refuse_blocked_source(source)
    try:
        return registered.principal_from(credential)
    except auth.InvalidCredential:
        ratelimit.count_failed_credential(source)
        raise errors.unauthorized("合作应用凭证无效或已被吊销。") from None
