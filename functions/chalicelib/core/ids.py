"""Reference codes: Crockford base32, 8 data characters and a check character, e.g. ZF7K-3QW9-M.

Codes are read aloud to hotline operators, so the check character stays inside the same
32-symbol alphabet (Luhn mod 32): it catches every single wrong character and most swaps of
two neighbours. Input is forgiving: lower case, spaces, hyphens, I/L for 1 and O for 0.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
DATA_LENGTH = 8


def _check_char(data: str) -> str:
    total = 0
    factor = 2
    for ch in reversed(data):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_reference() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return format_reference(data + _check_char(data))


def format_reference(compact: str) -> str:
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def normalize_reference(value: str) -> str | None:
    """The canonical form of a typed reference, or None when it is not a valid code."""
    compact = "".join(ch for ch in value.upper() if ch not in " -")
    compact = "".join(_ALIASES.get(ch, ch) for ch in compact)
    if len(compact) != DATA_LENGTH + 1 or any(ch not in _VALUE for ch in compact):
        return None
    if _check_char(compact[:DATA_LENGTH]) != compact[DATA_LENGTH]:
        return None
    return format_reference(compact)
