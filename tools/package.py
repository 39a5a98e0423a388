"""Package the deployable CloudFormation template: the Chalice app merged with infra/.

    python -m tools.package --out build/package

1. Combines infra/*.yaml into one template (build/infra.merged.json): `chalice package
   --merge-template` takes a single file.
2. Runs `chalice package --stage dev --merge-template build/infra.merged.json <out>` from
   functions/ (this downloads Linux wheels for functions/requirements.txt from PyPI).
3. Checks that every throttled path in the API stage's MethodSettings exists in the generated
   API (API Gateway refuses to deploy a method setting for a missing path), that every function's
   role has the data policy, and that every alarm and dashboard graph points at a metric the app
   writes (chalicelib/core/metrics.py) or one AWS publishes (AWS_METRICS below).
4. Adds compiled bytecode for every .py to deployment.zip (tools/bytecode.py), refusing when this
   interpreter is not the functions' Python runtime.
5. Runs cfn-lint on the result with infra/.cfnlintrc; exits non-zero on any lint error.

No AWS credentials are needed and nothing is deployed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tools.bytecode import BytecodeError, add_bytecode, template_runtime

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
FUNCTIONS = ROOT / "functions"
CFNLINT_CONFIG = INFRA / ".cfnlintrc"
# The template sections the infra files may contribute; each key may be defined by one file only.
SECTIONS = ("Parameters", "Mappings", "Conditions", "Globals", "Resources", "Outputs")
# Regions the result is linted for: the global partition and both AWS China regions.
LINT_REGIONS = ("us-east-1", "cn-north-1", "cn-northwest-1")


class PackageError(RuntimeError):
    """A step failed; the message says which and why."""


def load_infra(infra_dir: Path = INFRA) -> dict[str, Any]:
    """Combine infra/*.yaml into one template; a logical id defined twice is an error."""
    combined: dict[str, Any] = {}
    files = sorted(infra_dir.glob("*.yaml"))
    if not files:
        raise PackageError(f"no templates in {infra_dir}")
    owners: dict[tuple[str, str], str] = {}
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            raise PackageError(f"{path}: not a template (top level is not a mapping)")
        unknown = set(doc) - set(SECTIONS)
        if unknown:
            raise PackageError(f"{path}: unsupported sections {sorted(unknown)}; use {SECTIONS}")
        for section in SECTIONS:
            for key, value in (doc.get(section) or {}).items():
                first = owners.setdefault((section, key), path.name)
                if first != path.name:
                    raise PackageError(f"{section}.{key} is defined in both {first} and {path.name}")
                combined.setdefault(section, {})[key] = value
    return combined


def deep_merge(overlay: Any, base: Any) -> Any:
    """Merge the way `chalice package --merge-template` does: maps key by key, anything else
    (lists included) is replaced by the overlay's value."""
    if isinstance(overlay, dict) and isinstance(base, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(value, base.get(key))
        return merged
    return overlay


def write_merge_template(template: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _tool(name: str) -> str:
    """The console script from this interpreter's environment, else from PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise PackageError(f"{name} not found (run `make deps`)")
    return found


def chalice_package(merge_template: Path, out: Path, stage: str = "dev") -> Path:
    """Run `chalice package` and return the path of the template it wrote."""
    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ)
    # Chalice insists on a region; it does not end up in the template (that uses AWS::Region).
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "cn-north-1"))
    cmd = [_tool("chalice"), "package", "--stage", stage, "--merge-template", str(merge_template), str(out)]
    print("$", " ".join(cmd), f"(in {FUNCTIONS.relative_to(ROOT)}/)", flush=True)
    result = subprocess.run(cmd, cwd=FUNCTIONS, env=env, check=False)
    if result.returncode != 0:
        raise PackageError(f"chalice package failed (exit {result.returncode})")
    for name in ("sam.json", "sam.yaml"):
        if (out / name).exists():
            return out / name
    raise PackageError(f"chalice package wrote no sam.json/sam.yaml in {out}")


def _decode_path(resource_path: str) -> str:
    """`/~1status~1lookup` (a MethodSetting's ResourcePath) is the route `/status/lookup`."""
    return resource_path.removeprefix("/").replace("~1", "/")


def check_method_settings(template: dict[str, Any]) -> list[str]:
    """Problems with RestAPI's MethodSettings: paths or methods the generated API lacks."""
    api = template.get("Resources", {}).get("RestAPI", {}).get("Properties", {})
    paths: dict[str, Any] = api.get("DefinitionBody", {}).get("paths", {})
    problems = []
    for setting in api.get("MethodSettings", []):
        resource_path = setting.get("ResourcePath", "")
        method = str(setting.get("HttpMethod", "*")).lower()
        if resource_path == "/*":
            continue
        path = _decode_path(resource_path)
        if path not in paths:
            problems.append(f"MethodSettings: no route {path} in the API (have: {', '.join(sorted(paths))})")
        elif method != "*" and method not in paths[path]:
            problems.append(f"MethodSettings: route {path} has no {method.upper()} method")
    return problems


def check_function_roles(template: dict[str, Any]) -> list[str]:
    """Every function's role must get the data policy (the table, the secret), and every function
    the app's environment: Chalice makes a role per function (API handler, authorizer, schedules)."""
    resources = template.get("Resources", {})
    policy_roles = {r.get("Ref") for r in resources.get("ApiHandlerDataPolicy", {}).get("Properties", {})
                    .get("Roles", [])}
    has_globals = "TABLE_NAME" in template.get("Globals", {}).get("Function", {}).get("Environment", {}) \
        .get("Variables", {})
    problems = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        role = resource.get("Properties", {}).get("Role", {})
        role_id = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
        if role_id not in policy_roles:
            problems.append(f"function {name}: its role {role_id} is not in ApiHandlerDataPolicy's Roles")
    if not has_globals:
        problems.append("Globals.Function.Environment.Variables.TABLE_NAME is missing")
    return problems


# The AWS metrics the alarms and the dashboard may use, with the dimension sets AWS publishes them
# under (CloudWatch documentation: "Lambda function metrics", "DynamoDB metrics and dimensions",
# "Available CloudWatch metrics for Amazon SQS", "AWS WAF metrics and dimensions"; a web ACL for
# CloudFront has no Region dimension).
AWS_METRICS: dict[str, dict[str, tuple[frozenset[str], ...]]] = {
    "AWS/Lambda": {name: (frozenset({"FunctionName"}),) for name in ("Errors", "Throttles", "IteratorAge")},
    "AWS/DynamoDB": {name: (frozenset({"TableName", "Operation"}),) for name in ("ThrottledRequests", "SystemErrors")},
    "AWS/SQS": {"ApproximateNumberOfMessagesVisible": (frozenset({"QueueName"}),)},
    "AWS/WAFV2": {"BlockedRequests": (frozenset({"WebACL", "Rule"}), frozenset({"WebACL", "Rule", "Region"}))},
}
APP_NAMESPACE_PARAMETER = "MetricsNamespace"


def _dimension_sets(dimensions: list[Any]) -> list[frozenset[str]]:
    """The dimension names an alarm's metric has; an `Fn::If` entry gives one set per branch."""
    plain = {d["Name"] for d in dimensions if isinstance(d, dict) and "Name" in d}
    sets = [frozenset(plain)]
    for entry in dimensions:
        if isinstance(entry, dict) and "Fn::If" in entry:
            sets = [s | branch for s in sets for branch in
                    (frozenset({b["Name"]}) if isinstance(b, dict) and "Name" in b else frozenset()
                     for b in entry["Fn::If"][1:])]
    return sets


def _metric_problem(where: str, namespace: Any, name: str, dimensions: dict[str, Any] | list[frozenset[str]],
                    service: str) -> str | None:
    """Why a metric reference names no metric the app or AWS emits, or None when it does."""
    from chalicelib.core import metrics

    if namespace in ({"Ref": APP_NAMESPACE_PARAMETER}, "${" + APP_NAMESPACE_PARAMETER + "}"):
        metric = metrics.CATALOGUE.get(name)
        if metric is None:
            return f"{where}: the app emits no metric {name} (chalicelib/core/metrics.py)"
        sets = dimensions if isinstance(dimensions, list) else [frozenset(dimensions)]
        values = dimensions if isinstance(dimensions, dict) else {}
        published = {frozenset(d) for d in metric.dimensions}
        for names in sets:
            if "service" not in names or frozenset(names - {"service"}) not in published:
                return (f"{where}: {name} is emitted with dimensions {metric.dimensions} (and service), "
                        f"not {sorted(names)}")
        if values and values.get("service") != service:
            return f"{where}: service dimension {values.get('service')!r}, the functions' is {service!r}"
        return None
    known = AWS_METRICS.get(str(namespace), {}).get(name)
    if known is None:
        return f"{where}: {namespace} {name} is not in AWS_METRICS (tools/package.py)"
    sets = dimensions if isinstance(dimensions, list) else [frozenset(dimensions)]
    for names in sets:
        if names not in known:
            return f"{where}: AWS publishes {namespace} {name} with {[sorted(k) for k in known]}, not {sorted(names)}"
    return None


def _dashboard_metrics(body: str) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, name, dimensions) of every metric line in a dashboard body (math expressions
    and `SEARCH` lines are left out)."""
    found = []
    for widget in json.loads(body).get("widgets", []):
        for line in widget.get("properties", {}).get("metrics", []):
            parts = [p for p in line if isinstance(p, str)]
            if not parts or len(parts) < 2:
                continue
            namespace, name, rest = parts[0], parts[1], parts[2:]
            found.append((namespace, name, dict(zip(rest[::2], rest[1::2], strict=False))))
    return found


def check_alarm_metrics(template: dict[str, Any]) -> list[str]:
    """Problems with the alarms and dashboards: a metric neither the app nor AWS emits, or one
    under dimensions it is not published with."""
    resources = template.get("Resources", {})
    service = str(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
                  .get("POWERTOOLS_SERVICE_NAME", ""))
    problems: list[str] = []
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            queried = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]
            stats = [(props.get("Namespace"), props.get("MetricName"), props.get("Dimensions", []))] \
                if "MetricName" in props else \
                [(m.get("Namespace"), m.get("MetricName"), m.get("Dimensions", [])) for m in queried]
            if not stats:
                problems.append(f"alarm {logical_id}: names no metric")
            for namespace, name, dims in stats:
                values = {d["Name"]: d["Value"] for d in dims if isinstance(d, dict) and "Name" in d}
                dimensions: dict[str, Any] | list[frozenset[str]] = values if all(
                    isinstance(d, dict) and "Name" in d for d in dims) else _dimension_sets(dims)
                problem = _metric_problem(f"alarm {logical_id}", namespace, str(name), dimensions, service)
                if problem:
                    problems.append(problem)
        elif resource.get("Type") == "AWS::CloudWatch::Dashboard":
            body = props.get("DashboardBody")
            bodies = body["Fn::If"][1:] if isinstance(body, dict) and "Fn::If" in body else [body]
            for one in bodies:
                text = one["Fn::Sub"] if isinstance(one, dict) else one
                text = text[0] if isinstance(text, list) else text  # Fn::Sub [body, variables]
                for namespace, name, dims in _dashboard_metrics(str(text)):
                    problem = _metric_problem(f"dashboard {logical_id}", namespace, name, dims, service)
                    if problem:
                        problems.append(problem)
    return problems


def cfn_lint(template: Path, regions: tuple[str, ...] = LINT_REGIONS) -> int:
    """Run cfn-lint; return its exit code (a bit mask: 2 errors, 4 warnings, 8 informational)."""
    cmd = [_tool("cfn-lint"), "--config-file", str(CFNLINT_CONFIG), "--regions", *regions, "--", str(template)]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("build/package"), help="output directory")
    parser.add_argument("--stage", default="dev", help="Chalice stage (default: dev)")
    args = parser.parse_args(argv)
    out: Path = args.out if args.out.is_absolute() else ROOT / args.out
    try:
        merge_template = write_merge_template(load_infra(), out.parent / "infra.merged.json")
        print(f"infra/ combined into {merge_template}")
        template_path = chalice_package(merge_template, out, args.stage)
        template = json.loads(template_path.read_text(encoding="utf-8")) if template_path.suffix == ".json" \
            else yaml.safe_load(template_path.read_text(encoding="utf-8"))
        problems = check_method_settings(template) + check_function_roles(template) + check_alarm_metrics(template)
        if problems:
            raise PackageError("\n".join(problems))
        runtime = template_runtime(template)
        sources, compiled = add_bytecode(out / "deployment.zip", runtime)
        print(f"bytecode: {compiled} of {sources} .py files compiled for {runtime}")
        code = cfn_lint(template_path)
    except (PackageError, BytecodeError) as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    if code & 2:
        print(f"package: cfn-lint found errors in {template_path}", file=sys.stderr)
        return 1
    if code:
        print("cfn-lint: warnings or notes only (see above)")
    else:
        print("cfn-lint: clean")
    print(f"template: {template_path}")
    print(f"code:     {out / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
