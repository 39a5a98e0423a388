"""Values one container keeps for a few seconds instead of reading them on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Ttl(Generic[V]):
    """Per key, the value `read` gave, trusted for `seconds` (monotonic clock) before it is read again."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[str, tuple[float, V]] = {}

    def get(self, key: str, read: Callable[[str], V]) -> V:
        now = time.monotonic()
        cached = self._items.get(key)
        if cached and now - cached[0] < self.seconds:
            return cached[1]
        value = read(key)
        self._items[key] = (now, value)
        return value

    def forget(self, key: str) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
