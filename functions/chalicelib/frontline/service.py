"""The frontline archive (notice part 3.1, 3.2): hospital unions enter their frontline personnel
and the family members at home they cannot look after; the entries roll up the union tree; each
household gets one active contact person who sees only their families and logs contacts."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.core import (
    audit,
    db,
    demo,
    errors,
    outbox,
    pagination,
    personal,
    refs,
    retention,
    roles,
    templates,
    times,
    uow,
)
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.frontline import store
from chalicelib.frontline.models import (
    CONTACT_KIND_LABELS,
    DEPLOYMENT_LABELS,
    ELSEWHERE,
    AssignIn,
    BulkAssigned,
    BulkAssignIn,
    CardCampaign,
    CardPackage,
    Contact,
    ContactIn,
    ContactList,
    Duplicate,
    DuplicateGroup,
    DuplicateGroupPage,
    DuplicateRecord,
    FamilyCard,
    HistoryEntry,
    HistoryList,
    LogEntry,
    LogIn,
    LogList,
    Member,
    MemberIn,
    MyFamilies,
    PersonDetail,
    PersonIn,
    PersonOut,
    PersonPage,
    PhoneOut,
    RollupPage,
    UnitCount,
)
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import UnitKind

WRITE, READ = roles.CASEWORK, roles.CASEWORK_READ
CONTACT = roles.CONTACT_PERSON
REF_KIND = store.REF_KIND


def chain(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def scoped_unit(unit_id: str, by: Principal) -> tuple[Any, str]:
    """(unit, path) when the unit is in the caller's subtree; 404 alike for a missing unit."""
    path = orgs.scoped_path(unit_id, by)
    return orgs.get_unit(unit_id), path


def hospital(unit_id: str, by: Principal) -> tuple[Any, str]:
    unit, path = scoped_unit(unit_id, by)
    if unit.kind != UnitKind.hospital_union:
        raise errors.validation_failed([FieldError("unit_id", "一线人员档案由所在医院的工会填报，请选择医院工会")])
    return unit, path


def id_hash(id_number: str) -> str:
    return personal.keyed_hash("frontline-id", id_number)


def person_record(body: PersonIn, unit_id: str, path: str, person_id: str, by: Principal, at: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": person_id, "unit_id": unit_id, "unit_path": path, "name": body.name,
        "id_hash": id_hash(body.id_number), "id_masked": personal.mask_id_number(body.id_number),
        "phone": body.phone, "department": body.department, "role": body.role,
        "deployment": body.deployment.value, "period_start": body.period_start.isoformat(),
        "created_at": at, "created_by": by.actor, "version": 1, "members": 0,
    }
    if body.period_end:
        record["period_end"] = body.period_end.isoformat()
    return record


def person_ops(record: dict[str, Any]) -> list[db.Op]:
    """Everything a new household writes except the counters (which callers sum per unit)."""
    return store.register_person(record)


def flag_duplicates(hash_value: str) -> list[str]:
    """Mark every household holding this ID hash in more than one hospital; returns their ids.
    Run after each write, so two hospitals entering the same person at once both see it. Each unit
    above any of the households gets the group in its duplicates view."""
    entries = store.id_index(hash_value)
    if len(entries) < 2:
        return []
    units: set[str] = set()
    for entry in entries:
        path = orgs.unit_path(entry["unit_id"])
        units.update(chain(path))
        try:
            uow.commit([store.flag_duplicate(entry["unit_id"], entry["person_id"], hash_value),
                        *store.count(path, {"duplicates": 1})])
        except errors.ProblemError as exc:
            if exc.status != 409:
                raise
    groups = sorted(units)
    for start in range(0, len(groups), 90):
        uow.commit([store.show_duplicate_group(u, hash_value) for u in groups[start:start + 90]])
    return [str(e["person_id"]) for e in entries]


def create_person(unit_id: str, body: PersonIn, by: Principal) -> PersonOut:
    unit, path = hospital(unit_id, by)
    at = audit.now_iso()

    def build(reference: str) -> list[db.Op]:
        record = person_record(body, unit.id, path, reference, by, at)
        return [*store.register_person(record), *store.count(path, {"persons": 1}),
                audit.entry(actor=by.actor, action="frontline.create", entity="frontline", entity_id=reference,
                            unit_id=unit.id, after=record)]

    person_id = refs.create_with_reference(build)
    flag_duplicates(id_hash(body.id_number))
    item = store.get_person(person_id, consistent=True)
    assert item is not None
    return to_out(item, by, mask=False)


def _entries_seen_by(hash_value: str, by: Principal) -> tuple[list[dict[str, Any]], bool]:
    """The ID-index entries of a hash inside the caller's subtree, and whether any lie outside it."""
    inside, outside = [], False
    for entry in store.id_index(hash_value):
        if by.covers(orgs.unit_path(entry["unit_id"])):
            inside.append(entry)
        else:
            outside = True
    return inside, outside


def duplicates_of(item: dict[str, Any], by: Principal) -> list[Duplicate]:
    """Other households with the household's ID number: named inside the caller's subtree; outside
    it one note, with no unit, person or reference (those are for the city to check)."""
    inside, outside = _entries_seen_by(item["id_hash"], by)
    found = [Duplicate(unit_id=e["unit_id"], unit_name=orgs.get_unit(e["unit_id"]).name, person_id=e["person_id"])
             for e in inside if e["person_id"] != item["id"]]
    return [*found, Duplicate(note=ELSEWHERE)] if outside else found


def to_out(item: dict[str, Any], by: Principal, mask: bool = True, dups: bool = True,
           unit_name: str | None = None) -> PersonOut:
    dups = dups and "id_hash" in item  # an erased household's ID hash is gone, and with it its duplicates
    item = retention.for_staff(item)
    contact = item.get("contact_person")
    return PersonOut(
        id=item["id"], unit_id=item["unit_id"], unit_name=unit_name or orgs.get_unit(item["unit_id"]).name,
        name=item["name"],
        id_masked=item["id_masked"], phone=personal.mask_phone(item["phone"]) if mask else item["phone"],
        department=item["department"], role=item["role"], deployment=item["deployment"],
        deployment_label=DEPLOYMENT_LABELS[item["deployment"]], period_start=item["period_start"],
        period_end=item.get("period_end"), contact_person=contact, contact_person_name=item.get("contact_person_name"),
        duplicates=duplicates_of(item, by) if dups and item.get("duplicate", True) else [],
        version=item["version"], created_at=item["created_at"], demo=demo.marked(item))


# --- reading: staff in scope, or the family's own contact person -------------------------------

def can_read(by: Principal, item: dict[str, Any]) -> bool:
    if by.roles & set(READ) and by.covers(item["unit_path"]):
        return True
    return CONTACT in by.roles and item.get("contact_person") == by.id and by.covers(item["unit_path"])


def load(person_id: str, by: Principal, write: bool = False, erased_ok: bool = False) -> dict[str, Any]:
    """The household, or 404 alike when missing or not the caller's to see. Writes that would store
    new personal data for a household erased at the person's request are refused (409)."""
    item = store.get_person(person_id.upper(), consistent=True) if len(person_id) <= 20 else None
    if item is None or not can_read(by, item):
        raise errors.not_found()
    if write and not (by.roles & set(WRITE) and by.covers(item["unit_path"])) and item.get("contact_person") != by.id:
        raise errors.not_found()
    if write and not erased_ok and retention.erased(item):
        raise errors.conflict(f"这个家庭的个人信息{personal.ERASED_BY_REQUEST}，不能再登记新的信息。", "erased")
    return item


def detail(person_id: str, by: Principal) -> PersonDetail:
    item = load(person_id, by)
    members = [member_out(m) for m in store.household(item["id"], "MEMBER#")]
    return PersonDetail(**to_out(item, by, mask=False).model_dump(), members=members)


def member_out(item: dict[str, Any]) -> Member:
    """A family member as staff see it (after erasure: the marker, and no age)."""
    shown = retention.for_staff(item)
    return Member(**{k: shown[k] for k in Member.model_fields if k != "age"},
                  age=item["age"] if isinstance(item.get("age"), int) else None)


def unit_persons(unit_id: str, cursor: str | None, by: Principal) -> PersonPage:
    scoped_unit(unit_id, by)
    scope = f"frontline:{unit_id}:{by.unit_path}"
    items, last = store.unit_page(unit_id, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return PersonPage(items=[to_out(i, by) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def rollup(unit_id: str, cursor: str | None, by: Principal) -> RollupPage:
    """The unit and every unit under it (tree order) with the counts of each one's subtree."""
    scoped_unit(unit_id, by)
    page = orgs.subtree(unit_id, cursor)
    rows = []
    for unit in page.items:
        c = store.counters(unit.id)
        persons, covered = c.get("persons", 0), c.get("covered", 0)
        rows.append(UnitCount(unit_id=unit.id, unit_name=unit.name, kind_label=unit.kind_label, depth=unit.depth,
                              persons=persons, members=c.get("members", 0), covered=covered,
                              uncovered=persons - covered, duplicates=c.get("duplicates", 0)))
    return RollupPage(items=rows, next_cursor=page.next_cursor)


def unit_figures(unit_id: str) -> dict[str, int]:
    """Counts of the unit's subtree from its counters: households (one per frontline person), family
    members, households with and without a contact person."""
    c = store.counters(unit_id)
    persons, covered = int(c.get("persons", 0)), int(c.get("covered", 0))
    return {"persons": persons, "members": int(c.get("members", 0)), "covered": covered,
            "uncovered": persons - covered}


def duplicates(unit_id: str, by: Principal) -> PersonPage:
    scoped_unit(unit_id, by)
    items = [store.get_person(d["person_id"]) for d in store.duplicates(unit_id)]
    return PersonPage(items=[to_out(i, by) for i in items if i])


def duplicate_groups(unit_id: str, cursor: str | None, by: Principal) -> DuplicateGroupPage:
    """Each ID number held by households in more than one hospital, where one of them lies under the
    unit: the households the caller may see, by name; any others only as a note."""
    scoped_unit(unit_id, by)
    scope = f"fldupgroups:{unit_id}:{by.unit_path}"

    def group(pointer: dict[str, Any]) -> DuplicateGroup | None:
        inside, outside = _entries_seen_by(pointer["SK"], by)
        persons = [p for p in (store.get_person(e["person_id"]) for e in inside) if p and p.get("id_hash")]
        if not persons or len(persons) + (1 if outside else 0) < 2:
            return None  # no longer a duplicate (a household was erased)
        records = [DuplicateRecord(unit_id=p["unit_id"], unit_name=orgs.get_unit(p["unit_id"]).name,
                                   person_id=p["id"], name=p["name"], created_at=p["created_at"])
                   for p in persons]
        return DuplicateGroup(id_masked=persons[0]["id_masked"], records=records, note=ELSEWHERE if outside else None)

    groups, last = db.kept_page(functools.partial(store.dup_groups, unit_id), group, pagination.size(50),
                                pagination.decode_cursor(cursor, scope), db.page_keys())
    return DuplicateGroupPage(items=groups, next_cursor=pagination.encode_cursor(last, scope))


def uncovered(unit_id: str, cursor: str | None, by: Principal) -> PersonPage:
    """Households of the unit and the units under it that have no contact person yet (per hospital
    of the subtree page, a Query and a BatchGetItem per 100 households; the cursor pages through the
    subtree)."""
    scoped_unit(unit_id, by)
    page = orgs.subtree(unit_id, cursor)
    found = []
    for unit in page.items:
        # Households are registered by hospitals only (hospital()); the counters cannot tell, as they
        # leave demo households out.
        if unit.kind != UnitKind.hospital_union:
            continue
        start = None
        while True:
            pointers, start = store.uncovered(unit.id, 100, start)
            persons = store.get_persons([p["person_id"] for p in pointers])
            for p in pointers:
                item = persons.get(p["person_id"])
                if item and item["unit_id"] == unit.id:
                    found.append(to_out(item, by, dups=False))
            if not start:
                break
    return PersonPage(items=found, next_cursor=page.next_cursor)


# --- family members --------------------------------------------------------------------------------

def add_member(person_id: str, body: MemberIn, by: Principal) -> Member:
    item = load(person_id, by, write=True)
    member_id = secrets.token_hex(4).upper()
    record = {"id": member_id, "name": body.name, "relation": body.relation, "age": body.age, "needs": body.needs,
              "address": body.address, "created_at": audit.now_iso(), "created_by": by.actor}
    with demo.of(item):
        uow.commit([
            *store.add_member(item["id"], record),
            *store.count(item["unit_path"], {"members": 1}),
            audit.entry(actor=by.actor, action="frontline.member", entity="frontline", entity_id=item["id"],
                        unit_id=item["unit_id"], after=record),
        ])
    return member_out(record)


def edit_member(person_id: str, member_id: str, body: MemberIn, by: Principal) -> Member:
    """Put a member's details right (same callers as adding one); the cover enrolment follows the new
    name and relation, so the insurer's list names the member as the archive does."""
    item = load(person_id, by, write=True)
    member = store.get_member(item["id"], member_id.upper()) if len(member_id) <= 20 else None
    if member is None:
        raise errors.not_found()
    changes = {"name": body.name, "relation": body.relation, "age": body.age, "needs": body.needs,
               "address": body.address, "edited_at": audit.now_iso(), "edited_by": by.actor}
    before = {f: member.get(f) for f in store.MEMBER_FIELDS}
    after = {f: changes[f] for f in store.MEMBER_FIELDS}
    if before == after:
        return member_out(member)  # nothing to put right: no write, no audit entry
    ops = [store.edit_member(item["id"], member["id"], changes)]
    if store.get_cover(item["id"], member["id"]) is not None:
        ops.append(store.rename_cover(item["id"], member["id"], body.name, body.relation))
    uow.commit([*ops, audit.entry(actor=by.actor, action="frontline.member.edit", entity="frontline",
                                  entity_id=item["id"], unit_id=item["unit_id"], before=before, after=after)])
    return member_out({**member, **changes})


# --- contact persons ---------------------------------------------------------------------------------

NO_CONTACT_ACCOUNT = ("没有这个登录名的一对一联系人账号。联系人须先有本院（或上级工会）开设的、角色为「一对一联系人」"
                      "且在用的工作人员账号（在「组织与人员」页开设），再用同一个登录名登记。")


def contact_account_ok(username: str, unit_path: str, by: Principal) -> bool:
    """Is there an active staff account of this login, in the contact person's role, that can see the
    unit's families (its own unit is the unit or one above it) and lies in the caller's subtree?"""
    return orgs.acts_over(username, unit_path, (CONTACT,), by)


def register_contact(unit_id: str, body: ContactIn, by: Principal) -> Contact:
    unit, path = hospital(unit_id, by)
    if not contact_account_ok(body.username, path, by):
        raise errors.validation_failed([FieldError("username", NO_CONTACT_ACCOUNT)])
    record = {"username": body.username, "name": body.name, "kind": body.kind.value}
    uow.commit([
        store.register_contact(unit.id, record),
        audit.entry(actor=by.actor, action="frontline.contact.register", entity="frontline_contact",
                    entity_id=f"{unit.id}#{body.username}", unit_id=unit.id, after=record),
    ])
    return Contact(**record, kind_label=CONTACT_KIND_LABELS[record["kind"]], families=0)


def list_contacts(unit_id: str, by: Principal) -> ContactList:
    scoped_unit(unit_id, by)
    return ContactList(items=[Contact(username=c["username"], name=c["name"], kind=c["kind"],
                                      kind_label=CONTACT_KIND_LABELS[c["kind"]], families=c.get("families", 0))
                              for c in store.contacts(unit_id)])


def assign_contact(person_id: str, body: AssignIn, by: Principal) -> PersonOut:
    """Exactly one active contact per household: the household's version guards the change, the
    old contact's pointer goes, the new one's comes, and the history keeps who it was before."""
    item = load(person_id, by)
    if not (by.roles & set(WRITE) and by.covers(item["unit_path"])):
        raise errors.not_found()
    old = item.get("contact_person")
    if old == body.username:
        return to_out(item, by)
    contact = store.get_contact(item["unit_id"], body.username)
    if contact is None:
        raise errors.validation_failed([FieldError("username", "这位联系人还没有登记为本院的一对一联系人")])
    if not contact_account_ok(body.username, item["unit_path"], by):
        raise errors.validation_failed([FieldError("username", NO_CONTACT_ACCOUNT)])
    ops = contact_change_ops(item, body.username, contact["name"], body.version, audit.now_iso(), by, body.reason)
    with demo.of(item):  # a demo family's change counts nowhere either
        uow.commit_versioned(ops, *store.person_key(item["id"]))
    return to_out({**item, "contact_person": body.username, "contact_person_name": contact["name"],
                   "version": body.version + 1}, by)


def contact_change_ops(item: dict[str, Any], username: str, name: str, version: int, at: str, by: Principal,
                       reason: str | None = None) -> list[db.Op]:
    """A household's contact becomes `username`: the household at the version read, the new contact's
    pointer and count, the history line, the audit entry; the former contact's pointer goes, or for a
    first contact the household is counted as covered."""
    pid, unit_id, old = item["id"], item["unit_id"], item.get("contact_person")
    entry = {"username": username, "name": name, "by": by.actor, **({"reason": reason} if reason else {})}
    ops = [
        store.set_contact(pid, username, name, version),
        *store.take_family(unit_id, username, pid),
        store.record_contact_change(pid, at, entry),
        audit.entry(actor=by.actor, action="frontline.contact.assign", entity="frontline", entity_id=pid,
                    unit_id=unit_id, before={"contact_person": old}, after={"contact_person": username}),
    ]
    if old:
        ops += store.release_family(unit_id, old, pid)
    else:
        ops += store.cover_family(unit_id, item["unit_path"], pid)
    return ops


def contact_history(person_id: str, by: Principal) -> HistoryList:
    item = load(person_id, by)
    history = [retention.for_staff(h) for h in store.household(item["id"], "CONTACTHIST#")]
    names = orgs.display_names(h["by"] for h in history)
    return HistoryList(items=[HistoryEntry(username=h["username"], name=h["name"], from_at=h["from_at"], by=h["by"],
                                           by_name=names.get(h["by"]), reason=h.get("reason")) for h in history])


BULK_CHUNK = 15  # households per transaction: 5 items each, with the counts and counters beside them


def assign_many(unit_id: str, body: BulkAssignIn, by: Principal) -> BulkAssigned:
    """One contact for many households of a hospital, all or nothing. Every household is checked
    first (in the caller's subtree, else 404 as if missing; of this hospital; not erased); then they
    are written in transactions of BULK_CHUNK households, each at the version read. Should a later
    transaction fail (someone changed a household meanwhile), the ones already written are undone,
    so no household keeps the new contact."""
    unit, path = hospital(unit_id, by)
    position: dict[str, int] = {}  # each household's first place in the list, for the field names
    for n, given in enumerate(body.person_ids):
        position.setdefault(given.upper(), n)
    ids = list(position)
    found = store.get_persons(ids)
    problems = []
    for pid in ids:
        n, item = position[pid], found.get(pid)
        if item is None or not by.covers(item["unit_path"]):
            raise errors.not_found()
        if item["unit_id"] != unit.id:
            problems.append(FieldError(f"person_ids.{n}", f"家庭 {pid} 不是本院登记的，请到它所在医院的档案中指定"))
        elif retention.erased(item):
            problems.append(FieldError(f"person_ids.{n}",
                                       f"家庭 {pid} 的个人信息{personal.ERASED_BY_REQUEST}，不能再指定联系人"))
    contact = store.get_contact(unit.id, body.contact)
    if contact is None:
        problems.insert(0, FieldError("contact", "这位联系人还没有登记为本院的一对一联系人，请先登记"))
    elif not contact_account_ok(body.contact, path, by):
        problems.insert(0, FieldError("contact", NO_CONTACT_ACCOUNT))
    if problems:
        raise errors.validation_failed(problems)
    assert contact is not None
    changing = [found[pid] for pid in ids if found[pid].get("contact_person") != body.contact]
    undo: list[list[db.Op]] = []
    for start in range(0, len(changing), BULK_CHUNK):
        chunk, at = changing[start:start + BULK_CHUNK], audit.now_iso()
        ops = bulk_ops(chunk, body.contact, contact["name"], at, by, body.reason)
        history = {str(op.params["Item"]["PK"]): str(op.params["Item"]["SK"])
                   for op in ops if op.name == "record_contact_change"}
        try:
            uow.commit(ops)
        except errors.ProblemError:
            for ops in reversed(undo):
                uow.commit(ops)
            raise
        undo.append(bulk_undo_ops(chunk, body.contact, history, by))
    return BulkAssigned(assigned=len(changing))


def _bulk_counts(items: list[dict[str, Any]], username: str, sign: int) -> list[db.Op]:
    """The counts a bulk change moves (each item once in a transaction): the contact's families, the
    former contacts' families, the covered households of each unit above the first-time ones."""
    unit_id = items[0]["unit_id"]
    former: dict[str, int] = {}
    covered: dict[str, int] = {}
    for item in items:
        if item.get("contact_person"):
            former[item["contact_person"]] = former.get(item["contact_person"], 0) + 1
        else:
            for unit in chain(item["unit_path"]):
                covered[unit] = covered.get(unit, 0) + 1
    return [store.count_families(unit_id, username, sign * len(items)),
            *[store.count_families(unit_id, old, -sign * n) for old, n in former.items()],
            *[store.counter_op(unit, {"covered": sign * n}) for unit, n in covered.items()]]


def bulk_ops(items: list[dict[str, Any]], username: str, name: str, at: str, by: Principal,
             reason: str | None) -> list[db.Op]:
    """Households of one hospital all get the contact `username` (each at the version read)."""
    entry = {"username": username, "name": name, "by": by.actor, **({"reason": reason} if reason else {})}
    ops: list[db.Op] = []
    for item in items:
        pid, old = item["id"], item.get("contact_person")
        ops += [store.set_contact(pid, username, name, item["version"]),
                store.point_to_family(item["unit_id"], username, pid),
                store.record_contact_change(pid, at, entry),
                store.drop_family_pointer(old, pid) if old else store.uncover(item["unit_id"], pid),
                audit.entry(actor=by.actor, action="frontline.contact.assign", entity="frontline", entity_id=pid,
                            unit_id=item["unit_id"], before={"contact_person": old},
                            after={"contact_person": username})]
    return ops + _bulk_counts(items, username, +1)


def bulk_undo_ops(items: list[dict[str, Any]], username: str, history: dict[str, str],
                  by: Principal) -> list[db.Op]:
    """What puts back households given the contact `username` by a bulk change that could not finish
    (`history`: the history line it wrote for each, by partition)."""
    ops: list[db.Op] = []
    for item in items:
        pid, old = item["id"], item.get("contact_person")
        pk = store.person_key(pid)[0]
        ops += [store.set_contact(pid, old, item.get("contact_person_name", ""), item["version"] + 1) if old
                else store.clear_contact(pid, item["version"] + 1),
                store.drop_family_pointer(username, pid),
                store.forget_contact_change(pid, history[pk]),
                store.point_to_family(item["unit_id"], old, pid) if old else store.mark_uncovered(item["unit_id"], pid),
                audit.entry(actor=by.actor, action="frontline.contact.assign.undone", entity="frontline",
                            entity_id=pid, unit_id=item["unit_id"], before={"contact_person": username},
                            after={"contact_person": old})]
    return ops + _bulk_counts(items, username, -1)


# --- the contact person's own families ---------------------------------------------------------------

MY_FAMILIES_PAGE = 100
PHONE_VIEW = "POST /staff/frontline/families/{person_id}/phone"
PackagesOf = Callable[[list[str]], tuple[dict[str, Any] | None, dict[str, list[dict[str, Any]]]]]
_packages_of: list[PackagesOf] = []


def show_packages_with(provider: PackagesOf) -> None:
    """Registered in app.py: the food-package service's current campaign and each family's recent
    packages in it, for the contact person's family cards."""
    _packages_of[:] = [provider]


def my_families(cursor: str | None, by: Principal) -> MyFamilies:
    """The contact person's families with all their cards show, in a handful of reads whatever their
    number: the pointers (one Query), the households, their members and latest log entry by the keys
    each household lists, the packages (in the delivery service) and the names of who wrote the logs,
    each a BatchGetItem per 100 keys, the calls of one read made at once."""
    scope = f"cpfam:{by.id}"

    def read(limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
        pointers, last = store.families_of(by.id, limit, start)
        found = store.get_persons([p["person_id"] for p in pointers])
        return [{**x, "person": found.get(str(x["person_id"]))} for x in pointers], last

    persons, last = db.kept_page(read, lambda x: x["person"] if x["person"] and can_read(by, x["person"]) else None,
                                 pagination.size(MY_FAMILIES_PAGE), pagination.decode_cursor(cursor, scope),
                                 db.page_keys())
    held = store.card_items(persons)
    campaign, packages = _packages_of[0]([p["id"] for p in persons]) if _packages_of and persons else (None, {})
    names = {u: orgs.get_unit(u).name for u in {str(p["unit_id"]) for p in persons}}
    cards = []
    writers = orgs.display_names(str(log.get("by")) for _, logs in held.values() for log in logs)
    for person in persons:
        members, logs = held[person["id"]]
        cards.append(FamilyCard(
            **to_out(person, by, dups=False, unit_name=names[person["unit_id"]]).model_dump(),
            members=[member_out(m) for m in members],
            logs=[log_out(i, writers) for i in map(retention.for_staff, logs)],
            packages=[CardPackage(**{k: v for k, v in p.items() if k in CardPackage.model_fields})
                      for p in packages.get(person["id"], [])]))
    return MyFamilies(items=cards, campaign=CardCampaign(**campaign) if campaign else None,
                      next_cursor=pagination.encode_cursor(last, scope))


def family_phone(person_id: str, by: Principal) -> PhoneOut:
    """The household's full phone number, for its own contact person to call; each view audited."""
    item = store.get_person(person_id.upper(), consistent=True) if len(person_id) <= 20 else None
    if item is None or not by.covers(item["unit_path"]):
        raise errors.not_found()
    if item.get("contact_person") != by.id:
        raise errors.forbidden("只有这个家庭的一对一联系人才能查看完整的手机号码。如需联系这个家庭，"
                               "请找它的联系人，或请本院工会为您指定。")
    if retention.erased(item):
        raise errors.conflict(f"这个家庭的个人信息{personal.ERASED_BY_REQUEST}，没有可以拨打的号码。", "erased")
    audit.record_view(by.actor, by.unit_id, PHONE_VIEW, [("person_id", item["id"])])
    return PhoneOut(phone=item["phone"])


# --- contact logs -------------------------------------------------------------------------------------

def add_log(person_id: str, body: LogIn, by: Principal) -> LogEntry:
    item = load(person_id, by, write=True)
    record, ops = log_ops(item, body, by)
    uow.commit(ops)
    return log_out(record, orgs.display_names([record["by"]]))


def log_out(item: dict[str, Any], names: dict[str, str]) -> LogEntry:
    """A contact log entry, its writer named (names from one `orgs.display_names` per answer)."""
    return LogEntry(**{k: v for k, v in item.items() if k in LogEntry.model_fields and k != "by_name"},
                    by_name=names.get(str(item.get("by"))))


def log_ops(item: dict[str, Any], body: LogIn, by: Principal,
            support_reference: str | None = None) -> tuple[dict[str, Any], list[db.Op]]:
    """A contact log entry for the family and its audit entry, for the caller's transaction."""
    at = audit.now_iso()
    record: dict[str, Any] = {"at": at, "kind": body.kind.value, "notes": body.notes, "by": by.id}
    if body.needs:
        record["needs"] = body.needs
    if support_reference:
        record["support_reference"] = support_reference
    return record, [
        *store.log_contact(item["id"], record),
        audit.entry(actor=by.actor, action="frontline.log", entity="frontline", entity_id=item["id"],
                    unit_id=item["unit_id"], after=record),
    ]


def logs(person_id: str, by: Principal) -> LogList:
    item = load(person_id, by)
    entries = [retention.for_staff(i) for i in store.household(item["id"], "LOG#")]
    names = orgs.display_names(str(i.get("by")) for i in entries)
    return LogList(items=[log_out(i, names) for i in entries])


# --- for other domains (delivery): a household as the food-package service needs it -------------------

_COUNTY_KINDS = {UnitKind.county_union, UnitKind.zone_union}


def county_of(unit_path: str) -> str | None:
    """The county or zone union a unit lies under, from its materialised path."""
    for unit_id in chain(unit_path):
        if orgs.get_unit(unit_id).kind in _COUNTY_KINDS:
            return unit_id
    return None


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    item = retention.for_staff(item)
    return {"family_id": item["id"], "unit_id": item["unit_id"], "unit_path": item["unit_path"],
            "name": item["name"], "phone": item["phone"], "contact_person": item.get("contact_person"),
            "county_unit_id": county_of(item["unit_path"]) or item["unit_id"]}


def family_by_reference(reference: str, phone: str) -> dict[str, Any]:
    """A household for the public forms: its reference and the phone registered with it; 404 alike."""
    kind, record = refs.resolve(reference, phone)
    if kind != REF_KIND:
        raise errors.not_found("未找到该编号，或手机号码与登记时不一致。")
    return _summary(record)


def family_for_staff(person_id: str, by: Principal, write: bool = False, erased_ok: bool = False) -> dict[str, Any]:
    """A household the caller may see (or act for, with write): staff in scope or its contact person."""
    return _summary(load(person_id, by, write=write, erased_ok=erased_ok))


def household_item(person_id: str) -> dict[str, Any] | None:
    """A household as stored (for other domains' services, which do not read this domain's store)."""
    return store.get_person(person_id)


def family_record(person_id: str) -> dict[str, Any] | None:
    item = store.get_person(person_id)
    return _summary(item) if item else None


def person_item(person_id: str) -> dict[str, Any] | None:
    """An archive record as stored, without a scope check (recuperation books the nominee's phone)."""
    return store.get_person(person_id)


# --- the weekly reminder to contact persons ---------------------------------------------------------

QUIET_DAYS = 7  # a family not contacted for this long is on its contact person's reminder


def _last_contact(person: dict[str, Any]) -> str:
    """When the family was last contacted ('' for never): the time in its latest log's key."""
    last = str(person.get("last_log") or "")
    return last.split("#")[1] if last.count("#") >= 2 else ""


def send_contact_reminders(now: str | None = None) -> int:
    """Once a week: each contact person with families not contacted for QUIET_DAYS gets one alert
    listing them (names masked), through their unit's alert channels, with their username so a text
    can go to them. Reads are Queries and BatchGetItems: the tree index for the units, each
    hospital's registered contacts (FLCONTACTS#<unit>), each contact's families (CPFAM#<username>)
    and those households by key. The alert's id names the contact and the week: a second run adds
    nothing. Returns how many alerts were put."""
    now = now or times.now_seconds()
    cutoff = (times.parse(now) - timedelta(days=QUIET_DAYS)).isoformat(timespec="seconds").replace("+00:00", "Z")
    week = times.local_date(now).isocalendar()
    put = 0
    for unit in orgs.all_units():
        for contact in store.contacts(unit["id"]):
            username = str(contact["SK"])
            ids: list[str] = []
            start: dict[str, Any] | None = None
            while True:
                pointers, start = store.families_of(username, 500, start)
                ids += [str(p["SK"]) for p in pointers]
                if not start:
                    break
            quiet = sorted((p for p in store.get_persons(ids).values()
                            if not retention.erased(p) and _last_contact(p) < cutoff), key=_last_contact)
            if not quiet:
                continue
            families = templates.shorten("、".join(personal.mask_name(str(p["name"])) + "家" for p in quiet),
                                         templates.PARAM_MAX * 3)
            op = outbox.to_unit("staff_contact_reminder", unit["id"],
                                {"contact": str(contact.get("name", username))[:templates.PARAM_MAX],
                                 "count": str(len(quiet)), "families": families},
                                outbox.about("contact", f"{unit['id']}#{username}"),
                                message_id=f"staff_contact_reminder-{unit['id']}-{username}-{week[0]}w{week[1]}")
            op.params["Item"]["for_staff"] = username
            try:
                uow.commit([op])
                put += 1
            except errors.ProblemError as exc:
                if exc.status != 409:  # 409: this week's reminder is already out
                    raise
    return put
