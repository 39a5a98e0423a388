import io
import json
import logging

import pytest
from pydantic import ValidationError

from chalicelib.core import logs
from chalicelib.support.models import SupportRequestIn
from tests.api.helpers import support_body


@pytest.mark.parametrize("text", ["张\x00三", "a\x1b[31mb", "\u202eevil", "zero\u200bwidth", "\ufeffbom"])
def test_invisible_and_control_characters_are_refused(text):
    with pytest.raises(ValidationError):
        SupportRequestIn.model_validate(support_body(name=text))


def test_newlines_are_allowed_in_descriptions_only():
    assert SupportRequestIn.model_validate(support_body(description="第一行\n第二行")).description == "第一行\n第二行"
    with pytest.raises(ValidationError):
        SupportRequestIn.model_validate(support_body(name="张\n三"))


def test_full_width_phone_is_normalised():
    assert SupportRequestIn.model_validate(support_body(phone="１３８００１３８０００")).phone == "13800138000"


def test_redaction_covers_messages_arguments_and_keys():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter())
    log = logging.getLogger("redaction-test")
    log.addHandler(handler)
    log.propagate = False
    log.warning("caller %s with id 11010519491231002X", "13800138000",
                extra={"phone": "x", "note": "+86 139 0013 9000"})
    line = stream.getvalue()
    record = json.loads(line)
    for secret in ["13800138000", "11010519491231002X", "139 0013 9000"]:
        assert secret not in line
    assert record["phone"] == logs.MASK


def test_redaction_keeps_ordinary_numbers():
    assert logs.redact_text("金额 8000 分，编号 2020-7") == "金额 8000 分，编号 2020-7"
