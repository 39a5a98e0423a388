"""The counsellor pool: the city's psychological experts, each a staff account with the role
`counsellor` plus a profile (name, qualification, availability) kept here."""

from __future__ import annotations

from typing import Any

from chalicelib.core import audit, errors, uow
from chalicelib.core.auth import Principal
from chalicelib.support import store
from chalicelib.support.models import Counsellor, CounsellorIn


def upsert(body: CounsellorIn, by: Principal) -> Counsellor:
    """Add a counsellor to the pool or change their profile; their open-case count is kept."""
    at = audit.now_iso()
    profile: dict[str, Any] = {"name": body.name, "qualification": body.qualification,
                               "availability": body.availability, "active": body.active}
    uow.commit([
        store.save_counsellor(body.username, profile, at),
        audit.entry(actor=by.actor, action="counsellor.save", entity="counsellor", entity_id=body.username,
                    unit_id=by.unit_id, after=profile),
    ])
    saved = store.get_counsellor(body.username) or {}
    return Counsellor(username=body.username, open_cases=max(0, int(saved.get("open_cases", 0))), **profile)


def remove(username: str, by: Principal) -> None:
    """Take a counsellor out of the pool (their staff account stays); refused while a case is open."""
    if store.get_counsellor(username) is None:
        raise errors.not_found()
    uow.commit([store.remove_counsellor(username),
                audit.entry(actor=by.actor, action="counsellor.remove", entity="counsellor", entity_id=username,
                            unit_id=by.unit_id)])
