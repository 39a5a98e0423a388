"""Structured JSON logs (Powertools Logger) with personal data redacted before serialisation.

Redaction happens in the formatter, so it covers the message, its arguments, extra keys and
exception text alike: national ID numbers, mainland mobile numbers and any value under a key
that names personal data are replaced.

The Logger is built when the app first logs (`logger()`), not when the app is imported: Powertools
loads with it, out of the cold import.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_ID_NUMBER = re.compile(r"(?<![0-9０-９])[1-9１-９][0-9０-９]{16}[0-9０-９XxＸｘ](?![0-9０-９])")
_PHONE = re.compile(r"(?<![0-9０-９])(?:\+?86[- ]?)?[1１][3-9３-９][0-9０-９](?:[- ]?[0-9０-９]{4}){2}(?![0-9０-９])")
_PERSONAL_KEYS = re.compile(r"phone|mobile|id_number|idcard|address|password|token|secret|authorization",
                            re.IGNORECASE)
MASK = "[已隐去]"
# The standard-library logger the Logger writes through. Not "worker-services": Chalice configures the
# logger named after the app (app.log) for itself.
SERVICE = "worker-services-api"


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


def formatter() -> LambdaPowertoolsFormatter:
    """A new Powertools JSON formatter that redacts each line before serialising it."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class RedactingFormatter(LambdaPowertoolsFormatter):
        def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
            return super().serialize(log=redact(log))

    return RedactingFormatter()


_built: list[Logger] = []
_lock = threading.Lock()


def logger() -> Logger:
    """The app's Logger, built on the first call (once per process, whichever thread asks first)."""
    if not _built:
        with _lock:
            if not _built:
                from aws_lambda_powertools import Logger

                _built.append(Logger(service=SERVICE, logger_formatter=formatter(), utc=True))
    return _built[0]
