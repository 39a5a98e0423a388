"""The record graph over every record type of the retention rules: each person's records are made
through the API (every write route that stores personal data about them), then by the reference
they hold `my-data` shows every record type the rules name, with its fields, and `erase` removes
every phone, name, address, ID and free text of theirs from the whole table; every staff view that
can show an erased record answers with the erased marker, never 500 and never the old data."""

from __future__ import annotations

import base64
import binascii
import io
import json
import uuid
import zipfile
from typing import Any

import boto3
import pytest

import app  # noqa: F401 - registers every route
from chalicelib.core import api, audit, personal, retention, times
from chalicelib.privacy import rules  # noqa: F401 - registers the rules
from tests.api.access_cases import Context
from tests.api.access_cases.booking import existing_session
from tests.api.access_cases.delivery import CAMPAIGN, ensure_campaign
from tests.api.access_cases.frontline import contact_account, fresh_id_number, hospital_under
from tests.api.access_cases.recruitment import existing_opening
from tests.api.access_cases.recuperation import REASON, batch_body, ensure_ended_campaign
from tests.api.test_delivery_roster import fund_city, package_for
from tests.api.test_hardship_register import sheet
from tests.conftest import scans_allowed

CONTACT = "contact_person.graph"
CONSENT = {"consent": True, "consent_version": "2020-02-v1"}


class Person:
    """Distinctive personal values for one person, so what is left of them can be searched for."""

    def __init__(self, tag: str, n: int) -> None:
        self.name = f"甄{tag}"
        self.phone = f"1351234{n:04d}"
        self.address = f"隐私路 {n} 号{tag}家"
        self.text = f"只说给工会听的{tag}情况"
        self.id_number = fresh_id_number()

    def values(self) -> list[str]:
        return [self.name, self.phone, self.address, self.text, self.id_number,
                personal.mask_id_number(self.id_number)]


def _ok(response: Any, status: int = 200) -> Any:
    """The answer's JSON, once it is the success the route documents (200 or 201)."""
    assert response.status_code in (status, 200, 201), response.body
    return json.loads(response.body) if response.body else None


def _items(table_name: str) -> list[dict[str, Any]]:
    with scans_allowed():
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(table_name)
        page = table.scan()
        items = page["Items"]
        while "LastEvaluatedKey" in page:
            page = table.scan(ExclusiveStartKey=page["LastEvaluatedKey"])
            items += page["Items"]
        return items


def _text(response: Any) -> str:
    """An answer's text, with any xlsx workbook in it (content_base64) unpacked."""
    body = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
    try:
        data = json.loads(body)
    except ValueError:
        return body
    parts = [json.dumps(data, ensure_ascii=False)]
    if isinstance(data, dict) and isinstance(data.get("content_base64"), str):
        try:
            with zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content_base64"]))) as book:
                parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
        except (binascii.Error, zipfile.BadZipFile):
            pass
    return "\n".join(parts)


@pytest.fixture
def world(client: Any, staff_token: Any, seeded: str) -> dict[str, Any]:
    """Every kind of person the rules know, each with all their records, made through the API."""
    ctx = Context(client, staff_token)
    admin = ctx.admin
    w: dict[str, Any] = {"ctx": ctx, "table": seeded, "roots": {}, "people": []}

    def root(kind: str, reference: str, who: Person) -> None:
        w["roots"][kind] = (reference, who.phone)
        w["people"].append(who)

    # A frontline household: the person, a family member, contact person and history, contact log,
    # a support request raised for the family, cover and a claim, the food-package sign-up and a
    # package, a recuperation nomination and its placement; and the same ID number in another
    # hospital (a duplicate), which the person erases with its own reference.
    family_person, member = Person("医生", 1), Person("家属", 2)
    hospital = hospital_under(ctx, "taishan")
    w["hospital"] = hospital
    body = {"name": family_person.name, "id_number": family_person.id_number, "phone": family_person.phone,
            "department": "呼吸内科", "role": "护士", "deployment": "fever_clinic", "period_start": "2020-01-25"}
    family = _ok(ctx.call("POST", f"/staff/frontline/units/{hospital}/personnel", body, admin), 201)
    fid = family["id"]
    w["family"] = fid
    other_hospital = hospital_under(ctx, "taishan")
    w["other_hospital"] = other_hospital
    duplicate = _ok(ctx.call("POST", f"/staff/frontline/units/{other_hospital}/personnel", body, admin), 201)
    assert duplicate["duplicates"], "the second entry of the ID number is flagged"
    contact_account(CONTACT, hospital)
    _ok(ctx.call("POST", f"/staff/frontline/units/{hospital}/contacts",
                 {"username": CONTACT, "name": "联系人", "kind": "activist"}, admin), 201)
    _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/contact",
                 {"username": CONTACT, "version": family["version"], "reason": member.text}, admin))
    added = _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/members",
                         {"name": member.name, "relation": "母亲", "age": 71, "needs": member.text,
                          "address": member.address}, admin), 201)
    _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/logs",
                 {"kind": "phone", "notes": family_person.text, "needs": member.text}, admin), 201)
    _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/support-requests",
                 {"category": "hardship", "description": member.text, "name": member.name, "relation": "母亲",
                  "phone": member.phone}, admin), 201)
    _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/cover", {"who": added["id"], "kinds": ["accident"]},
                 admin), 201)
    _ok(ctx.call("POST", f"/staff/frontline/families/{fid}/claims",
                 {"who": added["id"], "kind": "accident", "description": member.text, "phone": member.phone},
                 admin), 201)
    ensure_campaign(ctx)
    fund_city(1_000_000)
    _ok(ctx.client.http.post("/delivery/signups", headers={"Content-Type": "application/json",
                                                          "Idempotency-Key": str(uuid.uuid4())},
                             body=json.dumps({"reference": fid, "phone": family_person.phone,
                                              "address": family_person.address, "window": "morning",
                                              "dietary_notes": family_person.text, **CONSENT})), 201)
    w["package"] = package_for(ctx, fid)
    ensure_ended_campaign(ctx)
    _ok(ctx.call("POST", f"/staff/recuperation/nominations/{fid}", {"reason": REASON}, admin), 201)
    _ok(ctx.call("POST", f"/staff/recuperation/nominations/{fid}/decision", {"decision": "approve", "version": 1},
                 admin))
    batch = _ok(ctx.call("POST", "/staff/recuperation/batches", batch_body(), admin), 201)["id"]
    w["batch"] = batch
    placed = _ok(ctx.call("POST", f"/staff/recuperation/batches/{batch}/placements", {}, admin))
    assert placed["placed"], placed
    root("frontline_person", fid, family_person)
    w["people"].append(member)
    w["duplicate"] = (duplicate["id"], family_person.phone)

    # A support request from the portal, with a staff note that repeats what was said.
    caller = Person("求助", 3)
    request = _ok(ctx.client.http.post("/support-requests", headers={"Content-Type": "application/json"},
                                       body=json.dumps({"category": "psychological", "description": caller.text,
                                                        "name": caller.name, "phone": caller.phone,
                                                        "relation": "本人", "county_unit_id": "taishan",
                                                        "frontline": "family", **CONSENT})), 201)
    _ok(ctx.call("POST", f"/staff/support/requests/{request['reference']}/notes", {"text": caller.text}, admin), 201)
    root("support_request", request["reference"], caller)

    # A job-fair registration.
    registrant = Person("报名", 4)
    session = existing_session(ctx, "taishan")
    w["session"] = session
    registration = _ok(ctx.call("POST", f"/sessions/{session}/registrations",
                                {"name": registrant.name, "phone": registrant.phone, "note": registrant.text,
                                 **CONSENT}, None), 201)
    root("booking_registration", registration["reference"], registrant)

    # A reopening firm's contact person (the firm registered and an opening posted under it), and a
    # worker who passes their name and phone on to the firm.
    opening = existing_opening(ctx, "taishan")
    _ok(ctx.call("POST", f"/staff/openings/{opening}/review", {"decision": "approve", "version": 1}, admin))
    opening_item = _ok(ctx.call("GET", f"/openings/{opening}", None, None))
    firm_ref = _firm_of(w, opening)
    w["firm"] = firm_ref
    worker = Person("求职", 5)
    contact = _ok(ctx.call("POST", f"/openings/{opening}/interest",
                           {"name": worker.name, "phone": worker.phone, "share_phone": True, **CONSENT}, None))
    if contact.get("interest_reference"):  # without one, no reference reaches it (the my-data test says so)
        assert contact["fields"]["您的查询编号"] == contact["interest_reference"]
        root("opening_interest", contact["interest_reference"], worker)
    else:
        w["people"].append(worker)
    assert opening_item["firm_name"]

    # A registered hardship worker, with a contact person's check.
    hardship = Person("困难", 6)
    imported = _ok(ctx.call("POST", "/hardship/units/taishan/import",
                            {"content_base64": sheet([[hardship.name, hardship.id_number, hardship.phone,
                                                       hardship.text, ""]])}, admin), 201)
    worker_id = imported["worker_ids"][0]
    _ok(ctx.call("POST", f"/hardship/workers/{worker_id}/checks",
                 {"situation": hardship.text, "precautions": hardship.text}, admin), 201)
    root("hardship_worker", worker_id, hardship)
    return w


def _firm_of(w: dict[str, Any], opening: str) -> tuple[str, str]:
    """The firm (reference, contact phone) behind an opening, as its registration left them."""
    from chalicelib.recruitment import store

    item = store.get(store.opening_key(opening))
    assert item is not None
    firm = store.get(store.firm_key(item["firm_reference"]))
    assert firm is not None
    w["firm_contact"] = (firm["contact_name"], firm["contact_phone"])
    w["roots"]["firm"] = (firm["reference"], firm["contact_phone"])
    return str(firm["reference"]), str(firm["contact_phone"])


def _my_data(w: dict[str, Any], reference: str, phone: str) -> Any:
    return _ok(w["ctx"].call("POST", "/privacy/my-data", {"reference": reference, "phone": phone}, None))


def _leftovers(w: dict[str, Any], values: list[str]) -> list[tuple[str, str]]:
    """(record type, value) for every item of the whole table that still holds one of the values
    (idempotency records keep an answer for a retry and expire by TTL: not counted; nor is the
    erasure's own confirmation text, which keeps its phone until it is sent, then forgets it:
    `_confirmations_waiting`)."""
    found = []
    for item in _items(w["table"]):
        if item.get("type") is None and "ttl" in item:
            continue
        if _confirmation_waiting(item):
            continue
        text = json.dumps(item, ensure_ascii=False, default=str)
        found += [(str(item.get("type")) + (f":{item.get('kind')}" if item.get("type") == "ref" else ""), v)
                  for v in values if v in text]
    return sorted(set(found))


def _confirmation_waiting(item: dict[str, Any]) -> bool:
    return (item.get("type") == "message" and item.get("template") == "privacy_done"
            and item.get("state") == "pending" and bool(item.get("forget_after_sending")))


def _hashes(w: dict[str, Any]) -> list[str]:
    people = w["people"]
    return ([personal.keyed_hash("phone", p.phone) for p in people]
            + [personal.keyed_hash("frontline-id", p.id_number) for p in people]
            + [personal.keyed_hash("hardship-id", p.id_number) for p in people])


def test_my_data_shows_every_record_type_of_the_rules_with_its_fields(world):
    w = world
    stored = _items(w["table"])
    shown: dict[str, set[str]] = {}
    for reference, phone in w["roots"].values():
        answer = _my_data(w, reference, phone)
        assert answer["records"][0]["fields"] == answer["fields"]
        for record in answer["records"]:
            shown.setdefault(record["kind"], set()).update(record["fields"])
    assert sorted(w["roots"]) == sorted(t for t, rule in retention.RULES.items() if rule.root), \
        "every kind of record a reference opens is made here"
    unowned = [t for t, rule in retention.RULES.items() if not (rule.root or rule.owners or rule.union_staff)]
    assert unowned == [], "personal record types that name no owner"
    people = [t for t, rule in retention.RULES.items() if not rule.union_staff]
    assert sorted(set(people) - set(shown)) == [], "record types no reference reaches"
    for kind in people:
        rule = retention.RULES[kind]
        held = {f for i in stored if i.get("type") == kind
                for f in (*rule.personal_fields, *rule.placeholder_fields) if f in i and not f.endswith("_hash")}
        assert shown[kind] == held, (kind, shown[kind], held)
    # what the family's answer shows is theirs: the member's address, the sign-up's address
    family = json.dumps(_my_data(w, *w["roots"]["frontline_person"]), ensure_ascii=False)
    for value in (w["people"][0].address, w["people"][1].address, w["people"][1].text):
        assert value in family


def test_erasure_leaves_nothing_of_the_person_and_staff_views_show_the_marker(world):
    w = world
    ctx = w["ctx"]
    values = [v for p in w["people"] for v in p.values()] + list(w["firm_contact"])
    assert _leftovers(w, values), "the test's values are in the table before erasure"
    ledger_before = _ledger_and_counters(w)

    for reference, phone in [*w["roots"].values(), w["duplicate"]]:
        erased = _ok(ctx.call("POST", "/privacy/erase", {"reference": reference, "phone": phone, "confirm": True},
                              None))
        assert erased["anonymised_at"]
    assert _leftovers(w, values) == []
    waiting = [i for i in _items(w["table"]) if _confirmation_waiting(i)]
    assert len(waiting) == len(w["roots"]) + 1, "one confirmation per erasure, to the phone that asked"
    assert all(set(i["params"]) == {"action", "ref"} for i in waiting), "a reference only, nothing else of the person"
    assert _leftovers(w, _hashes(w)) == [], "keyed hashes of their phones and ID numbers"
    assert _ledger_and_counters(w) == ledger_before, "erasure keeps amounts, counts and counters"
    audit_items = [i for i in _items(w["table"]) if i.get("type") == "audit"]
    hidden = retention.personal_field_names() - audit.DECISION_FIELDS  # staff's reasons for decisions stay
    kept = sorted({(i["action"], k) for i in audit_items for side in ("before", "after")
                   for k, v in (i.get(side) or {}).items() if k in hidden and v != audit.REDACTED})
    assert kept == [], f"audit entries holding personal fields: {kept}"
    for reference, phone in w["roots"].values():
        again = ctx.call("POST", "/privacy/my-data", {"reference": reference, "phone": phone}, None)
        assert again.status_code == 404, "the reference no longer opens anything"

    # staff may still change an erased record's status (counts stay right), not store new personal data on it
    registration = w["roots"]["booking_registration"][0]
    _ok(ctx.call("POST", f"/staff/sessions/{w['session']}/registrations/{registration}/cancel", {}, ctx.admin))
    _ok(ctx.call("POST", f"/staff/delivery/packages/{w['package']}/confirmation", {"outcome": "delivered"},
                 ctx.admin))
    new_member = {"name": "新家属", "relation": "父亲", "age": 70, "needs": "照料", "address": "某路 1 号"}
    refused = ctx.call("POST", f"/staff/frontline/families/{w['family']}/members", new_member, ctx.admin)
    assert refused.status_code == 409, refused.body

    answers = _staff_views(w)
    failed = {path: status for path, (status, _) in answers.items() if status >= 500}
    assert failed == {}, failed
    stale = sorted({(path, v) for path, (_, text) in answers.items() for v in values if v in text})
    assert stale == [], f"staff views still showing erased data: {stale}"
    marked = {path for path, (status, text) in answers.items() if personal.ERASED_BY_REQUEST in text}
    for must in (f"/staff/frontline/families/{w['family']}", f"/staff/frontline/units/{w['hospital']}/personnel",
                 f"/staff/frontline/families/{w['family']}/logs", f"/staff/frontline/units/{w['hospital']}/cover",
                 "/staff/support/units/taishan/queue", f"/staff/sessions/{w['session']}/registrations",
                 "/staff/units/taishan/firms?status=approved", "/hardship/units/taishan/workers",
                 f"/staff/delivery/units/{w['hospital']}/roster"):
        assert any(p.startswith(must) for p in marked), (must, answers.get(must, "not called"))


def _ledger_and_counters(w: dict[str, Any]) -> list[Any]:
    keep = ("fund_entry", "fund_account", "delivery_count", "frontline_count", "support_count", "support_week",
            "booking_session")
    return sorted(json.dumps({k: v for k, v in i.items() if k not in ("version", "updated_at")}, sort_keys=True,
                              default=str) for i in _items(w["table"]) if i.get("type") in keep)


def _staff_views(w: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Every staff GET route whose path the erased records fill, called as the city administrator
    (and the contact person's and counsellor's own lists as them): path -> (status, text)."""
    ctx = w["ctx"]
    from chalicelib.delivery import service as delivery

    week = delivery.week_of(delivery.campaign(CAMPAIGN), times.today())
    support_ref = w["roots"]["support_request"][0]
    fills = {"unit_id": [w["hospital"], w["other_hospital"], "taishan"], "person_id": [w["family"], w["duplicate"][0]],
             "session_id": [w["session"], w["batch"]], "reference": [support_ref, w["firm"][0]],
             "worker_id": [w["roots"]["hardship_worker"][0]]}
    weekly = f"?campaign_id={CAMPAIGN}&week={week}"
    queries = {"/roster": weekly, "/supplier-list": weekly, "/packages": f"?campaign_id={CAMPAIGN}",
               "/firms": "?status=approved"}
    answers: dict[str, tuple[int, str]] = {}
    contact = ctx.token(CONTACT, w["hospital"], ["contact_person"])
    for route in api.REGISTRY:
        if route.method != "GET" or route.audience != api.STAFF:
            continue
        paths = [route.path]
        for name, values in fills.items():
            if "{" + name + "}" in route.path:
                paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
        for path in paths:
            if "{" in path:
                continue  # reports, ledger entries, photos: none holds the person's data
            path += next((q for suffix, q in queries.items() if path.endswith(suffix)), "")
            token = contact if "contact_person" in route.roles and "city_admin" not in route.roles else ctx.admin
            response = ctx.call("GET", path, None, token)
            answers[path] = (response.status_code, _text(response))
    return answers
