"""The OpenAPI 3.1 description, generated from the route registry and the pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from chalicelib.core.api import REGISTRY, RouteDoc

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string", "description": "中文标题"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "中文说明"},
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


def _schema_ref(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(doc: RouteDoc, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": doc.summary,
        "tags": [doc.tag],
        "operationId": f"{doc.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', doc.path.lower()).strip('_')}",
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
            "content": {"application/json": {"schema": _schema_ref(doc.body, components, "validation")}},
        }
    success: dict[str, Any] = {"description": "成功"}
    if doc.response is not None:
        success["content"] = {"application/json": {"schema": _schema_ref(doc.response, components, "serialization")}}
    elif doc.media_types:
        success["content"] = {t: {"schema": {"type": "string", "format": "binary"}} for t in doc.media_types}
    responses: dict[str, Any] = {str(doc.status): success}
    for status in doc.problems:
        responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    op["responses"] = responses
    return op


def generate() -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for doc in sorted(REGISTRY, key=lambda d: (d.path, d.method)):
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc, components)
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
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "工作人员：Cognito 签发的 ID 令牌；合作应用：市总工会签发的凭证（wsp_ 开头）。",
            }},
            "schemas": dict(sorted(components.items())),
            "responses": {
                f"Problem{s}": {"description": _PROBLEM_TITLES.get(s, "错误"), "content": problem_content}
                for s in statuses
            },
        },
    }
