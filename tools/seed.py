"""Seed data for the local stack and the tests: the union tree from the notice's addressee list,
with a few demo hospital and enterprise unions, and demo staff accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import db
from chalicelib.orgs import service as orgs
from chalicelib.orgs import store as orgs_store
from chalicelib.support import store as support_store

SEED_DIR = Path(__file__).resolve().parent / "seed"


def load_units() -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = json.loads((SEED_DIR / "units.json").read_text("utf-8"))["units"]
    return units


def load_staff() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEED_DIR / "staff.json").read_text("utf-8"))
    return data


def unit_paths(units: list[dict[str, Any]]) -> dict[str, str]:
    by_id = {u["id"]: u for u in units}
    paths: dict[str, str] = {}

    def path_of(unit_id: str) -> str:
        if unit_id not in paths:
            parent = by_id[unit_id].get("parent_id")
            paths[unit_id] = (path_of(parent) if parent else "/") + unit_id + "/"
        return paths[unit_id]

    for unit in units:
        path_of(unit["id"])
    return paths


def seed_units(units: list[dict[str, Any]] | None = None) -> int:
    """Write each seed unit (all of units.json by default) that is not there yet; returns how many
    were written. A unit's parent must be among the units or already in the table's seed tree."""
    units = load_units() if units is None else units
    paths = unit_paths(load_units())
    written = 0
    for unit in units:
        item = orgs_store.unit_item({k: v for k, v in unit.items() if v is not None}, paths[unit["id"]])
        try:
            db.table().put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
            written += 1
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    orgs.forget_units()  # units written here, not through orgs: this process reads them afresh
    return written


def seed_staff_records(staff: list[dict[str, Any]], totp: set[str] | None = None) -> int:
    """The demo staff's membership records (their accounts are made in Cognito separately). Those
    named in `totp` have a TOTP second factor enrolled in Cognito: their records say so, also when
    the record was kept from an earlier start."""
    from chalicelib.core import audit

    written = 0
    for person in staff:
        record = {"username": person["username"], "name": person["name"], "unit_id": person["unit_id"],
                  "roles": person["roles"], "status": "active", "created_at": audit.now_iso(),
                  "created_by": "seed", "version": 1}
        if person["username"] in (totp or set()):
            record["mfa"] = "totp"
        try:
            db.table().put_item(Item=orgs_store.staff_item(record), ConditionExpression="attribute_not_exists(PK)")
            written += 1
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if "mfa" in record:
                db.table().update_item(Key=dict(zip(("PK", "SK"), orgs_store.staff_key(person["username"]),
                                                    strict=True)),
                                       UpdateExpression="SET mfa = :totp", ExpressionAttributeValues={":totp": "totp"})
        if "counsellor" in person:
            seed_counsellor(person)
    return written


def seed_counsellor(person: dict[str, Any]) -> None:
    """A demo counsellor in the city's pool, on duty and with no cases; kept as it is if already there."""
    pk, sk = support_store.counsellor_key(person["username"])
    profile = person["counsellor"]
    try:
        db.table().put_item(Item={"PK": pk, "SK": sk, "type": "counsellor", "name": person["name"],
                                  "qualification": profile["qualification"],
                                  "availability": profile["availability"], "active": True, "open_cases": 0},
                            ConditionExpression="attribute_not_exists(PK)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
