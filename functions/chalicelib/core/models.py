"""Shared pydantic building blocks: strict request models and safe text fields."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

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


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are rejected, strings are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=True, frozen=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
