"""tools.deploy on moto: artifacts, template URL, change sets, portal sync, CDN invalidation."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import deploy

REGION = "us-east-1"

SAM = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function",
                       "Properties": {"Runtime": "python3.11", "Handler": "app.app", "CodeUri": "./deployment.zip"}},
        "StaffOrPartner": {"Type": "AWS::Serverless::Function",
                           "Properties": {"Runtime": "python3.11", "Handler": "a.b", "CodeUri": "./deployment.zip"}},
        "Already": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "s3://other/code.zip"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"CodeUri": "./not-a-function"}},
    },
}

PLAIN = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Label": {"Type": "String", "Default": "one"}, "Other": {"Type": "String", "Default": "x"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Label"}}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "Label": {"Value": {"Ref": "Label"}}},
}


def no_sleep(_: float) -> None:
    raise AssertionError("moto finishes at once; nothing should wait")


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        yield


def make_bucket(name: str, region: str = REGION) -> Any:
    s3 = boto3.client("s3", region_name=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]
    return s3


# --- artifacts and template -------------------------------------------------------------------------

def test_artifacts_go_under_a_content_hash_key_and_code_uri_is_rewritten(aws: Any, tmp_path: Path) -> None:
    s3 = make_bucket("artifacts")
    code = b"PK\x03\x04 pretend zip"
    (tmp_path / "deployment.zip").write_bytes(code)
    digest = hashlib.sha256(code).hexdigest()

    uris = deploy.upload_artifacts(s3, "artifacts", SAM, tmp_path, "worker-services/")

    key = f"worker-services/{digest}.zip"
    assert uris == {"./deployment.zip": f"s3://artifacts/{key}"}
    assert s3.get_object(Bucket="artifacts", Key=key)["Body"].read() == code
    packaged = deploy.rewrite_template(SAM, uris)
    resources = packaged["Resources"]
    assert resources["APIHandler"]["Properties"]["CodeUri"] == f"s3://artifacts/{key}"
    assert resources["StaffOrPartner"]["Properties"]["CodeUri"] == f"s3://artifacts/{key}"
    assert resources["Already"]["Properties"]["CodeUri"] == "s3://other/code.zip"
    assert resources["Table"]["Properties"]["CodeUri"] == "./not-a-function"  # only functions
    assert SAM["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./deployment.zip"  # type: ignore[index]

    # Same content again: the key is already there and is reused.
    assert deploy.upload_artifacts(s3, "artifacts", SAM, tmp_path, "worker-services/") == uris
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]] == [key]


def test_missing_artifact_is_a_precondition_error(aws: Any, tmp_path: Path) -> None:
    s3 = make_bucket("artifacts")
    with pytest.raises(deploy.PreconditionError, match="make package"):
        deploy.upload_artifacts(s3, "artifacts", SAM, tmp_path)


def test_rewrite_refuses_a_code_uri_that_was_not_uploaded() -> None:
    with pytest.raises(deploy.DeployError, match="APIHandler"):
        deploy.rewrite_template(SAM, {})


def test_template_url_is_partition_aware() -> None:
    assert deploy.template_url("b", "cn-north-1", "ws/abc.template.json") == \
        "https://b.s3.cn-north-1.amazonaws.com.cn/ws/abc.template.json"
    assert deploy.template_url("b", "cn-northwest-1", "k") == "https://b.s3.cn-northwest-1.amazonaws.com.cn/k"
    assert deploy.template_url("b", "eu-west-1", "k") == "https://b.s3.eu-west-1.amazonaws.com/k"


def test_upload_template_in_china(aws: Any) -> None:
    s3 = make_bucket("artifacts-cn", "cn-north-1")
    url = deploy.upload_template(s3, "artifacts-cn", "cn-north-1", PLAIN, "ws/")
    assert url.startswith("https://artifacts-cn.s3.cn-north-1.amazonaws.com.cn/ws/")
    key = url.split(".amazonaws.com.cn/", 1)[1]
    assert json.loads(s3.get_object(Bucket="artifacts-cn", Key=key)["Body"].read()) == PLAIN


# --- the stack --------------------------------------------------------------------------------------

def stack_parameters(cfn: Any) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName="ws-test")["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}


def record_change_sets(cfn: Any) -> list[dict[str, Any]]:
    """The parameters of every CreateChangeSet request the client sends."""
    requests: list[dict[str, Any]] = []
    cfn.meta.events.register("provide-client-params.cloudformation.CreateChangeSet",
                             lambda params, **_: requests.append(params))
    return requests


def test_deploy_stack_creates_then_reports_no_changes_then_updates(aws: Any,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    requests = record_change_sets(cfn)

    assert deploy.deploy_stack(cfn, "ws-test", PLAIN, sleep=no_sleep) is True
    assert cfn.describe_stacks(StackName="ws-test")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert requests[-1]["ChangeSetType"] == "CREATE"
    assert requests[-1]["Capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
    assert json.loads(requests[-1]["TemplateBody"]) == PLAIN and "TemplateURL" not in requests[-1]
    assert stack_parameters(cfn) == {"Label": "one", "Other": "x"}
    assert "Add     Topic AWS::SNS::Topic" in capsys.readouterr().out

    assert deploy.deploy_stack(cfn, "ws-test", PLAIN, sleep=no_sleep) is False  # nothing to change
    assert "no changes" in capsys.readouterr().out

    assert deploy.deploy_stack(cfn, "ws-test", PLAIN, {"Label": "two"}, sleep=no_sleep) is True
    assert cfn.describe_stacks(StackName="ws-test")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert requests[-1]["ChangeSetType"] == "UPDATE"
    # A parameter not passed keeps its previous value rather than falling back to the default.
    assert requests[-1]["Parameters"] == [{"ParameterKey": "Label", "ParameterValue": "two"},
                                          {"ParameterKey": "Other", "UsePreviousValue": True}]
    assert stack_parameters(cfn) == {"Label": "two", "Other": "x"}

    assert deploy.deploy_stack(cfn, "ws-test", PLAIN, {"Label": "two"}, sleep=no_sleep) is False


def test_deploy_stack_by_template_url(aws: Any) -> None:
    s3 = make_bucket("artifacts")
    cfn = boto3.client("cloudformation", region_name=REGION)
    requests = record_change_sets(cfn)
    url = deploy.upload_template(s3, "artifacts", REGION, PLAIN, "ws/")
    assert deploy.deploy_stack(cfn, "ws-test", PLAIN, url=url, sleep=no_sleep) is True
    assert requests[-1]["TemplateURL"] == url and "TemplateBody" not in requests[-1]
    resources = cfn.list_stack_resources(StackName="ws-test")["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in resources] == ["Topic"]  # moto read the template from S3


def test_change_set_parameters() -> None:
    existing = {"Parameters": [{"ParameterKey": "Label", "ParameterValue": "a"},
                               {"ParameterKey": "Gone", "ParameterValue": "b"}]}
    assert deploy._parameters(PLAIN, {"Other": "y"}, existing) == [
        {"ParameterKey": "Other", "ParameterValue": "y"},
        {"ParameterKey": "Label", "UsePreviousValue": True},
    ]
    assert deploy._parameters(PLAIN, {}, None) == []
    with pytest.raises(deploy.PreconditionError, match="Nope"):
        deploy._parameters(PLAIN, {"Nope": "1"}, None)


def test_oversized_template_must_go_by_url(aws: Any) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    big = json.loads(json.dumps(PLAIN))
    big["Description"] = "x" * deploy.MAX_TEMPLATE_BODY
    with pytest.raises(deploy.DeployError, match="by URL"):
        deploy.deploy_stack(cfn, "ws-test", big, sleep=no_sleep)


class FailingCloudFormation:
    """Just enough of CloudFormation for an update whose execution rolls back."""

    def __init__(self) -> None:
        self.status = "UPDATE_COMPLETE"
        self.when = datetime.now(UTC)

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": StackName, "StackStatus": self.status, "Parameters": []}]}

    def create_change_set(self, **_: Any) -> dict[str, Any]:
        return {"Id": "cs-1"}

    def describe_change_set(self, ChangeSetName: str, **_: Any) -> dict[str, Any]:
        return {"Status": "CREATE_COMPLETE", "Changes": [
            {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "Topic", "ResourceType": "AWS::SNS::Topic"}}]}

    def execute_change_set(self, ChangeSetName: str) -> None:
        self.status = "UPDATE_ROLLBACK_COMPLETE"

    def describe_stack_events(self, StackName: str, **_: Any) -> dict[str, Any]:
        return {"StackEvents": [
            {"Timestamp": datetime.now(UTC), "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE",
             "LogicalResourceId": StackName, "ResourceType": "AWS::CloudFormation::Stack"},
            {"Timestamp": datetime.now(UTC), "ResourceStatus": "UPDATE_FAILED", "LogicalResourceId": "Topic",
             "ResourceType": "AWS::SNS::Topic", "ResourceStatusReason": "Access Denied"},
            {"Timestamp": datetime(2020, 1, 1, tzinfo=UTC), "ResourceStatus": "CREATE_COMPLETE",
             "LogicalResourceId": "Old", "ResourceType": "AWS::SNS::Topic"},
        ]}


def test_failed_execution_prints_the_events(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(deploy.DeployError, match="UPDATE_ROLLBACK_COMPLETE"):
        deploy.deploy_stack(FailingCloudFormation(), "ws-test", PLAIN, sleep=no_sleep)
    err = capsys.readouterr().err
    assert "UPDATE_FAILED" in err and "Topic" in err and "Access Denied" in err
    assert err.index("UPDATE_FAILED") < err.index("UPDATE_ROLLBACK_COMPLETE")  # oldest first
    assert "Old" not in err  # events of earlier deployments are left out


# --- the portal -------------------------------------------------------------------------------------

def write_site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_headers_for_site_files() -> None:
    assert deploy.content_type("index.html") == "text/html; charset=utf-8"
    assert deploy.content_type("assets/stylesheets/main.ec1eaa64.min.css") == "text/css; charset=utf-8"
    assert deploy.content_type("assets/javascripts/bundle.d7400e89.min.js") == "text/javascript; charset=utf-8"
    assert deploy.content_type("assets/javascripts/bundle.d7400e89.min.js.map") == "application/json; charset=utf-8"
    assert deploy.content_type("search/search_index.json") == "application/json; charset=utf-8"
    assert deploy.content_type("assets/images/favicon.png") == "image/png"
    assert deploy.content_type("sitemap.xml.gz") == "application/gzip"
    assert deploy.content_type("fonts/x.woff2") == "font/woff2"
    assert deploy.content_type("LICENSE") == "application/octet-stream"

    assert deploy.cache_control("index.html") == "no-cache"
    assert deploy.cache_control("notice/index.html") == "no-cache"
    assert deploy.cache_control("assets/stylesheets/main.ec1eaa64.min.css") == "public, max-age=31536000, immutable"
    assert deploy.cache_control("assets/javascripts/bundle.d7400e89.min.js.map") == \
        "public, max-age=31536000, immutable"
    assert deploy.cache_control("assets/stylesheets/portal.css") == "public, max-age=300"
    assert deploy.cache_control("assets/javascripts/lunr/min/lunr.zh.min.js") == "public, max-age=300"
    assert deploy.cache_control("other/main.ec1eaa64.min.css") == "public, max-age=300"  # not under assets/
    assert deploy.cache_control("sitemap.xml") == "public, max-age=300"


def test_sync_uploads_skips_unchanged_and_deletes_stale(aws: Any, tmp_path: Path) -> None:
    s3 = make_bucket("portal")
    s3.put_object(Bucket="portal", Key="old/page.html", Body=b"gone")
    site = write_site(tmp_path / "site", {
        "index.html": "<h1>职工服务</h1>",
        "assets/stylesheets/main.ec1eaa64.min.css": "body{}",
        "assets/stylesheets/portal.css": "h1{}",
        "search/search_index.json": "{}",
    })

    first = deploy.sync_site(s3, "portal", site)
    assert sorted(first.uploaded) == ["assets/stylesheets/main.ec1eaa64.min.css", "assets/stylesheets/portal.css",
                                      "index.html", "search/search_index.json"]
    assert first.uploaded[-1] == "index.html"  # HTML after the assets it links
    assert first.deleted == ["old/page.html"] and first.changed
    head = s3.head_object(Bucket="portal", Key="index.html")
    assert (head["ContentType"], head["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    head = s3.head_object(Bucket="portal", Key="assets/stylesheets/main.ec1eaa64.min.css")
    assert (head["ContentType"], head["CacheControl"]) == ("text/css; charset=utf-8",
                                                           "public, max-age=31536000, immutable")
    head = s3.head_object(Bucket="portal", Key="assets/stylesheets/portal.css")
    assert head["CacheControl"] == "public, max-age=300"
    assert s3.get_object(Bucket="portal", Key="index.html")["Body"].read().decode() == "<h1>职工服务</h1>"

    second = deploy.sync_site(s3, "portal", site)
    assert second.uploaded == [] and second.deleted == [] and not second.changed
    assert len(second.unchanged) == 4

    (site / "assets/stylesheets/portal.css").write_text("h1{color:red}", encoding="utf-8")
    (site / "search/search_index.json").unlink()
    third = deploy.sync_site(s3, "portal", site)
    assert third.uploaded == ["assets/stylesheets/portal.css"]
    assert third.deleted == ["search/search_index.json"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="portal")["Contents"]}
    assert keys == {"index.html", "assets/stylesheets/main.ec1eaa64.min.css", "assets/stylesheets/portal.css"}


def make_distribution() -> tuple[Any, str]:
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    config = {
        "CallerReference": "test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "portal", "DomainName": "portal.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "portal", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    }
    distribution_id = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    return cloudfront, distribution_id


def invalidations(cloudfront: Any, distribution_id: str) -> list[Any]:
    return list(cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", []))


def test_invalidation_only_when_something_changed(aws: Any) -> None:
    cloudfront, distribution_id = make_distribution()

    assert deploy.invalidate(cloudfront, distribution_id, deploy.SyncResult(unchanged=["index.html"])) is None
    assert invalidations(cloudfront, distribution_id) == []
    assert deploy.invalidate(cloudfront, None, deploy.SyncResult(uploaded=["index.html"])) is None

    first = deploy.invalidate(cloudfront, distribution_id, deploy.SyncResult(uploaded=["index.html"]))
    second = deploy.invalidate(cloudfront, distribution_id, deploy.SyncResult(deleted=["old.html"]))
    assert first and second and first != second
    found = cloudfront.get_invalidation(DistributionId=distribution_id, Id=first)["Invalidation"]
    assert found["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    assert len(invalidations(cloudfront, distribution_id)) == 2


# --- the command ------------------------------------------------------------------------------------

def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_missing_credentials_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    no_credentials(monkeypatch, tmp_path)
    assert deploy.main(["--artifact-bucket", "artifacts", "--region", "cn-north-1"]) == 2
    assert "no AWS credentials" in capsys.readouterr().err


def test_missing_region_or_bucket_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    assert deploy.main(["--artifact-bucket", "artifacts"]) == 2
    assert "no AWS region" in capsys.readouterr().err
    monkeypatch.delenv(deploy.BUCKET_ENV, raising=False)
    assert deploy.main(["--region", "us-east-1"]) == 2
    assert "no artifact bucket" in capsys.readouterr().err


def moto_stack_outputs(cfn: Any, stack_name: str) -> dict[str, str]:
    """moto does not evaluate Outputs for a stack made by a change set: the outputs the real stack
    would have, from its resources."""
    resources = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    bucket = next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "PortalBucket")
    return {"BucketName": bucket, "PortalUrl": "https://portal.example", "ApiUrl": "https://portal.example/api"}


def test_main_end_to_end(aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole command with a plain template (moto cannot run the SAM transform)."""
    monkeypatch.setattr(deploy, "stack_outputs", moto_stack_outputs)
    make_bucket("artifacts")
    package = tmp_path / "package"
    package.mkdir()
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"PortalDomainName": {"Type": "String", "Default": ""}},
        "Resources": {"PortalBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"BucketName": {"Value": {"Ref": "PortalBucket"}},
                    "PortalUrl": {"Value": "https://portal.example"}, "ApiUrl": {"Value": "https://portal.example/api"}},
    }
    (package / "sam.json").write_text(json.dumps(template), encoding="utf-8")
    site = write_site(tmp_path / "site", {"index.html": "<p>hi</p>", "assets/app.css": "p{}"})
    args = ["--stack-name", "ws-e2e", "--artifact-bucket", "artifacts", "--region", REGION,
            "--package", str(package), "--site", str(site)]

    assert deploy.main([*args, "--parameter", "PortalDomainName=portal.example"]) == 0
    out = capsys.readouterr().out
    assert "PortalUrl: https://portal.example" in out and "ApiUrl:    https://portal.example/api" in out
    assert "2 uploaded" in out and "no DistributionId output" in out
    bucket = deploy.stack_outputs(boto3.client("cloudformation", region_name=REGION), "ws-e2e")["BucketName"]
    keys = {o["Key"] for o in boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"index.html", "assets/app.css"}

    assert deploy.main(args) == 0
    out = capsys.readouterr().out
    assert "no changes" in out and "0 uploaded, 0 deleted, 2 unchanged" in out

    assert deploy.main([*args, "--parameter", "Nope=1"]) == 2
    assert "Nope" in capsys.readouterr().err
    assert deploy.main([*args[:-2], "--site", str(tmp_path / "missing")]) == 2
    assert "make site" in capsys.readouterr().err


def test_artifact_bucket_must_exist_in_the_region(aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_bucket("elsewhere", "eu-west-1")
    package = tmp_path / "package"
    package.mkdir()
    (package / "sam.json").write_text(json.dumps(PLAIN), encoding="utf-8")
    site = write_site(tmp_path / "site", {"index.html": ""})
    common = ["--region", REGION, "--package", str(package), "--site", str(site)]
    assert deploy.main(["--artifact-bucket", "missing-bucket", *common]) == 2
    assert "missing-bucket" in capsys.readouterr().err
    assert deploy.main(["--artifact-bucket", "elsewhere", *common]) == 2
    assert "eu-west-1" in capsys.readouterr().err
