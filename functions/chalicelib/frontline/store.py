"""The frontline archive in the one table.

  person (household)   PK=FLPERSON#<id>            SK=PERSON
                       GSI1PK=FLUNIT#<unit>        GSI1SK=<created_at>#<id>   (a hospital's archive)
  family member        PK=FLPERSON#<id>            SK=MEMBER#<member id>
  contact history      PK=FLPERSON#<id>            SK=CONTACTHIST#<at>#<random>
  contact log          PK=FLPERSON#<id>            SK=LOG#<at>#<random>
  cover enrolment      PK=FLPERSON#<id>            SK=COVER#<SELF or member id>
                       GSI1PK=FLCOVER#<unit>       GSI1SK=<id>#<SELF or member id>
  cover claim          PK=FLPERSON#<id>            SK=CLAIM#<support reference>
  ID-number index      PK=FRONTLINEID#<keyed hash> SK=<unit>   one per hospital (put_new: no repeat in
                                                                a hospital); several units = duplicate
  duplicate pointer    PK=FLDUP#<unit>             SK=<person id>
  duplicate group      PK=FLDUPGROUPS#<unit>       SK=<keyed hash>   one for each unit above any
                                                                household of the group (its view)
  registered contact   PK=FLCONTACTS#<unit>        SK=<username>
  contact's family     PK=CPFAM#<username>         SK=<person id>   (deleted on reassignment)
  uncovered family     PK=FLUNCOVERED#<unit>       SK=<person id>   (deleted when a contact is assigned)
  counters             PK=FLCOUNT#<unit>           SK=SUBTREE       persons, members, covered, duplicates
  import chunk marker  PK=FLIMPORT#<import id>     SK=CHUNK#<n>     (put_new with the chunk: a retried
                                                                      import skips what is written)
  reference            PK=REF#<id>                 SK=REF           (core.refs; kind frontline_family)

The person item also lists its members' ids (`member_ids`) and the key of its latest contact log
(`last_log`, with `log_count`), written with each member and log, so a contact person's family cards
are read by key (BatchGetItem) rather than a Query per household.

A person's id is a reference code: the household's code for the public food-package forms.
Counters are updated for the unit and each ancestor (from its materialised path) in the same
transaction as the change, so the roll-up never needs a Scan or a recount.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.core import db, errors, refs
from chalicelib.core.config import settings

REF_KIND = "frontline_family"


def person_key(person_id: str) -> tuple[str, str]:
    return f"FLPERSON#{person_id}", "PERSON"


def person_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = person_key(record["id"])
    return {"PK": pk, "SK": sk, "GSI1PK": f"FLUNIT#{record['unit_id']}",
            "GSI1SK": f"{record['created_at']}#{record['id']}", "type": "frontline_person", **record}


def member_item(person_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"PK": person_key(person_id)[0], "SK": f"MEMBER#{record['id']}", "type": "frontline_member", **record}


def get_person(person_id: str, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*person_key(person_id), consistent=consistent)


def household(person_id: str, prefix: str, limit: int = 100) -> list[dict[str, Any]]:
    items, _ = db.query(person_key(person_id)[0], prefix, limit=limit, forward=prefix != "LOG#")
    return items


CARD_LOGS = 1  # the latest contact on a family's card (the logs route gives them all)
_CARD_READERS = 8  # households of an older shape read at once
_readers: list[ThreadPoolExecutor] = []
_deserializer = TypeDeserializer()

Card = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # a household's members, its latest log entries


def card_items(persons: list[dict[str, Any]]) -> dict[str, Card]:
    """Each household's members and latest log entry, by key from what the household item lists
    (`member_ids`, `last_log`): BatchGetItem, 100 keys a call, whatever the number of households.
    A household written before it kept those lists is read with a Query of its own."""
    keys: list[dict[str, Any]] = []
    older: list[dict[str, Any]] = []
    for person in persons:
        member_ids = set(person.get("member_ids") or ())
        if len(member_ids) != int(person.get("members", 0)) or "log_count" not in person:
            older.append(person)
            continue
        pk = person_key(person["id"])[0]
        keys += [db.key(pk, f"MEMBER#{m}") for m in sorted(member_ids)]
        if person.get("last_log"):
            keys.append(db.key(pk, str(person["last_log"])))
    found: dict[str, Card] = {p["id"]: ([], []) for p in persons}
    for item in db.batch_get(keys):
        members, logs = found[str(item["PK"]).removeprefix("FLPERSON#")]
        (members if str(item["SK"]).startswith("MEMBER#") else logs).append(item)
    for members, _ in found.values():
        members.sort(key=lambda m: str(m.get("created_at", "")))
    found.update(_older_cards(older))
    return found


def _members_and_logs(person: dict[str, Any]) -> Card:
    """One Query of the household's partition, newest first, from MEMBER#~ down to LOG#: every member
    (the household counts them) and then its latest CARD_LOGS log entries."""
    client = db.low_level_client()  # thread-safe, unlike the table resource
    params: dict[str, Any] = {
        "TableName": settings().table_name, "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": {"S": person_key(person["id"])[0]}, ":low": {"S": "LOG#"},
                                      ":high": {"S": "MEMBER#~"}},
        "ScanIndexForward": False, "Limit": int(person.get("members", 0)) + CARD_LOGS}
    answer = db.retrying(lambda: client.query(**params))
    items = [db.plain({k: _deserializer.deserialize(v) for k, v in raw.items()}) for raw in answer.get("Items", [])]
    members = sorted((i for i in items if str(i["SK"]).startswith("MEMBER#")), key=lambda i: str(i["created_at"]))
    return members, [i for i in items if str(i["SK"]).startswith("LOG#")][:CARD_LOGS]


def _older_cards(persons: list[dict[str, Any]]) -> dict[str, Card]:
    if not persons:
        return {}
    db.low_level_client()  # made once, before the threads share it
    if not _readers:
        _readers.append(ThreadPoolExecutor(_CARD_READERS, thread_name_prefix="cards"))
    return dict(zip((p["id"] for p in persons), _readers[0].map(_members_and_logs, persons), strict=True))


def unit_page(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"FLUNIT#{unit_id}", index="GSI1", limit=limit, start_key=start)


def id_index_key(id_hash: str, unit_id: str) -> tuple[str, str]:
    return f"FRONTLINEID#{id_hash}", unit_id


def id_index(id_hash: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"FRONTLINEID#{id_hash}", limit=100)
    return items


def dup_item(unit_id: str, person_id: str, id_hash: str) -> dict[str, Any]:
    return {"PK": f"FLDUP#{unit_id}", "SK": person_id, "type": "frontline_duplicate", "person_id": person_id,
            "id_hash": id_hash}


def duplicates(unit_id: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"FLDUP#{unit_id}", limit=500)
    return items


def dup_group_item(unit_id: str, id_hash: str) -> dict[str, Any]:
    return {"PK": f"FLDUPGROUPS#{unit_id}", "SK": id_hash, "type": "frontline_duplicate_group"}


def dup_groups(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"FLDUPGROUPS#{unit_id}", limit=limit, start_key=start)


def contact_key(unit_id: str, username: str) -> tuple[str, str]:
    return f"FLCONTACTS#{unit_id}", username


def contacts(unit_id: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"FLCONTACTS#{unit_id}", limit=500)
    return items


def family_pointer_key(username: str, person_id: str) -> tuple[str, str]:
    return f"CPFAM#{username}", person_id


def families_of(username: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"CPFAM#{username}", limit=limit, start_key=start)


def uncovered_key(unit_id: str, person_id: str) -> tuple[str, str]:
    return f"FLUNCOVERED#{unit_id}", person_id


def uncovered(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"FLUNCOVERED#{unit_id}", limit=limit, start_key=start)


def counter_key(unit_id: str) -> tuple[str, str]:
    return f"FLCOUNT#{unit_id}", "SUBTREE"


def counter_op(unit_id: str, deltas: dict[str, int]) -> db.Op:
    """Add to the subtree counters of one unit."""
    names = {"#t": "type", "#u": "unit_id"}
    values: dict[str, Any] = {":t": "frontline_count", ":u": unit_id}
    adds = []
    for i, (name, delta) in enumerate(sorted(deltas.items())):
        names[f"#d{i}"] = name
        values[f":d{i}"] = delta
        adds.append(f"#d{i} :d{i}")
    return db.update(*counter_key(unit_id), "SET #t = :t, #u = :u ADD " + ", ".join(adds), names=names,
                     values=values).named("count")


def counters(unit_id: str) -> dict[str, Any]:
    return db.get(*counter_key(unit_id)) or {}


def cover_item(person_id: str, unit_id: str, who: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"PK": person_key(person_id)[0], "SK": f"COVER#{who}", "GSI1PK": f"FLCOVER#{unit_id}",
            "GSI1SK": f"{person_id}#{who}", "type": "frontline_cover", **record}


def unit_cover(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"FLCOVER#{unit_id}", index="GSI1", limit=limit, start_key=start)


def import_marker_key(import_id: str, chunk: int) -> tuple[str, str]:
    return f"FLIMPORT#{import_id}", f"CHUNK#{chunk:05d}"


def get_contact(unit_id: str, username: str) -> dict[str, Any] | None:
    return db.get(*contact_key(unit_id, username), consistent=True)


def get_contacts(unit_id: str, usernames: list[str]) -> dict[str, dict[str, Any]]:
    """Registered contacts of a unit by username (one BatchGetItem per 100)."""
    found = db.batch_get([db.key(*contact_key(unit_id, u)) for u in dict.fromkeys(usernames)])
    return {str(i["SK"]): i for i in found}


def get_persons(person_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Households by id (one BatchGetItem per 100); missing ones left out."""
    found = db.batch_get([db.key(*person_key(p)) for p in dict.fromkeys(person_ids)])
    return {str(i["id"]): i for i in found}


def get_id_entry(id_hash: str, unit_id: str) -> dict[str, Any] | None:
    return db.get(*id_index_key(id_hash, unit_id))


def get_cover(person_id: str, who: str) -> dict[str, Any] | None:
    return db.get(person_key(person_id)[0], f"COVER#{who}", consistent=True)


def import_chunk_done(import_id: str, chunk: int) -> bool:
    return db.get(*import_marker_key(import_id, chunk), consistent=True) is not None


# --- writes: each a change named for what it does, as ops for the service's unit of work ----------------

def count(unit_path: str, deltas: dict[str, int]) -> list[db.Op]:
    """Add to the counters of the unit and of every unit above it (its materialised path)."""
    return [counter_op(u, deltas) for u in unit_path.split("/") if u]


def register_person(record: dict[str, Any]) -> list[db.Op]:
    """A new household: the person, the hospital's ID-number index entry (one per hospital), the
    reference for the public forms and the marker of a household with no contact person yet.
    Counters are separate (callers sum them per unit)."""
    pk, sk = person_key(record["id"])
    index_pk, index_sk = id_index_key(record["id_hash"], record["unit_id"])
    return [
        db.put_new(person_item({"log_count": 0, **record})).named("register_person"),
        db.put_new({"PK": index_pk, "SK": index_sk, "type": "frontline_id", "person_id": record["id"],
                    "unit_id": record["unit_id"]},
                   on_fail=errors.conflict("本院档案中已有这个身份证号码的一线人员，请勿重复登记。",
                                           "frontline-exists")).named("index_id_number"),
        *[op.named("index_reference") for op in
          refs.index_ops(record["id"], REF_KIND, pk, sk, record["phone"], record["created_at"])],
        mark_uncovered(record["unit_id"], record["id"]),
    ]


def flag_duplicate(unit_id: str, person_id: str, id_hash: str) -> db.Op:
    """The household's duplicate pointer in its hospital (fails when already flagged)."""
    return db.put_new(dup_item(unit_id, person_id, id_hash)).named("flag_duplicate")


def show_duplicate_group(unit_id: str, id_hash: str) -> db.Op:
    """The group of households sharing an ID number, in the duplicates view of one unit above them."""
    return db.put(dup_group_item(unit_id, id_hash)).named("show_duplicate_group")


def register_member(person_id: str, record: dict[str, Any]) -> db.Op:
    """A family member written with a new household (its count is on the household already)."""
    return db.put_new(member_item(person_id, record)).named("register_member")


def add_member(person_id: str, record: dict[str, Any]) -> list[db.Op]:
    """A family member added to an existing household, and the household's member count."""
    return add_members(person_id, [record])


def add_members(person_id: str, records: list[dict[str, Any]]) -> list[db.Op]:
    """Family members added to an existing household, and the household's member count."""
    return [*[register_member(person_id, record).named("add_member") for record in records],
            db.update(*person_key(person_id), "ADD members :n, member_ids :ids", "attribute_exists(PK)",
                      values={":n": len(records), ":ids": {str(r["id"]) for r in records}}).named("count_member")]


def get_member(person_id: str, member_id: str) -> dict[str, Any] | None:
    return db.get(person_key(person_id)[0], f"MEMBER#{member_id}", consistent=True)


MEMBER_FIELDS = ("name", "relation", "age", "needs", "address")


def edit_member(person_id: str, member_id: str, changes: dict[str, Any]) -> db.Op:
    """A family member's details put right (the member must still be there)."""
    fields = {f: changes[f] for f in MEMBER_FIELDS}
    return db.update(person_key(person_id)[0], f"MEMBER#{member_id}",
                     "SET " + ", ".join(f"#{f} = :{f}" for f in (*fields, "edited_at", "edited_by")),
                     "attribute_exists(PK)", names={f"#{f}": f for f in (*fields, "edited_at", "edited_by")},
                     values={**{f":{f}": v for f, v in fields.items()}, ":edited_at": changes["edited_at"],
                             ":edited_by": changes["edited_by"]},
                     on_fail=errors.conflict("这位家属的记录已不在了，请刷新页面后再看。")).named("edit_member")


def rename_cover(person_id: str, member_id: str, name: str, relation: str) -> db.Op:
    """The insured member's name and relation on their cover enrolment, after the member is edited."""
    return db.update(person_key(person_id)[0], f"COVER#{member_id}", "SET #name = :name, relation = :relation",
                     "attribute_exists(PK)", names={"#name": "name"},
                     values={":name": name, ":relation": relation}).named("rename_cover")


def register_contact(unit_id: str, record: dict[str, Any]) -> db.Op:
    """A unit's contact person (once per unit and username)."""
    pk, sk = contact_key(unit_id, record["username"])
    return db.put({"PK": pk, "SK": sk, "type": "frontline_contact", "unit_id": unit_id, "families": 0, **record},
                  "attribute_not_exists(PK)",
                  on_fail=errors.conflict("这位联系人已经登记过。", "contact-exists")).named("register_contact")


def set_contact(person_id: str, username: str, name: str, version: int) -> db.Op:
    """The household's one active contact, at the version the caller read."""
    return db.versioned_set(*person_key(person_id), {"contact_person": username, "contact_person_name": name},
                            version).named("set_contact")


def clear_contact(person_id: str, version: int) -> db.Op:
    """The household back to having no contact, at the version the caller set."""
    return db.update(*person_key(person_id), "SET #v = :next REMOVE contact_person, contact_person_name",
                     "attribute_exists(PK) AND #v = :expected", names={"#v": "version"},
                     values={":expected": version, ":next": version + 1},
                     on_fail=errors.version_conflict()).named("clear_contact")


def count_families(unit_id: str, username: str, delta: int) -> db.Op:
    """Add to a registered contact's count of families (refused when the contact is gone)."""
    return db.update(*contact_key(unit_id, username), "ADD families :delta", "attribute_exists(PK)",
                     values={":delta": delta},
                     on_fail=errors.conflict("这位联系人已被移出名单，请刷新后重试。") if delta > 0 else None
                     ).named("count_families")


def point_to_family(unit_id: str, username: str, person_id: str) -> db.Op:
    """The contact's pointer to a household (their families list)."""
    pk, sk = family_pointer_key(username, person_id)
    return db.put_new({"PK": pk, "SK": sk, "type": "frontline_assigned", "person_id": person_id,
                       "unit_id": unit_id}).named("point_to_family")


def drop_family_pointer(username: str, person_id: str) -> db.Op:
    return db.delete(*family_pointer_key(username, person_id)).named("drop_family_pointer")


def take_family(unit_id: str, username: str, person_id: str) -> list[db.Op]:
    """The contact's family count and their pointer to the household (still registered, or refused)."""
    return [count_families(unit_id, username, 1).named("take_family"),
            point_to_family(unit_id, username, person_id)]


def release_family(unit_id: str, username: str, person_id: str) -> list[db.Op]:
    """The former contact's pointer goes and their family count goes down."""
    return [drop_family_pointer(username, person_id).named("release_family"),
            count_families(unit_id, username, -1).named("uncount_family")]


def mark_uncovered(unit_id: str, person_id: str) -> db.Op:
    """A household without a contact person, in its unit's list of them."""
    pk, sk = uncovered_key(unit_id, person_id)
    return db.put_new({"PK": pk, "SK": sk, "type": "frontline_uncovered", "person_id": person_id}
                      ).named("mark_uncovered")


def uncover(unit_id: str, person_id: str) -> db.Op:
    """A household leaves the list of those without a contact person."""
    return db.delete(*uncovered_key(unit_id, person_id)).named("cover_family")


def cover_family(unit_id: str, unit_path: str, person_id: str) -> list[db.Op]:
    """A household's first contact: no longer uncovered, and counted as covered up the tree."""
    return [uncover(unit_id, person_id), *count(unit_path, {"covered": 1})]


def forget_contact_change(person_id: str, sk: str) -> db.Op:
    """A line of the contact history taken back (its change was undone)."""
    return db.delete(person_key(person_id)[0], sk).named("forget_contact_change")


def record_contact_change(person_id: str, at: str, entry: dict[str, Any]) -> db.Op:
    """One line of the household's contact history (who from when, by whom, why)."""
    return db.put_new({"PK": person_key(person_id)[0], "SK": f"CONTACTHIST#{at}#{secrets.token_hex(3)}",
                       "type": "frontline_contact_history", "from_at": at, **entry}).named("record_contact_change")


def log_contact(person_id: str, record: dict[str, Any]) -> list[db.Op]:
    """A contact log entry (a call, visit or message) for the household, and the household's note of
    its latest entry (for the contact person's cards)."""
    pk, sk = person_key(person_id)
    log_sk = f"LOG#{record['at']}#{secrets.token_hex(3)}"
    return [db.put_new({"PK": pk, "SK": log_sk, "type": "frontline_log", **record}).named("log_contact"),
            db.update(pk, sk, "SET last_log = :sk ADD log_count :one", "attribute_exists(PK)",
                      values={":sk": log_sk, ":one": 1}).named("note_last_log")]


def enrol_cover(person_id: str, unit_id: str, who: str, record: dict[str, Any]) -> db.Op:
    """Cover for the frontline person or a member (a new enrolment replaces the old)."""
    return db.put(cover_item(person_id, unit_id, who, record)).named("enrol_cover")


def record_claim(person_id: str, reference: str, record: dict[str, Any]) -> db.Op:
    """A cover claim, linked to the support request that handles it."""
    return db.put_new({"PK": person_key(person_id)[0], "SK": f"CLAIM#{reference}", "type": "frontline_claim",
                       "reference": reference, **record}).named("record_claim")


def mark_import_chunk(import_id: str, chunk: int, households: int, at: str) -> db.Op:
    """The marker written with one chunk of an import: a retry skips the chunks already written."""
    pk, sk = import_marker_key(import_id, chunk)
    return db.put_new({"PK": pk, "SK": sk, "type": "frontline_import", "households": households, "at": at},
                      on_fail=errors.conflict("这部分已经导入。", "chunk-done")).named("mark_import_chunk")
