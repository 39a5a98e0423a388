"""Who is calling: the principal passed from the authorizer to the routes, roles, and scope checks.

Staff see their own unit and every unit under it; a record outside that subtree answers 404,
exactly as a record that does not exist, so existence does not leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.core import errors

STAFF = "staff"
PARTNER = "partner"



class InvalidCredential(Exception):
    """A bearer credential that is neither a valid staff token nor a live partner key."""


def credential_from_header(value: str | None) -> str | None:
    """The credential of an `Authorization: Bearer ...` header, or None for anything else."""
    if not value:
        return None
    scheme, _, credential = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


@dataclass(frozen=True)
class Principal:
    kind: str  # STAFF or PARTNER
    id: str  # staff username, or partner id
    unit_id: str  # staff: their unit; partner: the unit that issued it (the city federation)
    unit_path: str
    roles: frozenset[str] = frozenset()
    name: str = ""
    channel: str = ""  # partner's channel tag, written on every record it creates
    operations: frozenset[str] = frozenset()  # partner's allowed operations
    mfa_missing: bool = False  # staff in an MFA role whose TOTP enrolment is not recorded yet

    def to_context(self) -> dict[str, str]:
        """The authorizer context (API Gateway passes only strings)."""
        return {"kind": self.kind, "id": self.id, "unit_id": self.unit_id, "unit_path": self.unit_path,
                "roles": ",".join(sorted(self.roles)), "name": self.name, "channel": self.channel,
                "operations": ",".join(sorted(self.operations)), "mfa_missing": "1" if self.mfa_missing else ""}

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Principal:
        return cls(kind=str(context["kind"]), id=str(context["id"]), unit_id=str(context["unit_id"]),
                   unit_path=str(context["unit_path"]),
                   roles=frozenset(r for r in str(context.get("roles", "")).split(",") if r),
                   name=str(context.get("name", "")), channel=str(context.get("channel", "")),
                   operations=frozenset(o for o in str(context.get("operations", "")).split(",") if o),
                   mfa_missing=context.get("mfa_missing") == "1")

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"{self.kind}:{self.id}"

    def covers(self, unit_path: str) -> bool:
        """Is the unit at unit_path this principal's own unit or under it?"""
        return unit_path.startswith(self.unit_path)


def require_roles(principal: Principal, allowed: Iterable[str]) -> None:
    if principal.kind != STAFF or not principal.roles & set(allowed):
        raise errors.forbidden()


def require_in_scope(principal: Principal, unit_path: str | None) -> None:
    """404 for anything outside the caller's subtree (as if it did not exist)."""
    if unit_path is None or not principal.covers(unit_path):
        raise errors.not_found()
