"""MkDocs hook: a Chinese sentence wrapped across lines in a page's Markdown reads as one line.

Markdown keeps a source line break inside a paragraph as a newline in the HTML, and a browser shows
that newline as a space: "报名，\\n尽量不聚集" reads "报名， 尽量不聚集". Chinese puts no space between
characters, so where both neighbours of such a break are CJK characters or CJK punctuation the
break (with the indentation around it) is removed. Inline tags between them (a link, emphasis) stay;
the break goes. Text inside <pre>, <code>, <script>, <style> and <textarea> is left exactly as it is,
and a break next to a Latin letter or a digit stays a space ("拨打 12351").

It works on the page's HTML (``on_page_content``), after Markdown has made its blocks, so a break that
separates blocks (list items, table rows, paragraphs) is never mistaken for one inside a sentence.
Zensical ignores hooks; its build keeps the spaces.
"""

from __future__ import annotations

import re
from typing import Any

# Ideographs (with extension A and the compatibility block), CJK symbols and punctuation (、。「」…),
# fullwidth forms (，！？（）：；) and the supplementary ideograph planes.
_CJK = ("\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
        "\U00020000-\U0003134f")
# Punctuation Chinese shares with other scripts (quotes, dash, ellipsis, middle dot): CJK only when
# the other side of the break is.
_SHARED = "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
# Phrasing tags a sentence may run through; a break next to any other tag (a block, an inline-block
# control) is left alone.
_INLINE = r"</?(?:a|abbr|b|em|i|mark|q|s|small|span|strong|sub|sup|u)\b[^>]*>"
_BREAK = re.compile(
    rf"(?:(?<=[{_CJK}])((?:{_INLINE})*)[ \t]*\r?\n\s*((?:{_INLINE})*)(?=[{_CJK}{_SHARED}])"
    rf"|(?<=[{_SHARED}])((?:{_INLINE})*)[ \t]*\r?\n\s*((?:{_INLINE})*)(?=[{_CJK}]))",
    re.IGNORECASE,
)
_VERBATIM = re.compile(r"(<(pre|code|script|style|textarea)\b.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)


def _join(text: str) -> str:
    return _BREAK.sub(lambda m: "".join(g or "" for g in m.groups()), text)


def join_cjk_lines(html: str) -> str:
    """The HTML with every line break between two CJK characters removed, except in verbatim elements."""
    parts = _VERBATIM.split(html)
    # split() yields text, then the verbatim element and its tag name, for each match.
    out = []
    for i in range(0, len(parts), 3):
        out.append(_join(parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def on_page_content(html: str, **kwargs: Any) -> str:
    return join_cjk_lines(html)
