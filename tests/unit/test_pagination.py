import pytest

from chalicelib.core import errors, pagination

KEY = {"PK": "UNIT#taishan", "SK": "UNIT", "GSI1PK": "TREE", "GSI1SK": "/city/taishan/"}


def test_round_trip_in_the_same_scope():
    cursor = pagination.encode_cursor(KEY, "units:/city/taishan/")
    assert pagination.decode_cursor(cursor, "units:/city/taishan/") == KEY


def test_no_more_pages_gives_no_cursor():
    assert pagination.encode_cursor(None, "s") is None
    assert pagination.decode_cursor(None, "s") is None


def test_a_cursor_from_another_scope_is_refused():
    cursor = pagination.encode_cursor(KEY, "units:/city/taishan/")
    with pytest.raises(errors.ProblemError) as caught:
        pagination.decode_cursor(cursor, "units:/city/daiyue/")
    assert caught.value.status == 400 and caught.value.errors[0].field == "cursor"


@pytest.mark.parametrize("tamper", ["flip", "garbage", "long", "no-dot"])
def test_tampered_cursors_are_refused(tamper):
    cursor = pagination.encode_cursor(KEY, "s")
    assert cursor
    body, sig = cursor.split(".")
    bad = {
        "flip": body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + sig,
        "garbage": "%%%.@@@",
        "long": "a" * 5000 + "." + sig,
        "no-dot": body + sig,
    }[tamper]
    with pytest.raises(errors.ProblemError):
        pagination.decode_cursor(bad, "s")
