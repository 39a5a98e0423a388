"""What an operator sees of a request: the metrics it writes in CloudWatch's embedded metric format
(read back from stdout, as CloudWatch Logs reads them), the request id in every log line, answer
header and problem+json body, and no tracing outside Lambda."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.core import db, errors, http, logs, metrics, tracing
from tests.api.helpers import post_json, problem, support_body


def emf_lines(text: str) -> list[dict[str, Any]]:
    """The EMF documents among the lines written to stdout."""
    found = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


def datapoints(text: str) -> list[tuple[str, dict[str, str], list[float]]]:
    """(metric name, dimensions, values) for every metric of every EMF document, checked against
    the EMF shape: a namespace, dimension sets whose every name has a value, a unit per metric."""
    points = []
    for doc in emf_lines(text):
        [directive] = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == metrics.namespace()
        for names in directive["Dimensions"]:
            dims = {name: doc[name] for name in names}
            assert dims["service"] == metrics.service()
            for definition in directive["Metrics"]:
                assert definition["Unit"] == metrics.CATALOGUE[definition["Name"]].unit.value
                value = doc[definition["Name"]]
                points.append((definition["Name"], dims, value if isinstance(value, list) else [value]))
    return points


def find(points: list[tuple[str, dict[str, str], list[float]]], name: str, **dims: str) -> list[float]:
    wanted = {"service": metrics.service(), **dims}
    return [v for n, d, values in points if n == name and d == wanted for v in values]


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    """Every line the app's logger writes during the test, as the function writes it."""
    lines: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(logs.formatter())
    target = logging.getLogger(logs.logger().service)
    target.addHandler(handler)
    yield lines
    target.removeHandler(handler)


def test_a_request_writes_its_count_latency_and_error_rate_per_group_and_operation(client, seeded, capsys):
    capsys.readouterr()
    response = client.http.get("/health")
    assert response.status_code == 200
    points = datapoints(capsys.readouterr().out)
    assert find(points, "Requests") == [1.0]
    assert find(points, "Requests", route_group="public-read") == [1.0]
    assert find(points, "ServerErrors", route_group="public-read") == [0.0]
    [latency] = find(points, "Latency", operation="system_health")
    assert latency > 0 and find(points, "Latency", route_group="public-read") == [latency]
    assert not find(points, "Problems", problem_type="/problems/validation", status="400")


def test_a_problem_answer_carries_the_request_id_and_is_counted_by_type_and_status(client, seeded, capsys, log_lines):
    capsys.readouterr()
    response = post_json(client, "/support-requests", support_body(phone="12"), str(uuid.uuid4()))
    body = problem(response)
    assert response.status_code == 400
    request_id = response.headers[http.REQUEST_ID_HEADER]
    assert body["request_id"] == request_id and len(request_id) >= 16
    points = datapoints(capsys.readouterr().out)
    assert find(points, "Problems", problem_type="/problems/validation", status="400") == [1.0]
    assert find(points, "Requests", route_group="public-write") == [1.0]
    [access] = [line for line in log_lines if line["message"] == "request"]
    assert access["request_id"] == request_id and access["operation"] == "support_submit"
    assert access["status"] == 400

    # Another request has another id, and a line logged after the request has none.
    again = post_json(client, "/support-requests", support_body(phone="12"), str(uuid.uuid4()))
    assert again.headers[http.REQUEST_ID_HEADER] != request_id
    logs.logger().info("between requests")
    assert "request_id" not in log_lines[-1]


def test_every_line_logged_inside_a_request_carries_its_id(client, seeded, log_lines, monkeypatch):
    from chalicelib.support import service

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "submit", failing)
    response = post_json(client, "/support-requests", support_body(), str(uuid.uuid4()))
    assert response.status_code == 500
    request_id = response.headers[http.REQUEST_ID_HEADER]
    assert problem(response)["request_id"] == request_id
    mine = [line for line in log_lines if line.get("request_id") == request_id]
    assert {line["message"] for line in mine} >= {"unhandled error", "request"}
    assert all(line.get("request_id") == request_id for line in log_lines)


def test_an_idempotent_replay_is_counted(client, seeded, capsys):
    key = str(uuid.uuid4())
    assert post_json(client, "/support-requests", support_body(), key).status_code == 201
    capsys.readouterr()
    replay = post_json(client, "/support-requests", support_body(), key)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert find(datapoints(capsys.readouterr().out), "IdempotentReplays") == [1.0]


def test_a_rate_limit_refusal_is_counted_by_limit(client, seeded, capsys, monkeypatch):
    monkeypatch.setenv("WS_PERSON_WRITES", "1")
    assert post_json(client, "/support-requests", support_body(), str(uuid.uuid4())).status_code == 201
    capsys.readouterr()
    refused = post_json(client, "/support-requests", support_body(), str(uuid.uuid4()))
    assert refused.status_code == 429
    points = datapoints(capsys.readouterr().out)
    assert find(points, "RateLimited", limit="person") == [1.0]
    assert find(points, "Problems", problem_type="/problems/rate-limited", status="429") == [1.0]


def test_transaction_conflicts_and_retries_are_counted(seeded, capsys, monkeypatch):
    attempts: list[int] = []
    real = db.table().meta.client.transact_write_items

    def conflict_twice(**kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) <= 2:
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"},
                               "CancellationReasons": [{"Code": "TransactionConflict"}]}, "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(db.table().meta.client, "transact_write_items", conflict_twice)
    monkeypatch.setattr(db.clock, "sleep", lambda seconds: None)
    capsys.readouterr()
    with metrics.collecting():  # as a request does: written together at its end
        db.transact([db.put_new({"PK": f"T#{uuid.uuid4()}", "SK": "1"})])
    points = datapoints(capsys.readouterr().out)
    assert find(points, "TransactionConflicts") == [1.0, 1.0]
    assert find(points, "TransactionRetries") == [1.0, 1.0]
    assert not find(points, "TransactionsAbandoned")


def test_business_events_are_counted(capsys):
    capsys.readouterr()
    with metrics.collecting():
        http._count("fund_spend", "staff-write", 409, "/problems/fund-insufficient", 12.5)
    points = datapoints(capsys.readouterr().out)
    assert find(points, "FundSpendsRefused") == [1.0]
    assert find(points, "Problems", problem_type="/problems/fund-insufficient", status="409") == [1.0]
    # Outside a request (the daily schedule) a value is written at once.
    metrics.record(metrics.ROSTER_PACKAGES_WRITTEN, 24)
    assert find(datapoints(capsys.readouterr().out), "RosterPackagesWritten") == [24.0]


def test_the_daily_roster_schedule_counts_and_logs_the_packages_it_wrote(capsys, monkeypatch, log_lines):
    from chalicelib.delivery import events, service

    monkeypatch.setattr(service, "scheduled_generation", lambda: [
        SimpleNamespace(campaign_id="c1", week=3, created=7, existing=2, skipped=0),
        SimpleNamespace(campaign_id="c2", week=1, created=0, existing=5, skipped=1)])
    capsys.readouterr()
    events.daily_rosters.func(None)  # what the scheduled event runs
    assert find(datapoints(capsys.readouterr().out), "RosterPackagesWritten") == [7.0, 0.0]
    assert [line["packages_created"] for line in log_lines if line["message"] == "roster generated"] == [7, 0]


def test_metrics_can_be_switched_off(client, seeded, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    capsys.readouterr()
    assert client.http.get("/health").status_code == 200
    assert emf_lines(capsys.readouterr().out) == []


def test_every_problem_a_route_can_raise_is_a_catalogued_type_and_metrics_are_declared_once():
    assert all(name == m.name for name, m in metrics.CATALOGUE.items())
    for event_type in metrics.PROBLEM_EVENTS:
        assert event_type.removeprefix("/problems/") in errors.CATALOGUE


def test_tracing_is_off_outside_lambda(client, seeded, monkeypatch):
    """No X-Ray daemon here: no Tracer is built (nor the X-Ray SDK loaded) and a request opens no
    subsegment; in Lambda one is, unless POWERTOOLS_TRACE_DISABLED says no."""
    assert tracing.tracer() is None and not tracing.enabled()
    assert client.http.get("/health").status_code == 200
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert tracing.enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not tracing.enabled()
