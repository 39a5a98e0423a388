from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import ids

codes = st.text(alphabet=ids.ALPHABET, min_size=ids.DATA_LENGTH, max_size=ids.DATA_LENGTH)


def _with_check(data: str) -> str:
    return ids.format_reference(data + ids._check_char(data))


def test_new_references_are_valid_and_readable():
    for _ in range(200):
        ref = ids.new_reference()
        assert len(ref) == 11 and ref[4] == "-" and ref[9] == "-"
        assert ids.normalize_reference(ref) == ref
        assert not set(ref.replace("-", "")) & set("ILOU")


@given(codes)
def test_typing_forgiveness(data):
    ref = _with_check(data)
    typed = ref.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert ids.normalize_reference(typed) == ref


@given(codes, st.integers(min_value=0, max_value=ids.DATA_LENGTH), st.sampled_from(ids.ALPHABET))
def test_every_single_wrong_character_is_caught(data, position, replacement):
    compact = data + ids._check_char(data)
    if compact[position] == replacement:
        return
    wrong = compact[:position] + replacement + compact[position + 1:]
    assert ids.normalize_reference(wrong) is None


def test_wrong_lengths_and_symbols_are_refused():
    for bad in ["", "ABC", "ABCD-EFGH-JK", "ABCD-EFGH-*", "ABCD-EFGU-1"]:
        assert ids.normalize_reference(bad) is None
