"""The one xlsx writer: text cells only, formula-looking text marked literal, openpyxl loaded late."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from chalicelib.core import xlsx

ROOT = Path(__file__).resolve().parents[2]


def _cells(book: xlsx.Book) -> list[object]:
    sheet = load_workbook(io.BytesIO(book.content())).active
    assert sheet is not None
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


# A carriage return cannot come back out of an xlsx file (XML reads it as a line feed), and the
# request models refuse a bare one, so the text here holds none.
TYPED = st.text(st.characters(exclude_characters="\r"), max_size=40)


@given(st.lists(st.one_of(TYPED, st.integers(), st.floats(allow_nan=False), st.booleans(),
                          st.sampled_from(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '=HYPERLINK("http://x/?"&E3)'])),
                min_size=1, max_size=6))
def test_every_value_comes_back_as_text_and_never_as_a_formula(values):
    book = xlsx.Book()
    sheet = book.sheet("表", [xlsx.Column("列", 10)])
    sheet.append(values)
    cells = _cells(book)
    assert all(c.data_type == "s" for c in cells)  # type: ignore[attr-defined]
    expected = [xlsx.text(v) for v in values if xlsx.text(v)]
    assert [c.value for c in cells[1:]] == expected  # type: ignore[attr-defined]
    for cell in cells[1:]:
        assert bool(cell.quotePrefix) == xlsx.looks_like_formula(str(cell.value))  # type: ignore[attr-defined]


def test_a_value_starting_with_a_carriage_return_is_marked_literal():
    book = xlsx.Book()
    book.sheet("表", [xlsx.Column("列")]).append(["\r=1+1"])
    [_, cell] = _cells(book)
    assert cell.data_type == "s" and cell.quotePrefix  # type: ignore[attr-defined]


def test_headers_widths_and_a_frozen_header_below_a_title():
    book = xlsx.Book()
    sheet = book.sheet("名单", [xlsx.Column("姓名", 10), xlsx.Column("说明", 40)], preface=[["第一期"]])
    sheet.append(["张三", "=1+1"])
    loaded = load_workbook(io.BytesIO(book.content()))["名单"]
    assert [c.value for c in loaded[2]] == ["姓名", "说明"]
    assert loaded.freeze_panes == "A3" and loaded.column_dimensions["B"].width == 40
    assert sheet.rows == 1


def test_the_app_starts_without_loading_openpyxl():
    code = "import sys, app; print('openpyxl' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
           "WS_SECRET_KEY": os.environ.get("WS_SECRET_KEY", "unit-test-key")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
