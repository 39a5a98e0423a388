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

A person's id is a reference code: the household's code for the public food-package forms.
Counters are updated for the unit and each ancestor (from its materialised path) in the same
transaction as the change, so the roll-up never needs a Scan or a recount.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db


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
    names = {"#t": "type", "#u": "unit_id"}
    values: dict[str, Any] = {":t": "frontline_count", ":u": unit_id}
    adds = []
    for i, (name, delta) in enumerate(sorted(deltas.items())):
        names[f"#d{i}"] = name
        values[f":d{i}"] = delta
        adds.append(f"#d{i} :d{i}")
    return db.update(*counter_key(unit_id), "SET #t = :t, #u = :u ADD " + ", ".join(adds), names=names,
                     values=values)


def counters(unit_id: str) -> dict[str, Any]:
    return db.get(*counter_key(unit_id)) or {}


def cover_item(person_id: str, unit_id: str, who: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"PK": person_key(person_id)[0], "SK": f"COVER#{who}", "GSI1PK": f"FLCOVER#{unit_id}",
            "GSI1SK": f"{person_id}#{who}", "type": "frontline_cover", **record}


def unit_cover(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"FLCOVER#{unit_id}", index="GSI1", limit=limit, start_key=start)


def import_marker_key(import_id: str, chunk: int) -> tuple[str, str]:
    return f"FLIMPORT#{import_id}", f"CHUNK#{chunk:05d}"
