"""Reading request bodies: content type, size, strict UTF-8 JSON, then the pydantic model."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib.core import errors
from chalicelib.core.config import settings
from chalicelib.core.models import FieldProblem

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "为必填项",
    "extra_forbidden": "是不认识的字段，请删除",
    "string_too_short": "不能为空" ,
    "string_too_long": "不能超过 {max_length} 个字",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为“是”或“否”",
    "bool_parsing": "应为“是”或“否”",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
    "date_from_datetime_parsing": "日期格式不正确（应为 年-月-日）",
    "date_parsing": "日期格式不正确（应为 年-月-日）",
    "date_type": "日期格式不正确（应为 年-月-日）",
    "datetime_parsing": "时间格式不正确",
    "datetime_type": "时间格式不正确",
    "list_type": "应为列表",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "model_type": "格式不正确",
    "dict_type": "格式不正确",
    "uuid_parsing": "格式不正确",
    "string_pattern_mismatch": "格式不正确",
}


def _label(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """The Chinese title of the field at loc, falling back to its name."""
    current: Any = model
    label = ".".join(str(p) for p in loc) or "请求内容"
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return str(part)
        label = info.title or str(part)
        annotation = info.annotation
        args = getattr(annotation, "__args__", ()) or ()
        nested = [a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        current = nested[0] if nested else None
    return label


def field_errors(model: type[BaseModel], exc: ValidationError) -> list[errors.FieldError]:
    result: list[errors.FieldError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "value_error" and isinstance(ctx.get("error"), FieldProblem):
            # A check across fields names the one to fix, in a message of its own.
            path = ".".join(str(p) for p in (*loc, ctx["error"].field))
            result.append(errors.FieldError(path, str(ctx["error"])))
            continue
        if kind == "value_error" and "error" in ctx:
            text = str(ctx["error"])
        else:
            text = _MESSAGES.get(kind, "格式不正确").format(**ctx)
        label = _label(model, loc)
        result.append(errors.FieldError(".".join(str(p) for p in loc) or "body", f"{label}{text}"))
    return result


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.validation_failed(field_errors(model, exc)) from None


def read_json(request: Request) -> Any:
    """The decoded JSON body, after the content-type and size checks."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise errors.unsupported_media_type()
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    limit = settings().max_body_bytes
    if len(raw) > limit:
        raise errors.payload_too_large(limit)
    if not raw.strip():
        raise errors.bad_request("请求内容为空。")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_request("请求内容不是有效的 UTF-8 编码。") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, oversized integers, NaN/Infinity
        raise errors.bad_request("请求内容不是有效的 JSON。") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def read_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object (forms and API bodies are always objects)."""
    data = read_json(request)
    if not isinstance(data, dict):
        raise errors.bad_request("请求内容应为 JSON 对象。")
    return data
