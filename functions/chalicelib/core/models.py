"""Shared pydantic building blocks: strict request models, answers, public forms (field types: fields.py).

Every model is built (its validator and serializer compiled) when it is first used, not at import
(`defer_build`): a container builds only the models of the routes it serves, and a cold start does
not pay for the two hundred others."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

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

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=True, frozen=True,
                              defer_build=True)

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
    model_config = ConfigDict(extra="forbid", json_schema_extra=_none_is_left_out, defer_build=True)


class DemoMarked(ResponseModel):
    """A record staff see, which may belong to the demo data set (core/demo.py): pages show it marked."""

    demo: bool = Field(default=False, description="示例数据（演示数据集中的记录，不计入上报的数字）")


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
