"""The infrastructure templates in infra/: the table the app and the local stack rely on, partition
awareness (AWS China), the staff roles, and a cfn-lint pass. No network, no AWS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import package

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TEMPLATES = sorted(INFRA.glob("*.yaml"))
ROLES = {"city_admin", "unit_admin", "caseworker", "hotline_operator", "contact_person", "finance", "auditor",
         "counsellor"}


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), path
    return doc


def _strings(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string value (and key) in a template, with the keys leading to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, str(key)), str(key)
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, str(index)))
    elif isinstance(node, str):
        yield path, node


@pytest.fixture(scope="module")
def infra() -> dict[str, Any]:
    return package.load_infra(INFRA)


def test_infra_templates_load_with_plain_safe_load() -> None:
    assert TEMPLATES, "no templates in infra/"
    for path in TEMPLATES:
        _load(path)  # short tags such as !Ref would raise here


def test_table_keys_index_ttl_backup_and_encryption() -> None:
    table = _load(INFRA / "table.yaml")["Resources"]["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    props = table["Properties"]
    assert {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]} == {"PK": "HASH", "SK": "RANGE"}
    gsi = {g["IndexName"]: g for g in props["GlobalSecondaryIndexes"]}
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["GSI1"]["KeySchema"]} == {
        "GSI1PK": "HASH", "GSI1SK": "RANGE"}
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert types == {"PK": "S", "SK": "S", "GSI1PK": "S", "GSI1SK": "S"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_arns_are_partition_aware(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "arn:aws:" not in text and "arn:aws-cn:" not in text
    for where, value in _strings(_load(path)):
        for match in re.finditer(r"arn:", value):
            assert value[match.start():].startswith("arn:${AWS::Partition}:"), (where, value)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_hostname_literals(path: Path) -> None:
    """Hosts are built with ${AWS::URLSuffix} (amazonaws.com.cn in China). Only IAM service
    principals, which are names rather than hosts, may spell amazonaws.com."""
    for where, value in _strings(_load(path)):
        if "amazonaws.com" in value:
            assert len(where) >= 2 and where[-2:] == ("Principal", "Service"), (where, value)


def test_service_principals_only_where_the_partition_has_them(infra: dict[str, Any]) -> None:
    """The CloudFront OAC principal is used only under the global-partition condition."""
    statements = infra["Resources"]["PortalBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    oac = [s for s in statements if "Fn::If" in s and s["Fn::If"][0] == "UseOac"]
    assert oac and oac[0]["Fn::If"][1]["Principal"] == {"Service": "cloudfront.amazonaws.com"}


def test_user_pool_defines_the_seven_role_groups(infra: dict[str, Any]) -> None:
    resources = infra["Resources"]
    groups = {r["Properties"]["GroupName"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == ROLES
    for r in resources.values():
        if r["Type"] == "AWS::Cognito::UserPoolGroup":
            assert r["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_user_pool_is_admin_only_with_strong_passwords_and_custom_attributes(infra: dict[str, Any]) -> None:
    pool = infra["Resources"]["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"))
    attrs = {a["Name"]: a for a in pool["Schema"]}
    for name in ("unit_id", "roles"):
        assert attrs[name]["AttributeDataType"] == "String" and attrs[name]["Mutable"] is True
    client = infra["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


def test_function_environment(infra: dict[str, Any]) -> None:
    variables = infra["Globals"]["Function"]["Environment"]["Variables"]
    # The stack's table, or the one restored from it (docs/operations.md, "Restoring the table").
    assert variables["TABLE_NAME"] == {"Fn::If": ["UseRestoredTable", {"Ref": "RestoredTableName"}, {"Ref": "Table"}]}
    for name in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_ISSUER", "WS_SECRET_ARN"):
        assert name in variables
    assert infra["Resources"]["HmacSecret"]["Type"] == "AWS::SecretsManager::Secret"


def test_api_behaviour_on_the_cdn_forwards_auth_and_never_caches(infra: dict[str, Any]) -> None:
    config = infra["Resources"]["PortalDistribution"]["Properties"]["DistributionConfig"]
    api_origin = next(o for o in config["Origins"] if o["Id"] == "api")
    assert api_origin["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert "OriginPath" not in api_origin  # stage `api` = the /api prefix on the CDN
    behavior = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    assert behavior["TargetOriginId"] == "api"
    assert (behavior["MinTTL"], behavior["DefaultTTL"], behavior["MaxTTL"]) == (0, 0, 0)
    assert behavior["ForwardedValues"]["QueryString"] is True
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= set(behavior["ForwardedValues"]["Headers"])
    assert "POST" in behavior["AllowedMethods"]


def test_outputs(infra: dict[str, Any]) -> None:
    assert {"PortalUrl", "ApiUrl", "UserPoolId", "ClientId", "BucketName"} <= set(infra["Outputs"])


def _chalice_stub() -> dict[str, Any]:
    """The shape of what `chalice package` generates (logical ids, types, stage), small enough to
    lint offline; tools/package.py lints the real one."""
    integration = {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                           "functions/${APIHandler.Arn}/invocations"},
    }
    method = {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": integration}
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}

    def function(role_id: str, handler: str) -> dict[str, Any]:
        return {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.11", "Handler": handler, "CodeUri": "./deployment.zip",
            "Role": {"Fn::GetAtt": [role_id, "Arn"]}, "Environment": {"Variables": {"WS_HOTLINE": "12351"}}}}

    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            # Chalice makes a role per function: the API handler, the authorizer, each schedule.
            "ApiHandlerRole": role, "StaffOrPartnerRole": role, "DailyPurgeRole": role, "DailyRostersRole": role,
            "OverdueDigestRole": role, "ContactReminderRole": role,
            "APIHandler": function("ApiHandlerRole", "app.app"),
            "StaffOrPartner": function("StaffOrPartnerRole", "chalicelib.identity.authorizer.staff_or_partner"),
            "DailyPurge": function("DailyPurgeRole", "app.daily_purge"),
            "DailyRosters": function("DailyRostersRole", "app.daily_rosters"),
            "OutboxRole": role, "ReleaseHeldMessagesRole": role,
            "Outbox": {**function("OutboxRole", "chalicelib.notify.events.outbox"), "Properties": {
                **function("OutboxRole", "chalicelib.notify.events.outbox")["Properties"],
                "Events": {"OutboxDynamodbEventSource": {"Type": "DynamoDB", "Properties": {
                    "Stream": "arn:aws:dynamodb:cn-north-1:000000000000:table/worker-services/stream/set-by-infra",
                    "BatchSize": 10, "StartingPosition": "LATEST", "MaximumBatchingWindowInSeconds": 0}}}}},
            "ReleaseHeldMessages": function("ReleaseHeldMessagesRole",
                                            "chalicelib.notify.events.release_held_messages"),
            "OverdueDigest": function("OverdueDigestRole", "app.overdue_digest"),
            "ContactReminder": function("ContactReminderRole", "app.contact_reminder"),
            "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {
                "EndpointConfiguration": "EDGE", "StageName": "api",
                "DefinitionBody": {"swagger": "2.0", "info": {"version": "1.0", "title": "worker-services"},
                                   "paths": _app_paths(method)}}},
        },
    }


def _app_paths(method: dict[str, Any]) -> dict[str, Any]:
    """The app's own routes, as chalice package writes them into the swagger body."""
    from app import app

    return {path: {verb.lower(): method for verb in entries} for path, entries in app.routes.items()}


def _cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "cfn-lint"
    cmd = [str(exe), "--config-file", str(INFRA / ".cfnlintrc"), "--regions", *package.LINT_REGIONS,
           "--format", "parseable", "--", str(template)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)


def test_cfn_lint_table_alone(tmp_path: Path) -> None:
    result = _cfn_lint(INFRA / "table.yaml")
    assert not result.returncode & 2, result.stdout + result.stderr


def test_cfn_lint_infra_merged_into_chalice_shape(infra: dict[str, Any], tmp_path: Path) -> None:
    merged = package.deep_merge(infra, _chalice_stub())
    assert package.check_method_settings(merged) == []
    assert package.check_function_roles(merged) == []
    template = tmp_path / "sam.json"
    template.write_text(json.dumps(merged), encoding="utf-8")
    result = _cfn_lint(template)
    assert not result.returncode & 2, result.stdout + result.stderr


def test_method_settings_check_reports_missing_routes(infra: dict[str, Any]) -> None:
    stub = _chalice_stub()
    del stub["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]["/status/lookup"]
    problems = package.check_method_settings(package.deep_merge(infra, stub))
    assert len(problems) == 1 and "/status/lookup" in problems[0]


def test_load_infra_rejects_a_logical_id_defined_twice(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("Resources:\n  Same:\n    Type: AWS::SNS::Topic\n", encoding="utf-8")
    with pytest.raises(package.PackageError, match="Same"):
        package.load_infra(tmp_path)


def test_gateway_answers_are_problem_json(infra: dict[str, Any]) -> None:
    responses = {r["Properties"]["ResponseType"]: r["Properties"] for r in infra["Resources"].values()
                 if r["Type"] == "AWS::ApiGateway::GatewayResponse"}
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for props in responses.values():
        assert props["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert body["status"] == int(props["StatusCode"]) and body["title"]


def test_every_function_role_gets_the_data_policy() -> None:
    """A function whose role misses the data policy, or a template without the shared environment,
    is reported by the packaging check."""
    template = {
        "Globals": {"Function": {"Environment": {"Variables": {"TABLE_NAME": {"Ref": "Table"}}}}},
        "Resources": {
            "ApiHandlerDataPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "ApiHandlerRole"}]}},
            "APIHandler": {"Type": "AWS::Serverless::Function",
                           "Properties": {"Role": {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}}},
            "NewJob": {"Type": "AWS::Serverless::Function",
                       "Properties": {"Role": {"Fn::GetAtt": ["NewJobRole", "Arn"]}}},
        },
    }
    assert package.check_function_roles(template) == [
        "function NewJob: its role NewJobRole is not in ApiHandlerDataPolicy's Roles"]
    del template["Globals"]
    assert len(package.check_function_roles(template)) == 2


def test_report_photos_bucket_is_private_and_only_its_reports_prefix_is_granted(infra: dict[str, Any]) -> None:
    resources = infra["Resources"]
    props = resources["UploadsBucket"]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["CorsConfiguration"]["CorsRules"][0]["AllowedMethods"] == ["POST"]
    variables = infra["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
    statements = resources["ApiHandlerDataPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    photos = next(s for s in statements if s.get("Sid") == "ReportPhotos")
    assert photos["Resource"] == [{"Fn::Sub": "${UploadsBucket.Arn}/reports/*"},
                                  {"Fn::Sub": "${UploadsBucket.Arn}/pending/reports/*"}]
    expiry = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}["expire-unconfirmed-uploads"]
    assert expiry["Prefix"] == "pending/" and expiry["ExpirationInDays"] == 1
    csp = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    connect = next(d.split() for d in csp.split(";") if d.split()[0] == "connect-src")
    assert "https://${UploadsBucket.RegionalDomainName}" in connect
    assert "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}" in connect  # staff sign-in
