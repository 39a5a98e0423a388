"""Status of anything the public submitted, by reference + phone, whatever its domain; and a
partner app's own submissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.booking import service as booking
from chalicelib.core import pagination, refs
from chalicelib.core.auth import Principal
from chalicelib.delivery import service as delivery
from chalicelib.hardship import service as hardship
from chalicelib.recruitment import service as recruitment
from chalicelib.status.models import LookupIn, StatusView, Submission, SubmissionPage
from chalicelib.support import service as support

# Each domain that issues references says how its record looks to the person who submitted it.
PUBLIC_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "support": support.public_status,
    "frontline_family": delivery.public_status,
    "booking": booking.public_status,
    "firm": recruitment.firm_status,
    "opening": recruitment.opening_status,
    "hardship": hardship.public_status,
    "interest": recruitment.interest_status,
}


def lookup(body: LookupIn) -> StatusView:
    kind, record = refs.resolve(body.reference, body.phone)
    return StatusView(**PUBLIC_VIEWS[kind](record))


def partner_view(reference: str, partner: Principal) -> StatusView:
    kind, record = refs.resolve_for_partner(reference, partner.id)
    return StatusView(**PUBLIC_VIEWS[kind](record))


def partner_submissions(cursor: str | None, partner: Principal) -> SubmissionPage:
    scope = f"partner-submissions:{partner.id}"
    items, last = refs.partner_submissions(partner.id, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return SubmissionPage(items=[Submission(reference=i["reference"], kind=i["kind"], created_at=i["created_at"])
                                 for i in items], next_cursor=pagination.encode_cursor(last, scope))
