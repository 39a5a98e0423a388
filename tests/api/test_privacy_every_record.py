"""The retention policy over everything the write routes store, not only support requests: every
route's valid call (the same ones the fault and hostile-field suites use) runs once on one table;
then every stored record type holding a phone, name, address or ID has a retention rule, and after
the retention date the purge leaves none of the people's phones, names or addresses."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

import app  # noqa: F401 - registers every route
from chalicelib.core import retention
from chalicelib.privacy import purge, rules  # noqa: F401 - registers the rules
from tests.api.access_cases import Context
from tests.conftest import scans_allowed
from tests.unit.test_faults import CALLABLE, valid_call

PERSONAL_KEYS = {"phone", "name", "address", "id_hash", "id_masked", "phone_hash", "contact_name",
                 "contact_phone"}
# The union's own records: its units, staff (counsellors are staff), partners, audit, campaigns.
NOT_PERSONAL = ("unit", "staff", "counsellor", "audit", "audit_view", "partner", "delivery_campaign",
                "unit_alert_phones", "unit_webhook")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mainland mobile number, not part of a longer number
# A random id (a message's uuid4 hex, an Idempotency-Key) can hold eleven digits in a row that look
# like a phone (about one id in 700): ids are taken out before the text is searched for phones.
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


@pytest.fixture
def ctx(fresh: SimpleNamespace) -> Context:
    return Context(fresh.client, fresh.token)


def _items(table_name: str) -> list[dict[str, Any]]:
    with scans_allowed():
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(table_name)
        page = table.scan()
        items = page["Items"]
        while "LastEvaluatedKey" in page:
            page = table.scan(ExclusiveStartKey=page["LastEvaluatedKey"])
            items += page["Items"]
        return items


def phones_in(item: dict[str, Any]) -> list[str]:
    """The mobile numbers anywhere in an item, its keys included, but not inside a random id."""
    return PHONE.findall(UUID.sub("-", json.dumps(item, default=str)))


def test_phones_are_found_in_any_field_but_not_inside_a_random_id():
    item = {"PK": "MSG#5d14437838942e0c9a1b2c3d4e5f6a7b", "id": "5d14437838942e0c9a1b2c3d4e5f6a7b",
            "GSI1SK": "2026-11-30T08:00:00Z#5d14437838942e0c9a1b2c3d4e5f6a7b", "ttl": 1796083200}
    assert phones_in(item) == []
    assert phones_in(item | {"GSI2PK": "PHONE#13812345678"}) == ["13812345678"]
    assert phones_in(item | {"params": {"note": "请拨 13812345678"}}) == ["13812345678"]


def test_every_record_the_routes_store_has_a_rule_and_the_purge_leaves_no_phone(ctx, fresh):
    for route in CALLABLE:
        method, path, body, token = valid_call(ctx, route)
        response = ctx.call(method, path, body, token)
        assert response.status_code < 300, (route, response.body)

    items = _items(fresh.table)
    types = {i.get("type") for i in items}
    assert {"support_request", "booking_registration", "delivery_package", "frontline_person", "firm",
            "opening_interest", "hardship_worker"} <= types, sorted(map(str, types))
    missing = sorted({str(i.get("type")) for i in items if PERSONAL_KEYS & set(i)
                      and i.get("type") not in NOT_PERSONAL and i.get("type") not in retention.RULES})
    assert missing == [], f"record types with personal fields and no retention rule: {missing}"

    ended = date.today() - timedelta(days=200)
    policy = ctx.call("PUT", "/admin/privacy-policy", {"epidemic_ended_on": ended.isoformat(), "retention_days": 180},
                      ctx.admin)
    assert policy.status_code == 200, policy.body
    with scans_allowed():
        purge.purge()
    # Idempotency records keep a response for a retry and expire by DynamoDB TTL within the day.
    left = [i for i in _items(fresh.table) if i.get("type") not in NOT_PERSONAL and not (
        i.get("type") is None and "ttl" in i)]
    phones = {(str(i.get("type")), p) for i in left for p in phones_in(i)}
    assert phones == set(), f"phones left after the purge: {sorted(phones)}"
    kept = sorted({(str(i["type"]), f) for i in left if i.get("type") in retention.RULES
                   for f in retention.RULES[i["type"]].personal_fields if i.get(f)})
    assert kept == [], f"personal fields left after the purge: {kept}"
    deleted = {t for t, rule in retention.RULES.items() if rule.delete}
    assert not [i for i in left if i.get("type") in deleted], "records that exist only to find a person are left"
