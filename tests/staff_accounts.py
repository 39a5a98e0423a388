"""Staff accounts for tests, made as the workbench makes them: the Cognito account in the pool
and the staff record in the table (which the API reads on every request). Accounts in a role
that needs a second factor enrol a TOTP authenticator, as the sign-in page does, and sign in
answering the TOTP challenge."""

from __future__ import annotations

from typing import Any

from chalicelib.core.roles import MFA_ROLES
from tools.cognito import Pool, create_staff_user, enrol_totp, sign_in

PASSWORD = "Test-Password-2020!"
_secrets: dict[tuple[str, str], str] = {}  # (pool id, username) -> TOTP secret


def put_staff_record(username: str, unit_id: str, roles: list[str], name: str | None = None,
                     status: str = "active", mfa: bool = True) -> dict[str, Any]:
    """The staff record as the workbench writes it (overwritten if there), with the second factor
    recorded for MFA roles (unless mfa=False); the app's cached copy is dropped."""
    from chalicelib.core import audit, db
    from chalicelib.orgs import service as orgs
    from chalicelib.orgs import store as orgs_store

    record: dict[str, Any] = {"username": username, "name": name or username, "unit_id": unit_id, "roles": roles,
                              "status": status, "created_at": audit.now_iso(), "created_by": "test", "version": 1}
    if mfa and set(roles) & MFA_ROLES:
        record["mfa"] = "totp"
    db.table().put_item(Item=orgs_store.staff_item(record))
    orgs.forget_staff_record(username)
    return record


def staff_session(idp: Any, pool: Pool, username: str, unit_id: str, roles: list[str],
                  password: str = PASSWORD) -> dict[str, Any]:
    """Sign in (making and enrolling the account the first time) and return Cognito's
    AuthenticationResult. The staff record is written on every call (tests may empty the table)."""
    key = (pool.pool_id, username)
    if key not in _secrets:
        create_staff_user(idp, pool, username, username, unit_id, roles, password)
        _secrets[key] = ""
        if set(roles) & MFA_ROLES:
            _secrets[key] = enrol_totp(idp, sign_in(idp, pool, username, password)["AccessToken"])
    put_staff_record(username, unit_id, roles)
    return sign_in(idp, pool, username, password, _secrets[key] or None)


def staff_id_token(idp: Any, pool: Pool, username: str, unit_id: str, roles: list[str]) -> str:
    return str(staff_session(idp, pool, username, unit_id, roles)["IdToken"])
