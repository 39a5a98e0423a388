"""Deploy the packaged stack and the portal to AWS: `make deploy`.

    python -m tools.deploy [--stack-name worker-services] [--artifact-bucket NAME] [--region REGION]
                           [--site build/site] [--package build/package] [--parameter Key=Value ...]

With boto3 only (no AWS CLI), it does what `aws cloudformation package` + `aws cloudformation
deploy` + `aws s3 sync --delete` + `aws cloudfront create-invalidation` would:

1. Checks there are credentials and a region (`--region`, else the session's: `AWS_REGION`,
   `AWS_DEFAULT_REGION` or the profile), that the artifact bucket (`--artifact-bucket`, else
   `WS_ARTIFACT_BUCKET`) exists in that region, and that `build/package` and `build/site` are built.
2. Uploads every local `CodeUri` of the template's `AWS::Serverless::Function`s (Chalice's
   `./deployment.zip`) to the artifact bucket under `<stack>/<sha256>.zip` (skipped when that key
   is already there), rewrites `CodeUri` to `s3://bucket/key`, and uploads the rewritten template
   as `<stack>/<sha256>.template.json`. A template over 51,200 bytes goes to CloudFormation by
   its URL (`https://bucket.s3.<region>.amazonaws.com[.cn]/key`), a smaller one in the request.
3. Creates a change set (CREATE for a new stack, else UPDATE; parameters from `--parameter`, any
   other parameter the stack already has keeps its previous value) with CAPABILITY_IAM,
   CAPABILITY_NAMED_IAM and CAPABILITY_AUTO_EXPAND, waits for it, and executes it unless it has
   no changes. On a failed execution it prints the stack's events and exits 1.
4. Syncs the site to the stack output `BucketName`: uploads new and changed files (MD5 against
   the ETag) with Content-Type and Cache-Control, then deletes objects the site no longer has;
   if anything changed and the stack has `DistributionId`, invalidates `/*` on CloudFront.
5. Prints `PortalUrl` and `ApiUrl`.

Exit codes: 0 deployed (or nothing to change), 1 a deployment step failed, 2 a precondition is
missing (credentials, region, artifact bucket, build output, an unknown parameter).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STACK = "worker-services"
BUCKET_ENV = "WS_ARTIFACT_BUCKET"
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
MAX_TEMPLATE_BODY = 51_200  # bytes; a larger template must be passed as TemplateURL
# boto3-stubs here has no cloudformation/cloudfront extras: those clients are typed loosely.
CloudFormationClient = Any
CloudFrontClient = Any

HTML_CACHE = "no-cache"
HASHED_ASSET_CACHE = "public, max-age=31536000, immutable"
DEFAULT_CACHE = "public, max-age=300"
# A file name with a content hash as one of its dot-separated parts: main.ec1eaa64.min.css.
_HASHED_NAME = re.compile(r"(?:^|\.)[0-9a-f]{8,}(?:\.|$)")
# Python's built-in table only (no /etc/mime.types), so the result is the same on every machine,
# plus what it lacks or gets differently from what browsers expect.
_MIME = mimetypes.MimeTypes()
_MIME_OVERRIDES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".map": "application/json",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".xml": "application/xml",
}
_UTF8_TYPES = {"application/json", "application/manifest+json", "application/xml", "image/svg+xml",
               "application/javascript"}

CHANGE_SET_POLL = 3.0  # seconds between polls while CloudFormation computes a change set
STACK_POLL = 10.0  # seconds between polls while a stack is created or updated
STACK_TIMEOUT = 3 * 60 * 60  # a new CloudFront distribution alone can take half an hour
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class DeployError(RuntimeError):
    """A deployment step failed; the message says which and why (exit 1)."""


class PreconditionError(RuntimeError):
    """Something the deploy needs is missing (exit 2)."""


# --- 2. artifacts and template ---------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_local(uri: Any) -> bool:
    return isinstance(uri, str) and not uri.startswith("s3://")


def local_code_uris(template: dict[str, Any]) -> set[str]:
    """The local `CodeUri`s of the template's serverless functions (Chalice: `./deployment.zip`)."""
    found = set()
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            uri = resource.get("Properties", {}).get("CodeUri")
            if _is_local(uri):
                found.add(uri)
    return found


def upload_artifacts(s3: S3Client, bucket: str, template: dict[str, Any], base_dir: Path,
                     prefix: str = "") -> dict[str, str]:
    """Upload each local `CodeUri` (relative to base_dir) under `<prefix><sha256><suffix>`, unless
    that key is already there; return {local CodeUri: s3://bucket/key}."""
    uris: dict[str, str] = {}
    for uri in sorted(local_code_uris(template)):
        path = (base_dir / uri).resolve()
        if not path.is_file():
            raise PreconditionError(f"CodeUri {uri} is not a file under {base_dir} (run `make package`)")
        key = f"{prefix}{_sha256(path)}{''.join(path.suffixes) or '.zip'}"
        if _object_exists(s3, bucket, key):
            print(f"artifact: s3://{bucket}/{key} already uploaded ({path.name})")
        else:
            print(f"artifact: uploading {path.name} ({path.stat().st_size:,} bytes) to s3://{bucket}/{key}")
            s3.upload_file(str(path), bucket, key)
        uris[uri] = f"s3://{bucket}/{key}"
    return uris


def _object_exists(s3: S3Client, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def rewrite_template(template: dict[str, Any], uris: dict[str, str]) -> dict[str, Any]:
    """A copy of the template with each serverless function's local `CodeUri` replaced by its S3
    URI; a local `CodeUri` missing from uris is an error."""
    result: dict[str, Any] = json.loads(json.dumps(template))
    for name, resource in result.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        uri = properties.get("CodeUri")
        if _is_local(uri):
            if uri not in uris:
                raise DeployError(f"function {name}: CodeUri {uri} was not uploaded")
            properties["CodeUri"] = uris[uri]
    return result


def template_url(bucket: str, region: str, key: str) -> str:
    """The S3 URL CloudFormation reads a template from, in the region's partition."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{bucket}.s3.{region}.{suffix}/{quote(key, safe='/')}"


def template_body(template: dict[str, Any]) -> str:
    return json.dumps(template, ensure_ascii=False, separators=(",", ":"))


def upload_template(s3: S3Client, bucket: str, region: str, template: dict[str, Any], prefix: str = "") -> str:
    """Upload the (rewritten) template under a content-hash key; return its URL."""
    body = template_body(template).encode("utf-8")
    key = f"{prefix}{hashlib.sha256(body).hexdigest()}.template.json"
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    url = template_url(bucket, region, key)
    print(f"template: {len(body):,} bytes uploaded to {url}")
    return url


# --- 3. the stack ----------------------------------------------------------------------------------

def describe_stack(cfn: CloudFormationClient, stack_name: str) -> dict[str, Any] | None:
    """The stack, or None when there is none by that name."""
    try:
        stacks: list[dict[str, Any]] = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0] if stacks else None


def _parameters(template: dict[str, Any], overrides: dict[str, str],
                existing: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The overrides, plus UsePreviousValue for every other template parameter the stack already
    has (so an update never silently resets, say, PortalDomainName to its default)."""
    unknown = sorted(set(overrides) - set(template.get("Parameters", {})))
    if unknown:
        raise PreconditionError(f"parameters not in the template: {', '.join(unknown)}")
    result: list[dict[str, Any]] = [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(overrides.items())]
    previous = {p["ParameterKey"] for p in (existing or {}).get("Parameters", [])}
    for key in sorted(template.get("Parameters", {})):
        if key not in overrides and key in previous:
            result.append({"ParameterKey": key, "UsePreviousValue": True})
    return result


def deploy_stack(cfn: CloudFormationClient, stack_name: str, template: dict[str, Any],
                 parameters: dict[str, str] | None = None, url: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = STACK_TIMEOUT) -> bool:
    """Create and execute a change set for the template (passed by url when given, else in the
    request); return False when there was nothing to change. Raises DeployError when the change
    set or its execution fails, after printing the stack's events."""
    existing = describe_stack(cfn, stack_name)
    # A stack left in REVIEW_IN_PROGRESS (a CREATE change set never executed) is created, not updated.
    exists = existing is not None and existing["StackStatus"] != "REVIEW_IN_PROGRESS"
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        raise DeployError(f"stack {stack_name} is ROLLBACK_COMPLETE (its creation failed) and cannot be "
                          f"updated: delete it (aws cloudformation delete-stack --stack-name {stack_name}) "
                          "and deploy again")
    change_set_type = "UPDATE" if exists else "CREATE"
    name = f"deploy-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    request: dict[str, Any] = {
        "StackName": stack_name, "ChangeSetName": name, "ChangeSetType": change_set_type,
        "Capabilities": list(CAPABILITIES),
        "Parameters": _parameters(template, parameters or {}, existing if exists else None),
        "Description": "tools.deploy",
    }
    if url:
        request["TemplateURL"] = url
    else:
        body = template_body(template)
        if len(body.encode("utf-8")) > MAX_TEMPLATE_BODY:
            raise DeployError(f"template is {len(body.encode('utf-8')):,} bytes: over {MAX_TEMPLATE_BODY:,} "
                              "it must be uploaded and passed by URL")
        request["TemplateBody"] = body
    print(f"stack {stack_name}: creating change set {name} ({change_set_type})")
    started = datetime.now(UTC) - timedelta(minutes=1)  # allows for our clock running ahead
    try:
        change_set_id: str = cfn.create_change_set(**request)["Id"]
    except ClientError as exc:
        if any(marker in str(exc) for marker in _NO_CHANGES):
            print(f"stack {stack_name}: no changes")
            return False
        raise DeployError(f"could not create the change set: {exc}") from exc

    change_set = _wait_for_change_set(cfn, change_set_id, sleep)
    if change_set["Status"] == "FAILED":
        reason = change_set.get("StatusReason", "")
        if any(marker in reason for marker in _NO_CHANGES):
            print(f"stack {stack_name}: no changes")
            cfn.delete_change_set(ChangeSetName=change_set_id)
            return False
        raise DeployError(f"change set {name} failed: {reason}")
    for change in change_set.get("Changes", []):
        rc = change.get("ResourceChange", {})
        replacement = " (replacement)" if rc.get("Replacement") == "True" else ""
        print(f"  {rc.get('Action', '?'):<7} {rc.get('LogicalResourceId', '?')} {rc.get('ResourceType', '')}"
              f"{replacement}")

    print(f"stack {stack_name}: executing change set {name}")
    cfn.execute_change_set(ChangeSetName=change_set_id)
    status = _wait_for_stack(cfn, stack_name, sleep, timeout)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        print_stack_events(cfn, stack_name, started)
        raise DeployError(f"stack {stack_name} ended in {status}")
    return True


def _wait_for_change_set(cfn: CloudFormationClient, change_set_id: str,
                         sleep: Callable[[float], None]) -> dict[str, Any]:
    """The change set once CloudFormation has finished computing it (Changes from every page)."""
    deadline = time.monotonic() + 30 * 60
    while True:
        change_set: dict[str, Any] = cfn.describe_change_set(ChangeSetName=change_set_id)
        if change_set["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise DeployError(f"change set {change_set_id} still {change_set['Status']} after 30 minutes")
        sleep(CHANGE_SET_POLL)
    changes = list(change_set.get("Changes", []))
    token = change_set.get("NextToken")
    while token:
        page = cfn.describe_change_set(ChangeSetName=change_set_id, NextToken=token)
        changes.extend(page.get("Changes", []))
        token = page.get("NextToken")
    change_set["Changes"] = changes
    return change_set


def _wait_for_stack(cfn: CloudFormationClient, stack_name: str, sleep: Callable[[float], None],
                    timeout: float) -> str:
    """Poll until the stack's status is no longer *_IN_PROGRESS; return that status."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        stack = describe_stack(cfn, stack_name)
        status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        if status != last:
            print(f"stack {stack_name}: {status}", flush=True)
            last = status
        if not status.endswith("_IN_PROGRESS"):
            return status
        if time.monotonic() > deadline:
            raise DeployError(f"stack {stack_name} still {status} after {timeout / 60:.0f} minutes")
        sleep(STACK_POLL)


def _events(cfn: CloudFormationClient, stack_name: str, since: datetime) -> Iterator[dict[str, Any]]:
    """The stack's events since a moment, newest first."""
    token: str | None = None
    while True:
        page = cfn.describe_stack_events(StackName=stack_name, **({"NextToken": token} if token else {}))
        for event in page.get("StackEvents", []):
            stamp = event["Timestamp"]
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            if stamp < since:
                return
            yield event
        token = page.get("NextToken")
        if not token:
            return


def print_stack_events(cfn: CloudFormationClient, stack_name: str, since: datetime) -> None:
    """Print the stack's events since a moment, oldest first, to stderr."""
    try:
        events = list(_events(cfn, stack_name, since))
    except (ClientError, BotoCoreError) as exc:
        print(f"(could not read the stack events: {exc})", file=sys.stderr)
        return
    print(f"stack {stack_name}: events since {since:%Y-%m-%d %H:%M:%S} UTC:", file=sys.stderr)
    for event in reversed(events):
        reason = event.get("ResourceStatusReason", "")
        print(f"  {event['Timestamp']:%H:%M:%S} {event.get('ResourceStatus', ''):<28} "
              f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')})"
              f"{': ' + reason if reason else ''}", file=sys.stderr)


def stack_outputs(cfn: CloudFormationClient, stack_name: str) -> dict[str, str]:
    stack = describe_stack(cfn, stack_name)
    if stack is None:
        raise DeployError(f"stack {stack_name} does not exist")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


# --- 4. the portal ----------------------------------------------------------------------------------

@dataclass
class SyncResult:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.uploaded or self.deleted)


def content_type(key: str) -> str:
    """Content-Type for a site file; text types get `; charset=utf-8` (MkDocs writes UTF-8)."""
    suffix = Path(key).suffix.lower()
    guessed, encoding = _MIME.guess_type(key, strict=False)
    if encoding == "gzip":  # sitemap.xml.gz: a compressed file, not a compressed XML response
        return "application/gzip"
    kind = _MIME_OVERRIDES.get(suffix) or guessed or "application/octet-stream"
    if kind.startswith("text/") or kind in _UTF8_TYPES:
        kind += "; charset=utf-8"
    return kind


def cache_control(key: str) -> str:
    """HTML always revalidates; fingerprinted assets are immutable; anything else five minutes."""
    name = key.rsplit("/", 1)[-1]
    if name.lower().endswith((".html", ".htm")):
        return HTML_CACHE
    if key.startswith("assets/") and _HASHED_NAME.search(name):
        return HASHED_ASSET_CACHE
    return DEFAULT_CACHE


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _remote_etags(s3: S3Client, bucket: str) -> dict[str, str]:
    etags = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            etags[item["Key"]] = item.get("ETag", "").strip('"')
    return etags


def sync_site(s3: S3Client, bucket: str, site_dir: Path) -> SyncResult:
    """Make the bucket hold exactly the site: upload new and changed files (unchanged: the MD5 is
    the object's ETag; a multipart ETag is never equal, so such an object is re-uploaded), HTML
    last so pages never point at assets not yet uploaded, then delete what the site lacks."""
    local = {p.relative_to(site_dir).as_posix(): p for p in sorted(site_dir.rglob("*")) if p.is_file()}
    remote = _remote_etags(s3, bucket)
    result = SyncResult()
    for key in sorted(local, key=lambda k: (cache_control(k) == HTML_CACHE, k)):
        path = local[key]
        if remote.get(key) == _md5(path):
            result.unchanged.append(key)
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(key),
                      CacheControl=cache_control(key))
        result.uploaded.append(key)
    stale = sorted(set(remote) - set(local))
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1000 keys
        batch = stale[start:start + 1000]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        errors = response.get("Errors", [])
        if errors:
            raise DeployError(f"could not delete {len(errors)} object(s) from {bucket}, e.g. "
                              f"{errors[0].get('Key')}: {errors[0].get('Message')}")
        result.deleted.extend(batch)
    print(f"site: {len(result.uploaded)} uploaded, {len(result.deleted)} deleted, "
          f"{len(result.unchanged)} unchanged (s3://{bucket})")
    return result


def invalidate(cloudfront: CloudFrontClient, distribution_id: str | None, sync: SyncResult) -> str | None:
    """Invalidate `/*` when the sync changed anything and there is a distribution; return the
    invalidation's id (not waited for: CloudFront finishes it within minutes)."""
    if not distribution_id or not sync.changed:
        print("cdn: no invalidation needed" if distribution_id else "cdn: no DistributionId output, skipped")
        return None
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"deploy-{uuid.uuid4()}"},
    )
    invalidation_id: str = response["Invalidation"]["Id"]
    print(f"cdn: invalidation {invalidation_id} of /* on {distribution_id} requested")
    return invalidation_id


# --- the command ------------------------------------------------------------------------------------

def _parse_parameter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected Key=Value, got {text!r}")
    return key, value


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else ROOT / path


def _session(region: str | None) -> tuple[boto3.Session, str]:
    session = boto3.Session(region_name=region) if region else boto3.Session()
    resolved = region or session.region_name or os.environ.get("AWS_REGION")
    if session.get_credentials() is None:
        raise PreconditionError("no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY), or run where an instance/task role applies")
    if not resolved:
        raise PreconditionError("no AWS region: pass --region or set AWS_REGION (e.g. cn-north-1)")
    if session.region_name != resolved:
        session = boto3.Session(region_name=resolved)
    return session, resolved


def _check_bucket(s3: S3Client, bucket: str, region: str) -> None:
    try:
        location: str = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise PreconditionError(f"artifact bucket {bucket}: {code or exc} (it must exist and be readable "
                                "with these credentials)") from exc
    location = {"EU": "eu-west-1"}.get(location, location)
    if location != region:
        raise PreconditionError(f"artifact bucket {bucket} is in {location}, the stack in {region}: "
                                "Lambda needs its code in the same region")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--stack-name", default=DEFAULT_STACK, help=f"default: {DEFAULT_STACK}")
    parser.add_argument("--artifact-bucket", default=os.environ.get(BUCKET_ENV),
                        help=f"existing S3 bucket for code and template (default: ${BUCKET_ENV})")
    parser.add_argument("--region", help="default: the session's (AWS_REGION / AWS_DEFAULT_REGION / profile)")
    parser.add_argument("--site", type=Path, default=Path("build/site"), help="built portal (default: build/site)")
    parser.add_argument("--package", type=Path, default=Path("build/package"),
                        help="output of tools.package (default: build/package)")
    parser.add_argument("--parameter", type=_parse_parameter, action="append", default=[], metavar="Key=Value",
                        help="a stack parameter (repeatable); others keep their previous value")
    args = parser.parse_args(argv)
    stack_name: str = args.stack_name
    package_dir, site_dir = _resolve(args.package), _resolve(args.site)
    parameters = dict(args.parameter)

    try:
        session, region = _session(args.region)
        if not args.artifact_bucket:
            raise PreconditionError(f"no artifact bucket: pass --artifact-bucket or set {BUCKET_ENV}")
        bucket: str = args.artifact_bucket
        template_path = package_dir / "sam.json"
        if not template_path.is_file():
            raise PreconditionError(f"{template_path} not found (run `make package`)")
        if not (site_dir / "index.html").is_file():
            raise PreconditionError(f"{site_dir / 'index.html'} not found (run `make site`)")
        template: dict[str, Any] = json.loads(template_path.read_text(encoding="utf-8"))
        s3 = session.client("s3")
        cfn = session.client("cloudformation")
        try:
            identity = session.client("sts").get_caller_identity()
        except (ClientError, BotoCoreError) as exc:
            raise PreconditionError(f"the AWS credentials do not work: {exc}") from exc
        print(f"deploying stack {stack_name} to account {identity['Account']} in {region} "
              f"as {identity['Arn']}")
        _check_bucket(s3, bucket, region)
        _parameters(template, parameters, None)  # unknown parameter names fail before any upload
    except PreconditionError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 2

    try:
        prefix = f"{stack_name}/"
        uris = upload_artifacts(s3, bucket, template, package_dir, prefix)
        packaged = rewrite_template(template, uris)
        url = upload_template(s3, bucket, region, packaged, prefix)
        by_url = len(template_body(packaged).encode("utf-8")) > MAX_TEMPLATE_BODY
        deploy_stack(cfn, stack_name, packaged, parameters, url=url if by_url else None)
        outputs = stack_outputs(cfn, stack_name)
        if "BucketName" not in outputs:
            raise DeployError(f"stack {stack_name} has no BucketName output: cannot upload the portal")
        sync = sync_site(s3, outputs["BucketName"], site_dir)
        invalidate(session.client("cloudfront"), outputs.get("DistributionId"), sync)
    except (DeployError, PreconditionError) as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as exc:
        print(f"deploy: AWS refused: {exc}", file=sys.stderr)
        return 1

    print(f"PortalUrl: {outputs.get('PortalUrl', '(no output)')}")
    print(f"ApiUrl:    {outputs.get('ApiUrl', '(no output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
