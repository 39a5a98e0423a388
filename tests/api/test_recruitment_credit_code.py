"""Unified social credit codes (GB 32100-2015): known codes pass, every single wrong character and
most neighbour swaps are caught (property-tested)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.recruitment.credit import ALPHABET, check_character, normalize_credit_code

heads = st.tuples(st.sampled_from("123456789ANY"), st.sampled_from("123459"),
                  st.text(alphabet="0123456789", min_size=6, max_size=6),
                  st.text(alphabet=ALPHABET, min_size=9, max_size=9)).map("".join)


def test_the_standards_example_and_real_looking_codes():
    assert normalize_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalize_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "应为 18 位"), ("91350100M000100Y44", "校验位不正确"),
    ("91350100M0001I0Y43", "不会出现"), ("91ABCDEFM000100Y43", "行政区划"),
])
def test_bad_codes_are_named(code, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_credit_code(code)


@given(heads)
def test_a_code_with_its_check_character_is_valid(head):
    assert normalize_credit_code(head + check_character(head)) == head + check_character(head)


@given(heads, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_every_single_wrong_character_is_caught(head, position, replacement):
    code = head + check_character(head)
    if code[position] == replacement or (2 <= position < 8 and not replacement.isdigit()):
        return
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(ValueError):
        normalize_credit_code(changed)
