"""A contact person's families page on the local stack: GET /api/staff/frontline/my-families for 100
families (each with a family member and contact logs, a food-package campaign running), one request
per page of 100, against the calls the page made before (the list, then each family's logs and
packages, one request each).

`python -m tools.bench.frontline` runs it alone and prints the figures (the section `make bench` writes
into docs/benchmarks.md) on stdout; `make bench` includes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from tools.bench.measure import Timing, counting_dynamodb_calls, quiet_app_log
from tools.localstack import Stack

FAMILIES = 100
HOSPITAL = "demo-taishan-hospital"
CONTACT = "bench.contact"
PASSWORD = "Bench-2020-ws!"  # noqa: S105 - a throwaway account on the benchmark's own local stack
CAMPAIGN = "bench-campaign"
TARGET_MS = 1000


def _get(url: str, token: str) -> tuple[Any, float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    return body, (time.perf_counter() - started) * 1000


def _prepare(stack: Stack) -> str:
    """100 households of the demo hospital, each with a member and two contact logs, all assigned
    to one contact person (whose ID token is returned); a campaign under way."""
    from datetime import date

    from chalicelib.core import db
    from chalicelib.core.auth import Principal
    from chalicelib.delivery import service as delivery
    from chalicelib.delivery.models import CampaignIn
    from chalicelib.frontline import service
    from chalicelib.frontline.models import BulkAssignIn, ContactIn, LogIn, MemberIn, PersonIn
    from chalicelib.orgs import service as orgs
    from chalicelib.orgs import store as orgs_store
    from tools import cognito

    db.reset_clients()
    idp = boto3.client("cognito-idp", endpoint_url=stack.env["COGNITO_ENDPOINT"], region_name="us-east-1")
    cognito.create_staff_user(idp, stack.pool, CONTACT, "基准测试联系人", HOSPITAL, ["contact_person"], PASSWORD)
    db.table().put_item(Item=orgs_store.staff_item({
        "username": CONTACT, "name": "基准测试联系人", "unit_id": HOSPITAL, "roles": ["contact_person"],
        "status": "active", "created_at": "2020-02-18T00:00:00.000Z", "created_by": "bench", "version": 1}))
    orgs.forget_staff_record(CONTACT)
    admin = Principal(kind="staff", id="bench.admin", unit_id="city", unit_path="/city/",
                      roles=frozenset({"city_admin"}))
    contact = Principal(kind="staff", id=CONTACT, unit_id=HOSPITAL, unit_path=orgs.unit_path(HOSPITAL),
                        roles=frozenset({"contact_person"}))
    delivery.save_campaign(CAMPAIGN, CampaignIn.model_validate({
        "name": "基准测试爱心蔬菜", "start_date": (date.today().replace(day=1)).isoformat(), "cap_fen": 8000,
        "price_fen": 7500, "funded_by": "city", "suppliers": []}), admin)
    service.register_contact(HOSPITAL, ContactIn(username=CONTACT, name="基准测试联系人", kind="volunteer"), admin)
    from chalicelib.core.personal import id_check_character

    ids = []
    for n in range(FAMILIES):
        first17 = f"37091119850101{n:03d}"
        person = service.create_person(HOSPITAL, PersonIn.model_validate({
            "name": f"医生{n}", "id_number": first17 + id_check_character(first17), "phone": f"139{n:08d}",
            "department": "呼吸内科", "role": "护士", "deployment": "fever_clinic", "period_start": "2020-01-25"}),
            admin)
        ids.append(person.id)
        service.add_member(person.id, MemberIn(name="李奶奶", relation="母亲", age=78, needs="独居，需要买菜送药",
                                               address="泰山区某某路 1 号"), admin)
    service.assign_many(HOSPITAL, BulkAssignIn(contact=CONTACT, person_ids=ids), admin)
    for person_id in ids:
        for notes in ("电话问候，老人身体还好", "上门送药"):
            service.add_log(person_id, LogIn(kind="phone", notes=notes), contact)
    return str(cognito.sign_in(idp, stack.pool, CONTACT, PASSWORD)["IdToken"])


def run(stack: Stack, samples: int = 20) -> dict[str, Any]:
    token = _prepare(stack)
    url = f"{stack.url}/api/staff/frontline/my-families"
    body, _ = _get(url, token)  # warm up
    assert len(body["items"]) == FAMILIES, len(body["items"])
    with counting_dynamodb_calls() as counts:
        _get(url, token)
    one = Timing("one request", [_get(url, token)[1] for _ in range(samples)])

    def former() -> float:
        started = time.perf_counter()
        for family in body["items"]:
            _get(f"{stack.url}/api/staff/frontline/families/{family['id']}/logs", token)
            _get(f"{stack.url}/api/staff/delivery/families/{family['id']}/packages?campaign_id={CAMPAIGN}", token)
        return (time.perf_counter() - started) * 1000 + one.p50

    per_family = Timing("per family", [former() for _ in range(3)])
    return {"one": one, "per_family": per_family, "calls": dict(counts)}


def report(stack: Stack) -> list[str]:
    figures = run(stack)
    one: Timing = figures["one"]
    per: Timing = figures["per_family"]
    calls = ", ".join(f"{name} {n}" for name, n in sorted(figures["calls"].items()))
    return [
        f"## Contact person's families: GET /api/staff/frontline/my-families, {FAMILIES} families", "",
        f"Engine: {stack.engine.name}. What is timed: one GET /api/staff/frontline/my-families over HTTP on "
        "loopback to the local stack (its front server, the Chalice app with the staff authorizer checking "
        "the contact person's Cognito ID token, DynamoDB), from sending the request to the parsed JSON "
        f"answer: all {FAMILIES} families assigned to one contact person of one hospital, each with a "
        "family member and two contact logs (the card shows the latest), under a food-package campaign "
        "in its current week (no family signed up, so its package keys are read and found empty). "
        f"{len(one.samples_ms)} requests one after another, after one to warm up. DynamoDB calls are "
        "those of one more request: the authorizer's staff record (a GetItem, unless cached) and the read's "
        "audit entry (a PutItem) included.",
        "The baseline is what the page did before: the same list, then each family's logs and packages, "
        "two requests per family, one after another "
        f"({len(per.samples_ms)} rounds; its p95 column is the slowest round).", "",
        "| contender | mean ms | p50 ms | p95 ms | DynamoDB calls per request |", "|---|---|---|---|---|",
        f"| one request ({len(one.samples_ms)} samples) | {one.mean:.0f} | {one.p50:.0f} | {one.p95:.0f} | {calls} |",
        f"| list + 2 requests per family ({len(per.samples_ms)} rounds) | {per.mean:.0f} | {per.p50:.0f} | "
        f"{max(per.samples_ms):.0f} | |", "",
        f"**Ratio one request (p50) / {TARGET_MS} ms target: {one.p50 / TARGET_MS:.2f}; "
        f"per family / one request (means): {per.mean / one.mean:.1f}**", "",
    ]


def main() -> int:
    import tempfile

    from tools.localstack import DEFAULT_SITE, start_stack

    with tempfile.TemporaryDirectory() as data, open(os.devnull, "w") as sink:
        stack, warning = start_stack(Path(data), port=0, site_dir=DEFAULT_SITE, seed_staff=False)
        quiet_app_log(sink)
        try:
            if warning:
                print(warning)
            with contextlib.redirect_stdout(sink):  # the app's metrics lines, printed by every request
                lines = report(stack)
            print("\n".join(lines))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
