"""The OpenAPI 3.1 description, generated from the route registry and the pydantic models."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.core.api import REGISTRY, RouteDoc
from chalicelib.core.errors import CATALOGUE, type_uri

_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        # Not an enum: a client built today must still read a problem of a type added later.
        "type": {"type": "string", "examples": [type_uri("validation"), type_uri("booking-retry")],
                 "description": "问题类型（/problems/ 加类型名），每种一个标题；全部类型及能否重试见接口说明页"},
        "title": {"type": "string", "description": "中文标题"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "中文说明"},
        "request_id": {"type": "string",
                       "description": "这次请求的编号（同响应头 X-Request-Id），向技术支持反映问题时请提供"
                                      "（页面上显示为“错误编号”）"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_PROBLEM_TITLES = {
    400: "请求内容有误", 401: "需要登录", 403: "没有权限", 404: "未找到", 405: "不支持的请求方法",
    409: "冲突", 413: "内容过大", 415: "内容类型不支持", 422: "重复请求编号用于不同内容",
    429: "提交太频繁", 500: "系统内部错误", 503: "服务暂时不可用",
}

# Tags as generated clients name their modules (ASCII), each with the Chinese name readers see.
TAGS = {
    "报名（招聘会、培训、返岗直通车）": "bookings",
    "场次管理（工作人员）": "staff_sessions",
    "工作看板": "dashboard",
    "爱心蔬菜": "delivery",
    "一线人员关爱": "frontline",
    "防控专项资金": "fund",
    "困难职工帮扶": "hardship",
    "登录": "sign_in",
    "合作应用": "partners",
    "工会组织": "units",
    "组织与人员管理": "admin",
    "个人信息": "privacy",
    "网上招聘": "recruitment",
    "招聘审核（工作人员）": "recruitment_review",
    "一线人员疗休养": "recuperation",
    "先进做法和典型案例": "reports",
    "进度查询": "status",
    "求助服务": "support",
    "求助办理": "support_work",
    "系统": "system",
}

Schemas = dict[tuple[type[BaseModel], str], dict[str, Any]]
_QUALIFIED = re.compile(r"chalicelib__(\w+?)__\w+?__(\w+)")


def _component_name(match: re.Match[str]) -> str:
    """pydantic names a model by its class unless two models share a class name; then it uses the module
    path (chalicelib__support__models__RollupPage), published here as SupportRollupPage."""
    return f"{match[1].title().replace('_', '')}{match[2]}"


def _label_as_description(prop: dict[str, Any]) -> None:
    """A field's Chinese label goes into its description: generated clients name an inline enum's class
    by its title, which must stay ASCII (they fall back to the model and field names)."""
    title = prop.get("title", "")
    if title and not title.isascii():
        del prop["title"]
        prop["description"] = f"{title}；{prop['description']}" if prop.get("description") else title


def _schemas(components: dict[str, Any]) -> Schemas:
    """Every request and response model in one pass, so two models with one class name get two
    components instead of one silently replacing the other."""
    wanted = {(d.body, "validation") for d in REGISTRY if d.body is not None}
    wanted |= {(d.response, "serialization") for d in REGISTRY if d.response is not None}
    ordered = sorted(wanted, key=lambda item: (item[0].__module__, item[0].__name__, item[1]))
    made = models_json_schema(ordered, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    refs: dict[Any, Any] = dict(made[0])
    top = made[1]
    text = json.dumps({"refs": [refs[item] for item in ordered],
                       "defs": top.get("$defs", {})}, ensure_ascii=False)
    renamed = json.loads(_QUALIFIED.sub(_component_name, text))
    for name, definition in renamed["defs"].items():
        definition["title"] = name  # generated clients name their classes by the title
        for prop in definition.get("properties", {}).values():
            _label_as_description(prop)
    components.update(renamed["defs"])
    return dict(zip(ordered, renamed["refs"], strict=True))


def _operation(doc: RouteDoc, schemas: Schemas) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": doc.summary,
        "tags": [TAGS[doc.tag]],
        "operationId": doc.operation_id,
    }
    if doc.description:
        op["description"] = doc.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": text}
        for name, text in doc.path_params.items()
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
        for name, text in doc.query_params.items()
    ]
    if doc.audience != "public":
        op["security"] = [{"bearer": []}]
    elif doc.operation:
        op["security"] = [{}, {"bearer": []}]
    if doc.idempotent:
        params.append({
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"},
            "description": "每次填写表单生成一个（如 UUID）；重试时使用同一个，得到第一次的结果。",
        })
    if params:
        op["parameters"] = params
    if doc.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas[(doc.body, "validation")]}},
        }
    success: dict[str, Any] = {"description": "成功"}
    if doc.response is not None:
        success["content"] = {"application/json": {"schema": schemas[(doc.response, "serialization")]}}
    elif doc.media_types:
        success["content"] = {t: {"schema": {"type": "string", "format": "binary"}} for t in doc.media_types}
    responses: dict[str, Any] = {str(doc.status): success}
    for status in doc.problems:
        responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    for status in doc.model_statuses:
        responses[str(status)] = {**success, "description": _PROBLEM_TITLES.get(status, "错误")}
    op["responses"] = responses
    return op


def _problem_description(status: int) -> str:
    title = _PROBLEM_TITLES.get(status, "错误")
    codes = "、".join(f"`{code}`" for code, kind in CATALOGUE.items() if kind.status == status)
    return f"{title}（问题类型：{codes}）" if codes else title


def generate() -> dict[str, Any]:
    components: dict[str, Any] = {}
    schemas = _schemas(components)
    components["Problem"] = _PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for doc in sorted(REGISTRY, key=lambda d: (d.path, d.method)):
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc, schemas)
    tags = {TAGS[d.tag]: d.tag for d in REGISTRY}
    statuses = sorted({s for d in REGISTRY for s in d.problems})
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "职工服务平台接口",
            "version": "1.0.0",
            "description": "面向职工、复工企业、各级工会工作人员和合作应用的接口。错误按 RFC 9457 "
                           "以 application/problem+json 返回，标题和说明为中文。",
        },
        "servers": [
            {"url": "/api", "description": "与门户同一地址（门户网址加 /api）"},
            {"url": "http://127.0.0.1:8000/api", "description": "本地运行（make run）"},
        ],
        "tags": [{"name": name, "x-displayName": label, "description": label} for name, label in sorted(tags.items())],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "工作人员：Cognito 签发的 ID 令牌；合作应用：市总工会签发的凭证（wsp_ 开头）。",
            }},
            "schemas": dict(sorted(components.items())),
            "responses": {
                f"Problem{s}": {"description": _problem_description(s), "content": problem_content}
                for s in statuses
            },
        },
    }
