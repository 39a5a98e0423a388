"""The retention policy and the record graph: for every record type that holds personal data, which
fields are personal, and where it belongs.

A root is what a person's reference + phone opens (core.refs): a support request, a frontline
household, a booking registration, a firm's registration, a worker's interest in an opening, a
hardship register entry. Every other record type names its owners (the record types it belongs
to) and how it is found from one of them by key (GetItem or Query), so a person sees and erases
everything held about them from the reference they hold. One table for all domains, so the policy
can be read and audited in one place. A record type holding personal data and missing here fails
tests/api/test_privacy_every_record.py, as does one no root reaches.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core import db, times
from chalicelib.core.retention import (
    Item,
    Owner,
    Rule,
    at_key,
    at_keys,
    in_partition,
    referenced,
    register,
)

# The field holding each root's reference code (its REF#<code> item).
REFERENCE_FIELD = {"support_request": "reference", "frontline_person": "id", "booking_registration": "reference",
                   "firm": "reference", "opening_interest": "reference", "hardship_worker": "worker_id"}


def _family(prefix: str) -> Any:
    return in_partition(lambda person: f"FLPERSON#{person['id']}", prefix)


def _family_requests(person: Item) -> list[Item]:
    """Support requests raised for a frontline family: its contact log and cover claims name them."""
    references = [i.get("support_reference") for i in _family("LOG#")(person)]
    references += [i.get("reference") for i in _family("CLAIM#")(person)]
    return at_keys(lambda _: [(f"SUPPORT#{r}", "REQUEST") for r in references if r])(person)


def _signups(person: Item) -> list[Item]:
    """The family's food-package sign-up in each campaign (campaigns are few: one Query, a GetItem each)."""
    campaigns, _ = db.query("CAMPAIGNS", index="GSI1", limit=200)
    return at_keys(lambda _: [(f"DSIGNUP#{c['id']}#{person['id']}", "SIGNUP") for c in campaigns])(person)


def _packages(signup: Item) -> list[Item]:
    """The packages of a sign-up: one per campaign week at most, keyed by week (a GetItem each)."""
    campaign = db.get(f"CAMPAIGN#{signup['campaign_id']}", "CAMPAIGN") or {}
    if not campaign.get("start_date"):
        return []
    start = date.fromisoformat(campaign["start_date"])
    last = min(date.fromisoformat(campaign["end_date"]) if campaign.get("end_date") else date.max,
               times.now().date())
    weeks = max(0, (last - start).days // 7 + 2)  # up to the week after today (rosters are made a week ahead)
    family, cid = signup["family_id"], signup["campaign_id"]
    return at_keys(lambda _: [(f"PACKAGE#{cid}#{w}#{family}", "PACKAGE")
                              for w in range(int(signup.get("from_week", 1)), weeks + 1)])(signup)


def _booking_guard(registration: Item) -> list[Item]:
    """The one-place-per-phone guard of a registration, if it is this registration's."""
    if "phone_hash" not in registration:
        return []
    found = at_key(lambda r: (f"BOOKINGPERSON#{r['session_id']}#{r['phone_hash']}", "PERSON"))(registration)
    return [g for g in found if g.get("reference") == registration["reference"]]


def _units_above(person: Item) -> list[str]:
    """The household's unit and every unit above it, from the unit's path; none without an ID number."""
    unit = db.get(f"UNIT#{person['unit_id']}", "UNIT") if "id_hash" in person else None
    return [part for part in str((unit or {}).get("path", "")).split("/") if part]


def _last_pair(group: Item) -> bool:
    holders, _ = db.query(f"FRONTLINEID#{group['SK']}", limit=3)
    return len(holders) <= 2


def _reference_of(record_type: str) -> Owner:
    return Owner(record_type, at_key(lambda item: (f"REF#{item[REFERENCE_FIELD[record_type]]}", "REF")))


# --- support requests (support/store.py) ---------------------------------------------------------------
register(Rule(
    "support_request", "求助记录", root=True,
    personal_fields=("name", "phone", "phone_hash", "relation", "contact_time"),
    placeholder_fields=("description",),
    owners=(Owner("frontline_person", _family_requests),),  # raised by a contact person for the family
))
register(Rule("support_note", "求助办理记录", (), placeholder_fields=("text",),  # staff notes may repeat what was said
              owners=(Owner("support_request", in_partition(lambda r: f"SUPPORT#{r['reference']}", "NOTE#")),)))
register(Rule("caller_link", "来电人历史索引", (), delete=True, owners=(Owner("support_request", at_key(
    lambda r: (f"PHONE#{r['phone_hash']}", f"SUPPORT#{r['created_at']}#{r['reference']}") if "phone_hash" in r
    else None)),)))

# --- the frontline archive (frontline/store.py) -----------------------------------------------------------
register(Rule("frontline_person", "一线医务人员档案", ("name", "phone", "id_hash", "id_masked"), root=True))
register(Rule("frontline_member", "一线医务人员家属", ("name", "address", "age"), placeholder_fields=("needs",),
              owners=(Owner("frontline_person", _family("MEMBER#")),)))
register(Rule("frontline_id", "身份证号码查重索引", (), delete=True, owners=(Owner("frontline_person", at_key(
    lambda p: (f"FRONTLINEID#{p['id_hash']}", p["unit_id"]) if "id_hash" in p else None)),)))
# The duplicate flag stays (the hospital's count of flagged households stays true); its hash goes.
register(Rule("frontline_duplicate", "跨院重复登记标记", ("id_hash",), owners=(Owner("frontline_person", at_key(
    lambda p: (f"FLDUP#{p['unit_id']}", p["id"]))),)))
# The city's duplicates view groups the households holding one ID number under each unit above them. A group
# goes with the erased household when at most one other household still holds the number.
register(Rule("frontline_duplicate_group", "跨单位重复登记分组", (), delete_if=_last_pair, owners=(Owner(
    "frontline_person", at_keys(lambda p: [(f"FLDUPGROUPS#{u}", p["id_hash"]) for u in _units_above(p)])),)))
register(Rule("frontline_contact_history", "联系人变更记录", ("name",), placeholder_fields=("reason",),
              owners=(Owner("frontline_person", _family("CONTACTHIST#")),)))
register(Rule("frontline_log", "联系记录", (), placeholder_fields=("notes", "needs"),
              owners=(Owner("frontline_person", _family("LOG#")),)))
register(Rule("frontline_cover", "大病和意外保障登记", ("name",),
              owners=(Owner("frontline_person", _family("COVER#")),)))
# A hospital's registered one-to-one contact persons are the union's own people, not a family's data.
register(Rule("frontline_contact", "一对一联系人", ("name",), union_staff=True))

# --- weekly food packages (delivery/store.py): an erased sign-up stops; packages keep amount and status -----
register(Rule("delivery_signup", "爱心蔬菜配送登记", ("name", "phone", "address"),
              placeholder_fields=("dietary_notes",),
              erase_sets=(("status", "paused"),), owners=(Owner("frontline_person", _signups),)))
register(Rule("delivery_package", "爱心蔬菜配送记录", ("name", "phone", "address"),
              placeholder_fields=("dietary_notes", "note"), owners=(Owner("delivery_signup", _packages),)))

# --- recuperation (recuperation/store.py): keyed by the ID-number hash, so the whole item goes; the
# batches keep their counts, and a placement's booking registration is erased with it. -----------------
register(Rule("recuperation_nomination", "疗休养推荐", ("name", "id_hash"), delete=True,
              owners=(Owner("frontline_person", at_key(
                  lambda p: (f"RECUPNOM#{p['id_hash']}", "NOMINATION") if "id_hash" in p else None)),)))

# --- job fairs, courses, shuttles and recuperation batches (booking/store.py): the session keeps its
# counts; the one-place-per-phone guard is keyed by the phone's hash, so it goes whole. --------------------
register(Rule("booking_registration", "招聘会、培训、返岗直通车和疗休养报名", ("name", "phone", "phone_hash", "link"),
              placeholder_fields=("note",), root=True,
              owners=(Owner("recuperation_nomination", referenced(lambda n: n.get("booking_reference"))),)))
register(Rule("booking_person", "报名手机号查重索引", (), delete=True,
              owners=(Owner("booking_registration", _booking_guard),)))

# --- reopening firms (recruitment/store.py): the firm's contact person; a worker's interest in an opening
# (their own reference) -----------------------------------------------------------------------------------
register(Rule("firm", "复工企业登记的联系人", ("contact_name", "contact_phone"), root=True))
# An interest passed on to a firm exists only to reach the worker, and its key holds their phone's hash:
# erased, it goes whole (the opening keeps its count of contact views).
register(Rule("opening_interest", "求职意向登记", ("name", "phone"), root=True, delete=True))

# --- registered hardship workers (hardship/store.py): the register, the contact person's checks and the
# one-per-person guard keyed by the ID number's hash. The supplies given keep their counts. ----------------
register(Rule("hardship_worker", "困难职工登记", ("name", "phone", "id_hash", "id_masked", "contact"),
              placeholder_fields=("hardship",), root=True))
register(Rule("hardship_id", "困难职工身份证号码查重索引", (), delete=True, owners=(Owner("hardship_worker", at_key(
    lambda w: (f"HARDSHIPID#{w['id_hash']}", "ID") if "id_hash" in w else None)),)))
register(Rule("hardship_check", "困难职工走访记录", (), placeholder_fields=("situation", "precautions"),
              owners=(Owner("hardship_worker", in_partition(lambda w: f"HARDSHIP#{w['worker_id']}", "CHECK#")),)))

# --- text messages (core/outbox.py): each holds the phone it goes to and the values it fills in (a reply
# staff wrote). Erased, the item keeps its template, state and times for the record's history; a
# message erased before it was sent has no phone left to go to. ---------------------------------------------
MESSAGE_KIND = {"support_request": "support", "booking_registration": "booking", "firm": "firm"}


def _messages(record_type: str) -> Owner:
    """The messages about a record (its history's Query on GSI1)."""
    def find(record: Item) -> list[Item]:
        about = f"{MESSAGE_KIND[record_type]}:{record[REFERENCE_FIELD[record_type]]}"
        items, _ = db.query(f"MSGFOR#{about}", index="GSI1", limit=500)
        return items
    return Owner(record_type, find)


def _opening_messages(firm: Item) -> list[Item]:
    """The messages about a firm's openings: they went to the firm's contact phone."""
    pointers = in_partition(lambda f: f"FIRM#{f['reference']}", "OPENING#")(firm)
    found: list[Item] = []
    for pointer in pointers:
        items, _ = db.query(f"MSGFOR#opening:{pointer['reference']}", index="GSI1", limit=500)
        found += items
    return found


register(Rule("message", "短信通知", ("to", "params"), owners=(
    *(_messages(t) for t in MESSAGE_KIND), Owner("firm", _opening_messages))))

# --- the reference items: each holds the keyed hash of the phone that opens it. The hash goes, so the
# reference opens nothing for the person any more; the item stays for staff, who reach a registration by
# its reference, and for a partner app's view of its submission. An interest's goes whole: its record's
# key, which it holds, holds the phone's hash. A firm's openings open with its contact's phone.
register(Rule("ref", "查询编号索引", ("phone_hash",), delete_if=lambda ref: ref.get("kind") == "interest", owners=(
    *(_reference_of(t) for t in REFERENCE_FIELD),
    Owner("firm", lambda firm: [ref for pointer in in_partition(lambda f: f"FIRM#{f['reference']}", "OPENING#")(firm)
                                for ref in at_key(lambda p: (f"REF#{p['reference']}", "REF"))(pointer)]),
)))
