"""The alarms, topic and dashboard in infra/monitoring.yaml: every alarm points at a metric the app
writes (chalicelib/core/metrics.py) or one AWS publishes (tools/package.py AWS_METRICS), notifies
the on-call topic and links a runbook section that exists."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core import http, metrics
from tests.unit.test_infra import _chalice_stub
from tools import package

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS_DOC = ROOT / "docs" / "operations.md"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """infra/ merged into the shape `chalice package` generates, as `make package` checks it."""
    merged: dict[str, Any] = package.deep_merge(package.load_infra(), _chalice_stub())
    return merged


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _metric_names(props: dict[str, Any]) -> set[tuple[str, str]]:
    if "MetricName" in props:
        return {(str(props["Namespace"]), props["MetricName"])}
    return {(str(q["MetricStat"]["Metric"]["Namespace"]), q["MetricStat"]["Metric"]["MetricName"])
            for q in props["Metrics"] if "MetricStat" in q}


def test_every_alarm_and_graph_points_at_a_metric_the_app_or_aws_emits(template):
    assert package.check_alarm_metrics(template) == []
    names = {name for props in _alarms(template).values() for _, name in _metric_names(props)}
    # What the runbook covers: 5xx rate, latency, Lambda errors and throttles, DynamoDB throttles
    # and system errors, dead letters, stream iterator age, WAF blocks.
    assert names == {"ServerErrors", "Latency", "Errors", "Throttles", "ThrottledRequests", "SystemErrors",
                     "ApproximateNumberOfMessagesVisible", "IteratorAge", "BlockedRequests"}


@pytest.mark.parametrize("change, expected", [
    (lambda a: a["LatencyPublicReadAlarm"]["Properties"].update(MetricName="Latancy"), "emits no metric Latancy"),
    (lambda a: a["LatencyPublicReadAlarm"]["Properties"]["Dimensions"].append({"Name": "unit", "Value": "x"}),
     "not ['route_group', 'service', 'unit']"),
    (lambda a: a["ServerErrorRateAlarm"]["Properties"]["Dimensions"][0].update(Value="other-service"),
     "service dimension 'other-service'"),
    (lambda a: a["WafBlocksAlarm"]["Properties"].update(MetricName="AllowedRequests"), "not in AWS_METRICS"),
    (lambda a: a["DynamoDbThrottlesAlarm"]["Properties"]["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"].pop(),
     "not ['TableName']"),
])
def test_the_check_finds_a_metric_nobody_emits(template, change, expected):
    broken = copy.deepcopy(template)
    change(broken["Resources"])
    problems = package.check_alarm_metrics(broken)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_check_reads_the_dashboard_too(template):
    broken = copy.deepcopy(template)
    body = broken["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::If"][1]
    body["Fn::Sub"][0] = body["Fn::Sub"][0].replace('"RosterPackagesWritten"', '"RosterPackagesWriten"')
    assert package.check_alarm_metrics(broken) == [
        "dashboard OperationsDashboard: the app emits no metric RosterPackagesWriten (chalicelib/core/metrics.py)"]


def test_every_route_group_the_app_measures_has_a_latency_alarm(template):
    import app  # noqa: F401 - registers every route
    from chalicelib.core.api import REGISTRY

    groups = {http.operation_of(d.path, d.method)[1] for d in REGISTRY}
    alarmed = {d["Value"] for props in _alarms(template).values() if props.get("MetricName") == "Latency"
               for d in props["Dimensions"] if d["Name"] == "route_group"}
    assert alarmed == groups == {"public-read", "public-write", "staff-read", "staff-write", "partner-read"}


def test_every_alarm_tells_the_on_call_topic_and_links_its_runbook(template):
    resources = template["Resources"]
    topic = resources["AlarmTopic"]["Properties"]
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "OnCallEmail"}}]
    headings = {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                for line in OPERATIONS_DOC.read_text("utf-8").splitlines() if line.startswith("#")}
    for logical_id, props in _alarms(template).items():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}] == props["OKActions"], logical_id
        anchor = re.search(r"docs/operations\.md#([a-z0-9-]+)", props["AlarmDescription"])
        assert anchor and anchor.group(1) in headings, (logical_id, props["AlarmDescription"])


def test_the_functions_write_metrics_under_the_names_the_alarms_use(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": package.APP_NAMESPACE_PARAMETER}
    assert template["Parameters"][package.APP_NAMESPACE_PARAMETER]["Default"] == metrics.DEFAULT_NAMESPACE
    assert variables["POWERTOOLS_SERVICE_NAME"] == metrics.DEFAULT_SERVICE
    assert template["Globals"]["Function"]["Tracing"] == "Active"
    assert template["Resources"]["RestAPI"]["Properties"]["TracingEnabled"] is True
    statements = template["Resources"]["ApiHandlerDataPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    traces = next(s for s in statements if s.get("Sid") == "Traces")
    assert set(traces["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_the_dead_letter_queue_the_alarm_watches_exists(template):
    queue = template["Resources"]["OutboxDeadLetterQueue"]
    assert queue["Type"] == "AWS::SQS::Queue" and queue["Properties"]["SqsManagedSseEnabled"] is True
    props = _alarms(template)["OutboxDeadLettersAlarm"]
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["OutboxDeadLetterQueue",
                                                                                     "QueueName"]}}]


def test_api_gateways_own_problem_answers_carry_the_request_id(template):
    """Answers API Gateway gives before the function runs carry its request id too."""
    import json

    resources = template["Resources"].values()
    responses = [r["Properties"] for r in resources if r["Type"] == "AWS::ApiGateway::GatewayResponse"]
    assert responses
    for props in responses:
        assert json.loads(props["ResponseTemplates"]["application/json"])["request_id"] == "$context.requestId"
