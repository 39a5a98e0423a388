"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol
alphabet (no I, O, Z, S, V); characters 3-8 are the region's 6-digit administrative code; the 18th is
a check character: 31 - (sum of value x weight over the first 17, mod 31), with 31 written as 0."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """The canonical 18-character code, or ValueError with a Chinese reason."""
    code = unicodedata.normalize("NFKC", value).replace(" ", "").replace("-", "").upper()
    if len(code) != 18:
        raise ValueError("统一社会信用代码应为 18 位")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise ValueError(f"含有不会出现在统一社会信用代码中的字符：{''.join(bad)}")
    if not code[2:8].isdigit():
        raise ValueError("第 3 至 8 位应为行政区划代码（数字）")
    if check_character(code[:17]) != code[17]:
        raise ValueError("校验位不正确，请核对统一社会信用代码")
    return code
