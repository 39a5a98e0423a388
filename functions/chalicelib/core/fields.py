"""Field types shared by the request models: safe text of a few lengths, identifiers, phone numbers.

Each type is defined once here; a domain's models.py imports it, and keeps only the types whose
constraints are its own. The constraints are the published schema: changing one here changes every
field that uses it.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

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


def _line(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


# One line of text.
Name = Annotated[str, _line(1, 30), SINGLE_LINE]  # a person's name
Short = Annotated[str, _line(1, 60), SINGLE_LINE]  # a label, a supplier, a post, a payee
Title = Annotated[str, _line(2, 60), SINGLE_LINE]  # the name of a session, a firm
Line = Annotated[str, _line(2, 120), SINGLE_LINE]  # a place, a job's title, a firm's address
Address = Annotated[str, _line(4, 200), SINGLE_LINE]  # a postal address

# Text of several lines.
Note = Annotated[str, _line(1, 300), MULTI_LINE]
Message = Annotated[str, _line(1, 500), MULTI_LINE]
Text = Annotated[str, _line(1, 1000), MULTI_LINE]
LongText = Annotated[str, _line(1, 2000), MULTI_LINE]

# Identifiers.
UnitId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9-]{1,40}$")]
Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9._-]{2,39}$")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Version = Annotated[int, Field(title="读取时的版本号", ge=1, le=1_000_000)]

# Numbers and times.
Capacity = Annotated[int, Field(ge=1, le=100_000)]  # seats of a session


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("请带上时区，例如 2020-03-01T09:00:00+08:00")
    return value


Instant = Annotated[datetime, AfterValidator(_aware)]  # a moment, with its offset from UTC


def _phone(value: str) -> str:
    from chalicelib.core.personal import normalize_phone

    return normalize_phone(value)


def _call_phone(value: str) -> str:
    from chalicelib.core.personal import normalize_call_phone

    return normalize_call_phone(value)


def _id_number(value: str) -> str:
    from chalicelib.core.personal import normalize_id_number

    return normalize_id_number(value)


# Invisible and control characters are refused before normalising (the phone parser would skip them).
Phone = Annotated[str, _line(1, 24), SINGLE_LINE, AfterValidator(_phone)]
# A mobile number or a landline with its area code, for what hotline operators type in for callers.
CallPhone = Annotated[str, _line(1, 24), SINGLE_LINE, AfterValidator(_call_phone)]
IdNumber = Annotated[str, _line(1, 24), SINGLE_LINE, AfterValidator(_id_number)]
