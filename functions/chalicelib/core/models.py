"""Shared pydantic building blocks: strict request models and safe text fields."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

# Zero-width, bidi overrides and other invisible format characters (Unicode category Cf), and
# control characters (Cc) have no place in anything a person types into a form.
_ALLOWED_CONTROLS_MULTILINE = {"\n", "\t"}


def _clean(value: str, multiline: bool) -> str:
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in _ALLOWED_CONTROLS_MULTILINE):
            raise ValueError("含有不允许的控制字符")
        if category in ("Cf", "Co", "Cs"):
            raise ValueError("含有不可见的格式字符，请删除后重新输入")
    return value


def _clean_line(value: str) -> str:
    return _clean(value, multiline=False)


def _clean_multiline(value: str) -> str:
    return _clean(value, multiline=True)


# Use as Annotated metadata: Annotated[str, StringConstraints(max_length=...), SINGLE_LINE].
SINGLE_LINE = AfterValidator(_clean_line)
MULTI_LINE = AfterValidator(_clean_multiline)

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), MULTI_LINE]


# Dates a form can mean: the service's records start with the epidemic and plan a few years ahead.
EARLIEST_DAY = date(2019, 1, 1)
LATEST_DAY = date(2099, 12, 31)


class FieldProblem(ValueError):
    """Raised by a check across fields (a model validator) to name the field the person should fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _in_range(value: object) -> None:
    if isinstance(value, list | tuple | set):
        for part in value:
            _in_range(part)
        return
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"应在 {EARLIEST_DAY.year} 年到 {LATEST_DAY.year} 年之间")


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are rejected, strings are not coerced, dates and
    times lie in a range a form can mean."""

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: object) -> object:
        _in_range(value)
        return value


def _nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return kinds == "null" or (isinstance(kinds, list) and "null" in kinds) or any(
        _nullable(option) for option in schema.get("anyOf", []))


def _none_is_left_out(schema: dict[str, Any]) -> None:
    """Answers leave out fields whose value is None (`http.json_response` dumps with exclude_none), so
    the published schema never requires a field that may be None."""
    properties = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if not _nullable(properties.get(name, {}))]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_none_is_left_out)


def _phone(value: str) -> str:
    from chalicelib.core.personal import normalize_phone

    return normalize_phone(value)


def _id_number(value: str) -> str:
    from chalicelib.core.personal import normalize_id_number

    return normalize_id_number(value)


# Invisible and control characters are refused before normalising (the phone parser would skip them).
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24), SINGLE_LINE,
                  AfterValidator(_phone)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24), SINGLE_LINE,
                     AfterValidator(_id_number)]


class HoneypotForm(RequestModel):
    """Base of everything the public submits: a field people leave empty and bots fill in."""

    website: Annotated[str, Field(max_length=0, title="网址（请留空）")] = ""


# The versions of the written consent (site/snippets/consent.html) a form may say it showed.
CONSENT_VERSIONS = {"2020-02-v1": "门户和合作应用使用的个人信息同意书（2020 年 2 月版）"}
ConsentVersion = Literal["2020-02-v1"]
assert set(get_args(ConsentVersion)) == set(CONSENT_VERSIONS)


class PublicForm(HoneypotForm):
    """A public form that collects personal data: with the consent to process it."""

    consent: Annotated[bool, Field(title="同意书")]
    consent_version: Annotated[ConsentVersion, Field(title="同意书版本", description="展示给填表人的同意书的版本")]

    @field_validator("consent")
    @classmethod
    def _must_consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("需要勾选同意后才能提交")
        return value
