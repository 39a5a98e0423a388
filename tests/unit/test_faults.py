"""DynamoDB faults on every write route: throttling, transaction conflicts and timeouts are retried
with backoff into a success, or answered 503 problem+json with nothing half-written, also when the
fault starts after the request's first writes went through.

Faults are injected where botocore receives DynamoDB's answer (under its retry handler, so botocore
retries them as it would real ones), for DynamoDB only, on a fake clock that never waits. Staff
routes get their valid calls from the access-matrix cases (every staff route has one), public
routes from PUBLIC_CALLS below; a write route with neither fails the suite. The hostile-field
suite (tests/api/test_hostile_fields.py) starts from the same valid calls.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

import app  # noqa: F401 - registers every route
from chalicelib.core import api, db, errors
from chalicelib.identity import service as identity_service
from chalicelib.recruitment.credit import check_character
from tests.api import conftest as api_fixtures
from tests.api.access_cases import Context, all_cases
from tests.api.access_cases import booking as booking_cases
from tests.api.access_cases import delivery as delivery_cases
from tests.api.access_cases import frontline as frontline_cases
from tests.api.access_cases import recruitment as recruitment_cases
from tests.api.helpers import count_items, post_json, support_body

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITE_ROUTES = sorted({(d.method, d.path) for d in api.REGISTRY if d.method in WRITE_METHODS})
AUDIENCE = {(d.method, d.path): d.audience for d in api.REGISTRY}
ROLES_OF = {(d.method, d.path): d.roles for d in api.REGISTRY}
STAFF_CASES = all_cases()
IN_SCOPE_TARGET = "demo-taishan-factory"


DYNAMODB_WRITES = {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


def _created_reference(ctx: Context) -> dict[str, Any]:
    response = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()))
    assert response.status_code == 201, response.body
    return {"reference": json.loads(response.body)["reference"], "phone": "13800138000"}


def _registration(ctx: Context) -> dict[str, Any]:
    session = booking_cases.existing_session(ctx, IN_SCOPE_TARGET)
    response = ctx.call("POST", f"/sessions/{session}/registrations", _registration_body(), None)
    assert response.status_code == 201, response.body
    return {"reference": json.loads(response.body)["reference"], "phone": "13900139000"}


def _registration_body() -> dict[str, Any]:
    return {"name": "测试", "phone": "13900139000", "consent": True, "consent_version": "2020-02-v1"}


def _family_signup(ctx: Context) -> tuple[str, dict[str, Any]]:
    delivery_cases.ensure_campaign(ctx)
    _, family, _ = frontline_cases.new_family(ctx, IN_SCOPE_TARGET)
    return "/delivery/signups", {"reference": family, "phone": "13900139000", "address": "泰山区某某路 8 号",
                                 "window": "morning", "consent": True, "consent_version": "2020-02-v1"}


def _firm(ctx: Context) -> tuple[str, dict[str, Any]]:
    head = f"91370902{random.randrange(10**9):09d}"
    return "/firms", {"name": "测试复工企业", "credit_code": head + check_character(head),
                      "county_unit_id": "taishan", "industry": "manufacturing", "address": "测试路 1 号",
                      "contact_name": "李经理", "contact_phone": "13700137000", "consent": True,
                      "consent_version": "2020-02-v1"}


def _opening(ctx: Context) -> tuple[str, dict[str, Any]]:
    firm, phone = recruitment_cases.existing_firm(ctx, IN_SCOPE_TARGET, approve=True)
    return "/openings", {"firm_reference": firm, "phone": phone, "title": "装配工", "headcount": 3,
                         "wage_min": 3000, "wage_max": 4000, "shift": "fixed", "place": "测试路 1 号",
                         "requirements": "无", "valid_until": (date.today() + timedelta(days=10)).isoformat()}


def _interest(ctx: Context) -> tuple[str, dict[str, Any]]:
    opening = recruitment_cases.existing_opening(ctx, IN_SCOPE_TARGET)
    approved = ctx.call("POST", f"/staff/openings/{opening}/review", recruitment_cases.APPROVE, ctx.admin)
    assert approved.status_code == 200, approved.body
    return f"/openings/{opening}/interest", {"name": "求职者", "phone": "13600136000", "share_phone": True,
                                             "consent": True, "consent_version": "2020-02-v1"}


def _firm_lookup(ctx: Context) -> tuple[str, dict[str, Any]]:
    reference, phone = recruitment_cases.existing_firm(ctx, IN_SCOPE_TARGET)
    return "/firms/interested", {"reference": reference, "phone": phone}


# Public write routes: how to make a valid call (path, body) once the setup has run.
PUBLIC_CALLS: dict[tuple[str, str], Callable[[Context], tuple[str, dict[str, Any]]]] = {
    ("POST", "/support-requests"): lambda ctx: ("/support-requests", support_body()),
    ("POST", "/status/lookup"): lambda ctx: ("/status/lookup", _created_reference(ctx)),
    ("POST", "/privacy/my-data"): lambda ctx: ("/privacy/my-data", _created_reference(ctx)),
    ("POST", "/messages/opt-out"): lambda ctx: ("/messages/opt-out", _created_reference(ctx)),
    ("POST", "/privacy/erase"): lambda ctx: ("/privacy/erase", {**_created_reference(ctx), "confirm": True}),
    ("POST", "/sessions/{session_id}/registrations"): lambda ctx: (
        f"/sessions/{booking_cases.existing_session(ctx, IN_SCOPE_TARGET)}/registrations", _registration_body()),
    ("POST", "/bookings/cancel"): lambda ctx: ("/bookings/cancel", _registration(ctx)),
    ("POST", "/delivery/signups"): _family_signup,
    ("POST", "/delivery/signups/pause"): lambda ctx: ("/delivery/signups/pause", {
        "reference": delivery_cases.signed_up_family(ctx, IN_SCOPE_TARGET), "phone": "13900139000",
        "action": "pause"}),
    ("POST", "/firms"): _firm,
    ("POST", "/firms/interested"): _firm_lookup,
    ("POST", "/openings"): _opening,
    ("POST", "/openings/{reference}/interest"): _interest,
}

# Public write routes whose valid call needs setup this file does not make yet (none today; a new
# route belongs in PUBLIC_CALLS, this set is for a route whose setup cannot be made in a test).
NOT_YET_COVERED: set[tuple[str, str]] = set()

CALLABLE = [r for r in WRITE_ROUTES if r in PUBLIC_CALLS or r in STAFF_CASES]


def valid_call(ctx: Context, route: tuple[str, str]) -> tuple[str, str, dict[str, Any] | None, str | None]:
    if AUDIENCE[route] == api.STAFF:
        method, path, body = STAFF_CASES[route].build(ctx, IN_SCOPE_TARGET)
        return method, path, body, _caller(ctx, ROLES_OF[route])
    path, body = PUBLIC_CALLS[route](ctx)
    return route[0], path, body, None


def _caller(ctx: Context, roles: tuple[str, ...]) -> str:
    """A city admin where the route takes one, else its first role at home (as in the access matrix)."""
    if "city_admin" in roles:
        return str(ctx.admin)
    return str(ctx.token(f"{roles[0]}.home", "taishan", [roles[0]]))


def _client_error(code: str, operation: str, reasons: list[dict[str, str]] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "injected"},
                                "ResponseMetadata": {"HTTPStatusCode": 400}}
    if reasons is not None:
        response["CancellationReasons"] = reasons
    return ClientError(response, operation)  # type: ignore[arg-type]


def _as_received(fault: Exception) -> tuple[Any, Exception | None]:
    """A fault as botocore's endpoint hands it to the retry handler: an error answer from
    DynamoDB (HTTP 400 and its parsed body), or an exception from the connection."""
    if isinstance(fault, ClientError):
        body = json.dumps({"__type": fault.response["Error"]["Code"]}).encode()
        raw = SimpleNamespace(stream=lambda: iter([body]))
        return (AWSResponse("https://dynamodb.injected", 400, HTTPHeaders(), raw), dict(fault.response)), None
    return None, fault


class FakeClock(db.Clock):
    """Real time plus every wait, which returns at once: retries run without waiting, and budgets
    see the time the waits would have taken."""

    def __init__(self) -> None:
        self.slept = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


FAULTS: dict[str, Callable[[str], Exception]] = {
    "throttling": lambda op: _client_error("ThrottlingException", op),
    "provisioned throughput": lambda op: _client_error("ProvisionedThroughputExceededException", op),
    "transaction conflict": lambda op: _client_error(
        "TransactionCanceledException", op, [{"Code": "TransactionConflict"}, {"Code": "None"}])
    if op == "TransactWriteItems" else _client_error("ThrottlingException", op),
    "read timeout": lambda op: ReadTimeoutError(endpoint_url="http://dynamodb"),
    "connect timeout": lambda op: ConnectTimeoutError(endpoint_url="http://dynamodb"),
}


class Injector:
    """Fails matching DynamoDB calls while armed: after letting `after` of them through, `times` of
    them, or all (times=None). `passed` counts the matching calls that went through."""

    def __init__(self) -> None:
        self.armed = False
        self.fault: Callable[[str], Exception] = FAULTS["throttling"]
        self.operations: set[str] | None = None
        self.times: int | None = None
        self.after = 0
        self.injected = 0
        self.passed = 0

    def arm(self, fault: str, operations: set[str] | None, times: int | None, after: int = 0) -> None:
        self.armed, self.fault, self.operations, self.times = True, FAULTS[fault], operations, times
        self.after, self.injected, self.passed = after, 0, 0

    def hit(self, service: str, operation: str) -> bool:
        if not self.armed or service != "dynamodb":
            return False
        if self.operations is not None and operation not in self.operations:
            return False
        if self.passed < self.after:
            self.passed += 1
            return False
        if self.times is None or self.injected < self.times:
            return True
        self.passed += 1
        return False


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """One fake clock for the retry code and for botocore's backoff sleeps."""
    fake = FakeClock()
    monkeypatch.setattr(db, "clock", fake)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=fake.sleep))
    return fake


@pytest.fixture
def injector(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[Injector]:
    injector = Injector()
    original = botocore.endpoint.Endpoint._do_get_response  # type: ignore[attr-defined]

    def do_get_response(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        if injector.hit(operation_model.service_model.service_name, operation_model.name):
            injector.injected += 1
            return _as_received(injector.fault(operation_model.name))
        return original(self, request, operation_model, context)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_do_get_response", do_get_response)
    yield injector


def _domain_items(table_name: str) -> int:
    """Items other than the idempotency store's records and the rate limiter's counters (both
    expire by themselves and hold no record of the request), and the shards of counters (COUNT#,
    BOOKSUM#), which a request creates only when its randomly chosen shard is new."""
    import boto3

    from tests.conftest import scans_allowed

    with scans_allowed():
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(table_name)
        return int(table.scan(Select="COUNT", FilterExpression="PK <> :i AND NOT begins_with(PK, :rate) "
                              "AND NOT begins_with(PK, :count) AND NOT begins_with(PK, :sums)",
                              ExpressionAttributeValues={":i": "IDEMPOTENCY", ":rate": "RATE#", ":count": "COUNT#",
                                                         ":sums": "BOOKSUM#"})["Count"])


# One moto account and user pool for the module; each case gets a new, seeded table (`fresh`).
shared = api_fixtures.shared
fresh = api_fixtures.fresh


@pytest.fixture
def ctx(fresh: SimpleNamespace) -> Context:
    return Context(fresh.client, fresh.token)


@pytest.fixture
def seeded(fresh: SimpleNamespace) -> str:
    return str(fresh.table)


def _send(ctx: Context, method: str, path: str, body: dict[str, Any] | None, token: str | None) -> Any:
    return ctx.call(method, path, body, token)


def _cognito_users() -> dict[str, bool]:
    import boto3

    from chalicelib.core.config import settings

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    users = idp.list_users(UserPoolId=settings().cognito_user_pool_id)["Users"]
    return {u["Username"]: u["Enabled"] for u in users}


def test_every_write_route_can_be_called():
    missing = [r for r in WRITE_ROUTES if r not in PUBLIC_CALLS and r not in STAFF_CASES and r not in NOT_YET_COVERED]
    assert not missing, f"add a valid call for these write routes to PUBLIC_CALLS or an access case: {missing}"


# Each kind of fault takes its own path through db.py: a throttled call (a ClientError), a
# transaction cancelled by a conflict, a timeout (a BotoCoreError). Every write route meets each of
# them; the other codes of the same kinds (provisioned throughput, connect timeout) are met by the
# routes of one domain for each audience, which is enough to keep the cost per run small.
KINDS = ("throttling", "transaction conflict", "read timeout")
VARIANT_ROUTES = [r for r in CALLABLE if r[1].startswith(("/support-requests", "/admin/"))]
MATRIX = [(r, f) for r in CALLABLE for f in KINDS] + [(r, f) for r in VARIANT_ROUTES for f in sorted(FAULTS)
                                                      if f not in KINDS]
MATRIX_IDS = [f"{f}-{m} {p}" for (m, p), f in MATRIX]


@pytest.mark.parametrize(("route", "fault"), MATRIX, ids=MATRIX_IDS)
def test_a_brief_fault_in_the_write_transaction_is_retried_into_a_success(ctx, seeded, injector, route, fault):
    _send(ctx, *valid_call(ctx, route))  # first use may create counters the later calls share
    call = valid_call(ctx, route)  # each call is built just before it is sent (it may read a version)
    before = count_items(seeded)
    control = _send(ctx, *call)
    assert control.status_code < 300, control.body
    expected_growth = count_items(seeded) - before
    method, path, body, token = valid_call(ctx, route)
    before = count_items(seeded)
    injector.arm(fault, {"TransactWriteItems"}, times=2)
    response = _send(ctx, method, path, body, token)
    injector.armed = False
    assert response.status_code == control.status_code, response.body
    assert count_items(seeded) - before == expected_growth


# With every call failing, a transaction conflict is a throttled read for all but the transaction:
# that pair would repeat the throttling case.
LASTING = [(r, f, "writes") for r, f in MATRIX] + [(r, f, "every call") for r, f in MATRIX
                                                   if f != "transaction conflict"]


@pytest.mark.parametrize(("route", "fault", "scope"), LASTING,
                         ids=[f"{s}-{f}-{m} {p}" for (m, p), f, s in LASTING])
def test_a_lasting_fault_is_answered_503_with_nothing_written(ctx, seeded, injector, route, fault, scope):
    method, path, body, token = valid_call(ctx, route)
    before = count_items(seeded)
    users = _cognito_users() if AUDIENCE[route] == api.STAFF else {}
    if scope == "every call":
        identity_service._unit_paths.clear()  # as in a fresh Lambda: the authorizer must read the unit
    injector.arm(fault, DYNAMODB_WRITES if scope == "writes" else None, times=None)
    try:
        response = _send(ctx, method, path, body, token)
    except errors.ProblemError as exc:
        # The authorizer could not read the caller's unit: it fails rather than refuse a valid
        # caller, and API Gateway answers with its DEFAULT_5XX response, a 503 problem+json
        # (infra/functions.yaml). Chalice's test client raises the error instead.
        assert scope == "every call" and AUDIENCE[route] == api.STAFF and exc.status == 503
        response = None
    injector.armed = False
    assert count_items(seeded) == before
    if users:
        assert _cognito_users() == users  # the user pool is left as the table is
    if response is None:
        return
    if injector.injected == 0:  # a route that writes nothing (a look-up) answers as usual
        assert scope == "writes" and response.status_code < 300, response.body
        return
    assert response.status_code == 503, response.body
    problem = json.loads(response.body)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert problem["title"] == "服务暂时不可用" and response.headers.get("Retry-After")


@pytest.mark.parametrize("route", CALLABLE, ids=[f"{m} {p}" for m, p in CALLABLE])
def test_a_fault_after_the_first_writes_leaves_all_or_nothing(ctx, seeded, injector, route):
    """Each write call of a valid request in turn is the first to fail, for good: the request is
    either fully stored and answered as usual, or answered 503 with nothing of it stored."""
    _send(ctx, *valid_call(ctx, route))  # first use may create counters the later calls share
    call = valid_call(ctx, route)
    before = _domain_items(seeded)
    injector.arm("throttling", DYNAMODB_WRITES, times=0)  # counts the writes, fails none
    control = _send(ctx, *call)
    writes = injector.passed
    injector.armed = False
    assert control.status_code < 300, control.body
    expected_growth = _domain_items(seeded) - before
    for after in range(1, writes):
        method, path, body, token = valid_call(ctx, route)
        before = _domain_items(seeded)
        injector.arm("throttling", DYNAMODB_WRITES, times=None, after=after)
        response = _send(ctx, method, path, body, token)
        injector.armed = False
        growth = _domain_items(seeded) - before
        if response.status_code < 300:
            assert (response.status_code, growth) == (control.status_code, expected_growth), (after, response.body)
        else:
            assert (response.status_code, growth) == (503, 0), (after, response.body)


def test_a_view_of_personal_data_whose_audit_entry_cannot_be_written_is_answered_503(ctx, seeded, injector):
    """Staff see personal data only with a record of the view: when it cannot be written, they
    get a 503 problem+json rather than the data (or a 500)."""
    method, path, _ = STAFF_CASES[("GET", "/staff/sessions/{session_id}/registrations")].build(ctx, IN_SCOPE_TARGET)
    injector.arm("throttling", {"PutItem"}, times=None)
    response = _send(ctx, method, path, None, ctx.admin)
    injector.armed = False
    assert injector.injected > 0 and response.status_code == 503, response.body
    assert json.loads(response.body)["title"] == "服务暂时不可用" and response.headers.get("Retry-After")
    assert _send(ctx, method, path, None, ctx.admin).status_code == 200
