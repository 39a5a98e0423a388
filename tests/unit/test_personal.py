import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import personal

# A well-known valid example (GB 11643 sample) and its variations.
VALID_ID = "11010519491231002X"


def test_id_number_check_character():
    assert personal.id_check_character(VALID_ID[:17]) == "X"
    assert personal.normalize_id_number(VALID_ID) == VALID_ID


@pytest.mark.parametrize("typed", ["11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ",
                                   " 110105 19491231 002X "])
def test_id_number_input_is_normalised(typed):
    assert personal.normalize_id_number(typed) == VALID_ID


@pytest.mark.parametrize("bad", ["110105194912310021", "11010519491231002", "1101051949123100XX", "A1010519491231002X"])
def test_bad_id_numbers_are_refused_in_chinese(bad):
    with pytest.raises(ValueError, match=r"身份证|校验位"):
        personal.normalize_id_number(bad)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_17_digits_with_their_check_character_validate(first17):
    number = first17 + personal.id_check_character(first17)
    if number[0] == "0":
        return
    assert personal.normalize_id_number(number) == number


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "１３８００１３８０００"])
def test_mainland_mobiles_are_normalised(typed):
    assert personal.normalize_phone(typed) == "13800138000"


@pytest.mark.parametrize("bad", ["12345678901", "0538-6991364", "1380013800", "+1 415 555 0100", "abc"])
def test_non_mobiles_are_refused(bad):
    with pytest.raises(ValueError, match="手机号码"):
        personal.normalize_phone(bad)


@pytest.mark.parametrize(("typed", "says"), [
    ("12345678901", "没有这个号段"),
    ("0538-6991364", "固定电话"),
    ("1380013800", "现在填了 10 位"),
    ("23800138000", "以 1 开头"),
    ("abc", "只能填数字"),
])
def test_a_refused_number_says_what_is_wrong_and_what_a_landline_caller_can_do(typed, says):
    with pytest.raises(ValueError, match=says) as refused:
        personal.normalize_phone(typed)
    if typed != "abc":
        assert "12351" in str(refused.value)


def test_masks():
    assert personal.mask_phone("13800138000") == "138****8000"
    assert personal.mask_id_number(VALID_ID) == "110***********002X"
    assert personal.mask_name("张敏") == "张*"


def test_keyed_hash_is_stable_and_purpose_bound():
    assert personal.keyed_hash("phone", "13800138000") == personal.keyed_hash("phone", "13800138000")
    assert personal.keyed_hash("phone", "13800138000") != personal.keyed_hash("id", "13800138000")
    assert "13800138000" not in personal.keyed_hash("phone", "13800138000")
