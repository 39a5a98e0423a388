"""Structured JSON logs (Powertools Logger) with personal data redacted before serialisation.

Redaction happens in the formatter, so it covers the message, its arguments, extra keys and
exception text alike: national ID numbers, mainland mobile numbers and any value under a key
that names personal data are replaced.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_ID_NUMBER = re.compile(r"(?<![0-9０-９])[1-9１-９][0-9０-９]{16}[0-9０-９XxＸｘ](?![0-9０-９])")
_PHONE = re.compile(r"(?<![0-9０-９])(?:\+?86[- ]?)?[1１][3-9３-９][0-9０-９](?:[- ]?[0-9０-９]{4}){2}(?![0-9０-９])")
_PERSONAL_KEYS = re.compile(r"phone|mobile|id_number|idcard|address|password|token|secret|authorization",
                            re.IGNORECASE)
MASK = "[已隐去]"


def redact_text(text: str) -> str:
    return _PHONE.sub(MASK, _ID_NUMBER.sub(MASK, text))


def redact(value: Any, key: str = "") -> Any:
    if key and _PERSONAL_KEYS.search(key) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return super().serialize(log=redact(log))


# Not "worker-services": Chalice configures the logger named after the app (app.log) for itself.
logger = Logger(service="worker-services-api", logger_formatter=RedactingFormatter(), utc=True)
