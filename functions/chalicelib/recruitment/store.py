"""Firms, job openings and interest in the one table.

  firm             PK=FIRM#<ref>                  SK=FIRM
                   GSI1PK=FIRMQ#<county>          GSI1SK=<status>#<created_at>#<ref>   (review queue)
  credit code      PK=FIRMCODE#<code>             SK=FIRMCODE      (one live registration per code;
                                                                     deleted when the firm is rejected)
  opening          PK=OPENING#<ref>               SK=OPENING
                   pending/rejected: GSI1PK=OPENINGQ#<county>  GSI1SK=<status>#<created_at>#<ref>
                   published:        GSI1PK=OPENINGS           GSI1SK=<published_at>#<ref>
  firm's opening   PK=FIRM#<firm ref>             SK=OPENING#<ref>                      (pointer)
  interest         PK=FIRM#<firm ref>             SK=INTEREST#<opening ref>#<phone hash> (only with consent)
  history line     PK=FIRM#<ref> or OPENING#<ref> SK=HISTORY#<at>#<random>   (each change, with who made it)
  reference        PK=REF#<ref>                   SK=REF                                (core.refs)

Published openings share one GSI1 partition, newest first; the public filters (county, industry,
shift pattern, still valid) are FilterExpressions on that Query, and the signed cursor is bound to
the filter set, so a page may hold fewer items than asked and the next cursor continues the scan of
the partition. The partition is read-heavy and written only when a caseworker publishes or
withdraws an opening; a county's review queue is its own partition, split by status prefix.

Each change of a firm or an opening (submitted, approved or published, returned with its reason) puts
one history line in the record's own partition, in the transaction of the change itself, so the staff
detail reads the record's history with one Query and never shows a change without its line.
"""

from __future__ import annotations

import secrets
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db, errors

PUBLISHED = "OPENINGS"
HISTORY = "HISTORY#"


def firm_key(reference: str) -> tuple[str, str]:
    return f"FIRM#{reference}", "FIRM"


def code_key(code: str) -> tuple[str, str]:
    return f"FIRMCODE#{code}", "FIRMCODE"


def opening_key(reference: str) -> tuple[str, str]:
    return f"OPENING#{reference}", "OPENING"


def queue_keys(prefix: str, county: str, status: str, created_at: str, reference: str) -> dict[str, str]:
    return {"GSI1PK": f"{prefix}#{county}", "GSI1SK": f"{status}#{created_at}#{reference}"}


def published_keys(published_at: str, reference: str) -> dict[str, str]:
    return {"GSI1PK": PUBLISHED, "GSI1SK": f"{published_at}#{reference}"}


def get(pk_sk: tuple[str, str], consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*pk_sk, consistent=consistent)


def queue_page(prefix: str, county: str, status: str, limit: int,
               start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"{prefix}#{county}", f"{status}#", index="GSI1", limit=limit, start_key=start)


def published_page(limit: int, start: dict[str, Any] | None, filters: dict[str, str],
                   today: str) -> tuple[list[dict[str, Any]], Any]:
    condition: Any = Attr("valid_until").gte(today)
    for attr, value in sorted(filters.items()):
        condition = condition & Attr(attr).eq(value)
    params: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(PUBLISHED),
                              "FilterExpression": condition, "ScanIndexForward": False}
    if start:
        params["ExclusiveStartKey"] = start
    return db.filled_page(params, limit, db.page_keys("GSI1"))


def history(pk_sk: tuple[str, str]) -> list[dict[str, Any]]:
    """A firm's or an opening's history lines, oldest first."""
    items, _ = db.query(pk_sk[0], HISTORY, limit=200)
    return items


def interest_key(firm_ref: str, opening_ref: str, phone_hash: str) -> tuple[str, str]:
    return f"FIRM#{firm_ref}", f"INTEREST#{opening_ref}#{phone_hash}"


def interests(firm_ref: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = None
    while True:
        items, start = db.query(f"FIRM#{firm_ref}", "INTEREST#", limit=500, start_key=start)
        out += items
        if not start:
            return out


# --- writes: each a change named for what it does, with its condition and domain error ------------

def register_firm(record: dict[str, Any], county: str, created_at: str) -> list[db.Op]:
    """The firm, pending review in its county's queue, and its credit code, which one live
    registration holds at a time."""
    reference = record["reference"]
    pk, sk = firm_key(reference)
    code_pk, code_sk = code_key(record["credit_code"])
    return [
        db.put_new({"PK": code_pk, "SK": code_sk, "type": "firm_code", "reference": reference},
                   on_fail=errors.conflict("这个统一社会信用代码已经登记过。如需查询，请用登记编号和联系人手机号码查询；"
                                           "如有疑问请拨打 12351。", "firm-exists")).named("claim_credit_code"),
        db.put_new({"PK": pk, "SK": sk, **queue_keys("FIRMQ", county, "pending", created_at, reference),
                    **record}).named("register_firm"),
    ]


def post_opening(record: dict[str, Any], county: str, created_at: str) -> list[db.Op]:
    """The opening, pending review in its county's queue, and its pointer under the firm."""
    reference = record["reference"]
    pk, sk = opening_key(reference)
    return [
        db.put_new({"PK": pk, "SK": sk, **queue_keys("OPENINGQ", county, "pending", created_at, reference),
                    **record}).named("post_opening"),
        db.put_new({"PK": firm_key(record["firm_reference"])[0], "SK": f"OPENING#{reference}",
                    "type": "firm_opening", "reference": reference}).named("link_opening"),
    ]


def _history_line(pk_sk: tuple[str, str], line: dict[str, Any]) -> db.Op:
    return db.put_new({"PK": pk_sk[0], "SK": f"{HISTORY}{line['at']}#{secrets.token_hex(4)}",
                       "type": "recruitment_history", **line})


def record_firm_change(reference: str, line: dict[str, Any]) -> db.Op:
    """One line of the firm's history (what changed, who changed it, when, the reason given)."""
    return _history_line(firm_key(reference), line).named("record_firm_change")


def record_opening_change(reference: str, line: dict[str, Any]) -> db.Op:
    """One line of the opening's history (what changed, who changed it, when, the reason given)."""
    return _history_line(opening_key(reference), line).named("record_opening_change")


def count_contact_view(opening_ref: str) -> db.Op:
    """One more worker shown the firm's contact for this opening."""
    return db.update(*opening_key(opening_ref), "ADD contact_views :one",
                     values={":one": 1}).named("count_contact_view")


def get_interest(firm_ref: str, opening_ref: str, phone_hash: str) -> dict[str, Any] | None:
    return db.get(*interest_key(firm_ref, opening_ref, phone_hash), consistent=True)


def share_interest(firm_ref: str, opening_ref: str, phone_hash: str, record: dict[str, Any]) -> db.Op:
    """A worker's name and phone passed on to the firm (they agreed); a repeat replaces it."""
    pk, sk = interest_key(firm_ref, opening_ref, phone_hash)
    return db.put({"PK": pk, "SK": sk, "type": "opening_interest", **record}).named("share_interest")


def _review(key: tuple[str, str], changes: dict[str, Any], version: int, name: str) -> db.Op:
    """Set the review's fields only at the version the reviewer read (commit with
    `uow.commit_versioned(ops, *key)`)."""
    return db.versioned_set(*key, changes, version).named(name)


def approve_firm(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _review(firm_key(reference), changes, version, "approve_firm")


def reject_firm(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _review(firm_key(reference), changes, version, "reject_firm")


def release_credit_code(code: str) -> db.Op:
    """A rejected firm's credit code may be registered again, corrected."""
    return db.delete(*code_key(code)).named("release_credit_code")


def publish_opening(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _review(opening_key(reference), changes, version, "publish_opening")


def reject_opening(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _review(opening_key(reference), changes, version, "reject_opening")


def require_approved_firm(firm_ref: str) -> db.Op:
    """An opening goes public only under a firm the union has approved, checked in the same
    transaction as the publication."""
    return db.check(*firm_key(firm_ref), "#s = :approved", names={"#s": "status"}, values={":approved": "approved"},
                    on_fail=errors.conflict("请先审核通过这家单位，再发布它的岗位。", "firm-not-approved")
                    ).named("require_approved_firm")
