"""Spending categories of the epidemic special fund (notice part 2.1) and which unit kinds may
use which: the rules are data, checked on every entry.

A category flagged `frontline` counts towards the share of spending that reached the frontline
(the notice asks that the fund lean to the frontline): consolation of frontline workers, of the
families they cannot look after, and food packages for frontline families.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str
    frontline: bool


CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category("frontline_medical", "慰问一线医护人员", "一线人员慰问", True),
    Category("frontline_police", "慰问公安干警", "一线人员慰问", True),
    Category("frontline_sanitation", "慰问环卫工人", "一线人员慰问", True),
    Category("frontline_supply", "慰问物资保障人员", "一线人员慰问", True),
    Category("frontline_other", "慰问其他一线工作人员", "一线人员慰问", True),
    Category("frontline_family", "慰问无法照顾的直系亲属", "一线人员慰问", True),
    Category("hardship_relief", "困难家庭救助", "困难救助", False),
    Category("project_builders", "慰问重点工程项目建设者", "重点工程慰问", False),
    Category("supplies_masks", "购买口罩", "防疫物资", False),
    Category("supplies_disinfectant", "购买消毒液", "防疫物资", False),
    Category("supplies_thermometers", "购买测温仪", "防疫物资", False),
    Category("supplies_other", "购买其他防疫物资", "防疫物资", False),
    Category("food_package", "爱心蔬菜、生活食品", "一线人员慰问", True),
)}

SUPPLY_CATEGORIES = frozenset(c for c in CATEGORIES if c.startswith("supplies_"))
STAFF_CONSOLATION = frozenset({"frontline_medical", "frontline_police", "frontline_sanitation", "frontline_supply",
                               "frontline_other", "frontline_family"})
GRASSROOTS_KINDS = frozenset({"enterprise_union", "hospital_union"})

# Unit kind -> the categories its fund may be spent on. A kind not listed may use every category.
# Grassroots unions: their own staff directly in the epidemic work, the relatives those staff cannot
# look after, and protective supplies (notice part 2.1, last sentence).
ALLOWED_BY_KIND: dict[str, frozenset[str]] = {
    kind: STAFF_CONSOLATION | SUPPLY_CATEGORIES for kind in GRASSROOTS_KINDS
}


def allowed_for(kind: str) -> frozenset[str]:
    return ALLOWED_BY_KIND.get(kind, frozenset(CATEGORIES))


def label(code: str) -> str:
    return CATEGORIES[code].label if code in CATEGORIES else code
