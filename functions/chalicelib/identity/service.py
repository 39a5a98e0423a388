"""Principals from credentials (staff tokens and partner keys), and partner credential issuance."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.core import audit, cache, cognito, db, errors, pagination, personal, uow
from chalicelib.core.auth import PARTNER, STAFF, Principal
from chalicelib.core.config import settings
from chalicelib.core.roles import MFA_ROLES
from chalicelib.identity import store, tokens
from chalicelib.identity.models import Partner, PartnerIn, PartnerIssued, PartnerPage
from chalicelib.orgs import service as orgs

KEY_PREFIX = tokens.KEY_PREFIX
# Unit paths change only when the tree is reorganised; cache them briefly per process.
_unit_paths: cache.Ttl[str] = cache.Ttl(60.0)


def _unit_path(unit_id: str) -> str:
    return _unit_paths.get(unit_id, orgs.unit_path)


def principal_from_credential(credential: str) -> Principal:
    """A staff ID token or a partner key; raises tokens.InvalidToken when neither is valid.

    A valid staff token names the account; who it is (unit, roles, name), whether it may still
    act (status) and whether its second factor is recorded come from its staff record, read on
    every request (cached for seconds: orgs.STAFF_RECORD_TTL_SECONDS). So a disabled account is
    refused at once, and an attribute the person changed on their own Cognito account counts for
    nothing."""
    if credential.startswith(KEY_PREFIX):
        return _partner_principal(credential)
    claims = tokens.verify(credential)
    if not settings().cognito_user_pool_id:
        return _provider_principal(claims)
    record = orgs.staff_record(claims.username)
    if record is None or record.get("status") != "active":
        raise tokens.InvalidToken("no active staff record")
    try:
        path = _unit_path(record["unit_id"])
    except errors.ProblemError as exc:
        if exc.status != 404:
            raise  # the table is unreachable: not the caller's fault, so no refusal
        raise tokens.InvalidToken("unknown unit") from None
    roles = frozenset(record["roles"])
    return Principal(kind=STAFF, id=claims.username, unit_id=record["unit_id"], unit_path=path, roles=roles,
                     name=record["name"], mfa_missing=bool(roles & MFA_ROLES) and record.get("mfa") != "totp")


def _provider_principal(claims: tokens.StaffClaims) -> Principal:
    """Without a Cognito user pool (the AWS China regions, infra/README.md), staff are administered
    in the OIDC provider: its token's unit and roles are taken as they are, and disabling an account
    and requiring a second factor are the provider's to enforce."""
    try:
        path = _unit_path(claims.unit_id)
    except errors.ProblemError as exc:
        if exc.status != 404:
            raise
        raise tokens.InvalidToken("unknown unit") from None
    return Principal(kind=STAFF, id=claims.username, unit_id=claims.unit_id, unit_path=path, roles=claims.roles,
                     name=claims.name)


def confirm_mfa(by: Principal) -> None:
    """Record the caller's TOTP enrolment once Cognito confirms it (a verified software token,
    enabled for sign-in). The secret never reaches this API: the browser enrols with Cognito."""
    if not cognito.has_totp(by.id):
        raise errors.conflict("验证器还没有绑定成功：请扫描二维码，输入验证器上的 6 位动态码并确认后再试。",
                              "mfa-not-enrolled")
    orgs.record_mfa(by.id, by)


def _parse_key(key: str) -> tuple[str, str]:
    body = key[len(KEY_PREFIX):]
    partner_id, _, secret = body.partition("_")
    if not partner_id or not secret or len(key) > 200:
        raise tokens.InvalidToken("malformed partner key")
    return partner_id, secret


def _partner_principal(key: str) -> Principal:
    partner_id, secret = _parse_key(key)
    record = store.get_partner(partner_id)
    if (record is None or record["status"] != "active"
            or not personal.hmac_equal(record["key_hash"], personal.keyed_hash("partner-key", secret))):
        raise tokens.InvalidToken("unknown or revoked partner key")
    return Principal(kind=PARTNER, id=partner_id, unit_id=record["unit_id"], unit_path=record["unit_path"],
                     name=record["name"], channel=record["channel"], operations=frozenset(record["operations"]))


def _partner(record: dict[str, Any]) -> Partner:
    return Partner(**{k: record.get(k) for k in Partner.model_fields})


def issue_partner(body: PartnerIn, by: Principal) -> PartnerIssued:
    partner_id = secrets.token_hex(5)
    secret = secrets.token_urlsafe(32)
    record = {"id": partner_id, "name": body.name, "channel": body.channel, "operations": body.operations,
              "status": "active", "created_at": audit.now_iso(), "created_by": by.id, "unit_id": by.unit_id,
              "unit_path": by.unit_path, "key_hash": personal.keyed_hash("partner-key", secret), "version": 1}
    uow.commit([
        store.issue_partner(record),
        audit.entry(actor=by.actor, action="partner.issue", entity="partner", entity_id=partner_id,
                    unit_id=by.unit_id, after={k: v for k, v in record.items() if k != "key_hash"}),
    ])
    return PartnerIssued(**_partner(record).model_dump(), key=f"{KEY_PREFIX}{partner_id}_{secret}")


def revoke_partner(partner_id: str, by: Principal) -> Partner:
    record = store.get_partner(partner_id)
    if record is None or not by.covers(record["unit_path"]):
        raise errors.not_found("没有这个合作应用。")
    if record["status"] == "revoked":
        return _partner(record)
    changes = {"status": "revoked", "revoked_at": audit.now_iso()}
    uow.commit_versioned([
        store.revoke_partner(partner_id, changes, record["version"]),
        audit.entry(actor=by.actor, action="partner.revoke", entity="partner", entity_id=partner_id,
                    unit_id=by.unit_id, before={"status": "active"}, after=changes),
    ], *store.partner_key(partner_id))
    return _partner({**record, **changes})


def list_partners(cursor: str | None, by: Principal) -> PartnerPage:
    """The partner apps bound to a unit in the caller's subtree: a partner is bound to the unit that
    issued it (the city federation, where city administrators sit), so staff below it see none."""
    scope = f"partners:{by.unit_path}"
    items, last = db.kept_page(store.list_partners, lambda i: i if by.covers(i["unit_path"]) else None,
                               pagination.size(50), pagination.decode_cursor(cursor, scope), db.page_keys("GSI1"))
    return PartnerPage(items=[_partner(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))
