"""Kinds of help a worker can ask for, with the hours within which a unit must respond.

This is configuration: the list follows the notice and can be extended without code changes
elsewhere (labels and due times are read from here by routes, queues and the portal).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    due_hours: int


CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category("psychological", "心理咨询与疏导", 24),
    Category("hardship", "困难帮扶", 24),
    Category("legal", "法律援助与权益咨询", 72),
    Category("supplies", "防护物资", 48),
    Category("medical_subsidy", "大病医疗补助", 72),
    Category("employment", "就业指导", 72),
    Category("wages", "疫情期间工资与劳动关系", 72),
    Category("women", "孕期、哺乳期女职工保护", 48),
    Category("transport", "返岗交通与送票", 48),
)}
