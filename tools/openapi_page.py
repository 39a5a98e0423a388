"""Write the partner-developer page from the app's OpenAPI description:
site/developers/api.md (readable, no third-party assets) and site/developers/openapi.json; and the
route index app.py registers the routes from (functions/chalicelib/route_index.json).

`python -m tools.openapi_page` (`make openapi`); tests/unit/test_openapi_page.py fails when the
committed files differ from what this writes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "site" / "developers"
RETRY = {"no": "否（修改请求，或请工作人员处理）", "same": "是：按 Retry-After 等待后用同一个 Idempotency-Key 原样重发",
         "reread": "重新读取记录，按新的状态或版本再决定"}
AUDIENCES = {"public": "公开（无需登录；合作应用可带凭证）", "staff": "工作人员（登录）", "partner": "合作应用（凭证）"}


FUNCTIONS = ROOT / "functions"
ROUTE_INDEX = FUNCTIONS / "chalicelib" / "route_index.json"


def route_modules() -> list[str]:
    """Every domain's routes module, found on disk (not from the index, which this writes)."""
    return sorted(f"chalicelib.{path.parent.name}.routes" for path in (FUNCTIONS / "chalicelib").glob("*/routes.py"))


def spec() -> dict[str, Any]:
    os.environ.setdefault("WS_SECRET_KEY", "openapi-page")
    import app
    from chalicelib.core import openapi

    app.load_routes()
    for module in route_modules():
        importlib.import_module(module)
    return openapi.generate()


def route_index() -> str:
    """The index app.py registers the routes from (path, method, audience, module), after `spec()`."""
    from chalicelib.core.api import REGISTRY, index_of

    return json.dumps(index_of(REGISTRY), ensure_ascii=False, indent=1) + "\n"


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return f"[{schema['$ref'].rsplit('/', 1)[1]}](#{schema['$ref'].rsplit('/', 1)[1].lower()})"
    if "anyOf" in schema:
        return " 或 ".join(_type_of(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"{_type_of(schema.get('items', {}))} 列表"
    if "enum" in schema:
        return "、".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    return str(schema.get("type", "任意"))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _schema_table(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [_cell(schema["description"]), ""]
    properties = schema.get("properties")
    if not properties:
        return [*lines, f"类型：{_type_of(schema)}", ""]
    required = set(schema.get("required", []))
    lines += ["| 字段 | 类型 | 必填 | 说明 |", "|---|---|---|---|"]
    for field, prop in properties.items():
        limits = [f"{k} {prop[k]}" for k in ("minLength", "maxLength", "minimum", "maximum", "pattern") if k in prop]
        note = "；".join(x for x in (prop.get("title", ""), prop.get("description", ""), "，".join(limits)) if x)
        lines.append(f"| `{field}` | {_cell(_type_of(prop))} | {'是' if field in required else ''} | {_cell(note)} |")
    return [*lines, ""]


def _promises() -> list[str]:
    """Idempotency, limits and retries, from the code's own figures."""
    from chalicelib.core.ratelimit import CREDENTIAL, PERSON, SOURCE

    return [
        "**重复提交**：所有写操作（POST、PUT）都遵守 `Idempotency-Key`。同一编号、同一内容再次提交，返回第一次的"
        "结果（响应头 `Idempotent-Replayed: true`），不会重复登记；同一编号换了内容，返回 422；出错的提交不会被"
        "记住，改正后可以用同一编号再提交；第一次还在处理中时再次提交，返回 409，稍后再试。",
        "",
        "**提交频率**：公开的写操作按人计数：查询、取消等带编号的按编号，其余按手机号，同一人在同一接口每 "
        f"{PERSON.window // 60} 分钟最多 {PERSON.count} 次；同一来源地址（或同一合作应用）每 {SOURCE.window} 秒最多 "
        f"{SOURCE.count} 次。重复提交已完成的请求（同一 `Idempotency-Key`）不计次数。超过时返回 429，"
        "`Retry-After` 响应头给出需要等待的秒数。合作应用凭证错误累计 "
        f"{CREDENTIAL.count} 次后，该来源地址在 {CREDENTIAL.window // 60} 分钟的计数周期结束前带凭证的请求一律返回 "
        "429（正确的凭证也一样）。",
        "",
        "**稍后重试**：返回 503 时请求没有被保存，请按 `Retry-After` 等待后用同一个 `Idempotency-Key` 重试。",
    ]


def _problem_types() -> list[str]:
    from chalicelib.core.errors import CATALOGUE, type_uri

    lines = ["## 问题类型一览 {#problem-types}", "",
             "错误以 `application/problem+json`（RFC 9457）返回，`title`、`detail` 为中文，"
             "字段错误在 `errors` 列表中逐项给出 `field` 和 `message`。"
             "`type` 是下表中的一种，每种类型一个标题；“可以重试”说明客户端该怎么做。"
             "以后可能增加新的类型：不认识的类型按它的 HTTP 状态码处理。", "",
             "| type | 状态码 | title | 可以重试 | 说明 |", "|---|---|---|---|---|"]
    for code, kind in sorted(CATALOGUE.items(), key=lambda item: (item[1].status, item[0])):
        lines.append(f"| `{type_uri(code)}` | {kind.status} | {_cell(kind.title)} | {RETRY[kind.retry]} | "
                     f"{_cell(kind.description)} |")
    return [*lines, ""]


def render(doc: dict[str, Any]) -> str:
    from chalicelib.core.api import REGISTRY

    audience = {(d.method.lower(), d.path): d for d in REGISTRY}
    lines = [
        "---", "search:", "  exclude: true", "---", "",
        "# 接口说明（合作应用开发者）", "",
        doc["info"]["description"], "",
        "接口地址前缀为本站的 `/api`。写操作请带 `Idempotency-Key` 请求头（每次填写生成一个，如 UUID），"
        "网络重试时使用同一个，会得到第一次的结果而不会重复登记。合作应用以 `Authorization: Bearer <凭证>` "
        "调用，凭证由市总工会签发，可随时吊销。",
        "", *_promises(), "",
        "机器可读的描述：[openapi.json](openapi.json)（OpenAPI 3.1）。每个接口有固定的英文 `operationId`，"
        "分组（tag）为英文名、中文名见 `x-displayName`，用代码生成工具（如 openapi-python-client）生成的客户端"
        "按这些名字命名。接入步骤、示例程序、调用频率限制和工作人员登录见[合作应用接入指南](guide.md)。", "",
        "## 接口一览", "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            by_tag.setdefault(op["tags"][0], []).append((method, path, op))
    labels = {t["name"]: t["x-displayName"] for t in doc.get("tags", [])}
    for tag, ops in sorted(by_tag.items()):
        lines += [f"### {labels.get(tag, tag)}（`{tag}`）", "",
                  "| 方法 | 路径 | 说明 | operationId | 调用方 |", "|---|---|---|---|---|"]
        for method, path, op in ops:
            who = AUDIENCES.get(audience[(method, path)].audience, "")
            name = op["operationId"]
            lines.append(f"| {method.upper()} | `/api{path}` | {_cell(op['summary'])} | `{name}` | {who} |")
        lines.append("")
    lines += _problem_types()
    lines += ["## 数据结构", ""]
    for name, schema in doc["components"]["schemas"].items():
        lines += _schema_table(name, schema)
    return "\n".join(lines).rstrip() + "\n"


def outputs() -> dict[Path, str]:
    doc = spec()
    return {OUT_DIR / "api.md": render(doc),
            OUT_DIR / "openapi.json": json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
            ROUTE_INDEX: route_index()}


def main() -> int:
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
