"""The outbox's message builder: fixed templates, exact placeholders, nothing sensitive."""

import pytest

from chalicelib.core import outbox, templates


def test_every_template_is_short_and_names_its_placeholders() -> None:
    for template in templates.TEMPLATES.values():
        assert template.params, template.id
        assert len(template.text) <= 120, template.id  # two SMS parts at most before values
        assert "身份证" not in template.text and "困难" not in template.text


def test_a_message_with_a_missing_or_extra_value_is_refused() -> None:
    with pytest.raises(templates.TemplateError):
        templates.check("support_accepted", {})
    with pytest.raises(templates.TemplateError):
        templates.check("support_accepted", {"ref": "ZF7K-3QW9", "name": "张三"})
    with pytest.raises(templates.TemplateError):
        templates.check("no_such_template", {"ref": "ZF7K-3QW9"})


def test_an_id_number_never_goes_into_a_message() -> None:
    with pytest.raises(templates.TemplateError, match="ID number"):
        templates.check("support_resolved", {"ref": "ZF7K-3QW9", "reply": "已核实 11010519491231002X 的情况"})


def test_render_puts_the_signature_first_and_fills_the_values() -> None:
    text = templates.render("support_accepted", {"ref": "ZF7K-3QW9"}, "【泰安市总工会】")
    assert text == "【泰安市总工会】您的求助（编号ZF7K-3QW9）已受理，工作人员会与您联系。"


def test_staff_words_are_shortened_saying_where_the_rest_is() -> None:
    reply = templates.shorten("很长的答复" * 100)
    assert len(reply) == templates.LONG_PARAM_MAX and reply.endswith("（详见门户查询）")
    templates.check("support_resolved", {"ref": "ZF7K-3QW9", "reply": reply})


def test_the_outbox_op_is_a_new_pending_message_about_its_record() -> None:
    op = outbox.to_phone("support_accepted", "13800138000", {"ref": "ZF7K-3QW9"},
                         outbox.about("support", "ZF7K-3QW9"), now="2026-03-01T02:00:00Z")
    item = op.params["Item"]
    assert op.name == "outbox_message" and op.kind == "Put"
    assert item["state"] == "pending" and item["channel"] == "sms" and item["to"] == "13800138000"
    assert item["GSI1PK"] == "MSGFOR#support:ZF7K-3QW9"
    assert item["ttl"] > 0 and item["urgent"] is False
