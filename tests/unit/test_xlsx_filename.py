"""Download names are what a person reads: the list, the unit's name, the week; no codes."""

from chalicelib.core import xlsx


def test_a_file_is_named_in_chinese_by_its_parts():
    assert xlsx.filename("爱心蔬菜配送单", "泰山区总工会", "第3周") == "爱心蔬菜配送单-泰山区总工会-第3周.xlsx"


def test_characters_a_file_system_refuses_are_replaced_and_empty_parts_left_out():
    assert xlsx.filename("报名名单", 'a/b:c*?"<>|', " ") == "报名名单-a_b_c_.xlsx"
