from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.fields import Note, Short
from chalicelib.core.models import DemoMarked, RequestModel, ResponseModel

MAX_AMOUNT_FEN = 100_000_000  # one entry: at most 1,000,000 yuan
MAX_BUDGET_FEN = 100_000_000_000  # a unit's annual budget: at most 1,000,000,000 yuan

UnitId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Year = Annotated[int, Field(title="预算年度", ge=2000, le=2100)]
Amount = Annotated[int, Field(title="金额（分）", gt=0, le=MAX_AMOUNT_FEN, strict=True)]


class BudgetIn(RequestModel):
    year: Year
    annual_budget_fen: Annotated[int, Field(title="年度收支预算（分）", ge=0, le=MAX_BUDGET_FEN, strict=True)]
    special_fund_fen: Annotated[int, Field(title="防控专项资金（分）", ge=0, le=MAX_BUDGET_FEN, strict=True)]
    version: Annotated[int | None, Field(title="读取时的版本号（首次设立时不填）", ge=1, le=1_000_000)] = None


class AllocationIn(RequestModel):
    from_unit_id: Annotated[UnitId, Field(title="拨出单位")]
    to_unit_id: Annotated[UnitId, Field(title="拨入的直属下级单位")]
    year: Year
    amount_fen: Amount
    approved_by: Annotated[Short | None, Field(title="审批人")] = None
    note: Annotated[Note | None, Field(title="说明")] = None


class SpendIn(RequestModel):
    unit_id: Annotated[UnitId, Field(title="支出单位")]
    category: Annotated[str, Field(title="支出类别", max_length=40)]
    amount_fen: Amount
    payee: Annotated[Short, Field(title="收款人或供应商")]
    beneficiary: Annotated[Short | None, Field(title="受益对象（如一线人员、困难职工的档案编号）")] = None
    receipt: Annotated[Short | None, Field(title="票据号")] = None
    approved_by: Annotated[Short | None, Field(title="审批人")] = None
    note: Annotated[Note | None, Field(title="说明")] = None


class ReverseIn(RequestModel):
    reason: Annotated[Note, Field(title="冲正原因")]
    approved_by: Annotated[Short | None, Field(title="审批人")] = None


class CategoryOut(ResponseModel):
    code: str
    label: str
    group: str
    frontline: bool = Field(description="计入一线倾斜比例")


class CategoryList(ResponseModel):
    items: list[CategoryOut]
    rules: dict[str, list[str]] = Field(description="各类工会组织可用的支出类别（未列出的类别不限）")


class Account(ResponseModel):
    unit_id: str
    unit_name: str
    year: int
    annual_budget_fen: int
    special_fund_fen: int
    balance_fen: int
    allocated_in_fen: int
    allocated_out_fen: int
    spent_fen: int
    version: int
    allowed_categories: list[str]


class Entry(DemoMarked):
    entry_id: str
    unit_id: str
    year: int
    kind: str = Field(description="fund_set 设立或调整 · allocation_out 拨出 · allocation_in 拨入 · "
                                  "spend 支出 · reversal 冲正")
    kind_label: str
    amount_fen: int
    balance_effect_fen: int = Field(description="对本单位余额的影响（负数为减少）")
    category: str | None = None
    category_label: str | None = None
    payee: str | None = None
    beneficiary: str | None = None
    receipt: str | None = None
    counterpart_unit_id: str | None = None
    counterpart_unit_name: str | None = Field(default=None, description="拨出或拨入的对方单位名称")
    reverses: str | None = None
    reversed_by: str | None = None
    note: str | None = None
    entered_by: str
    entered_by_name: str | None = Field(default=None, description="记账人的姓名")
    approved_by: str | None = None
    at: str


class EntryPage(ResponseModel):
    items: list[Entry]
    next_cursor: str | None = None


class Allocation(ResponseModel):
    out_entry: Entry
    in_entry: Entry


class CategoryAmount(ResponseModel):
    category: str
    label: str
    amount_fen: int


class ReportRow(ResponseModel):
    unit_id: str
    unit_name: str
    parent_id: str | None = None
    depth: int
    balance_fen: int = Field(description="本单位余额")
    spent_fen: int = Field(description="本单位支出")
    subtree_funded_fen: int = Field(description="本单位及下级设立的专项资金")
    subtree_balance_fen: int = Field(description="本单位及下级余额合计")
    subtree_spent_fen: int = Field(description="本单位及下级支出合计")
    subtree_frontline_fen: int = Field(description="其中用于一线的支出")
    frontline_share: float | None = Field(description="一线支出占比（无支出时为空）")
    categories: list[CategoryAmount] = Field(description="本单位及下级分类支出")
    monthly: dict[str, int] = Field(description="本单位及下级按月支出（北京时间，YYYY-MM → 分）")


class Report(ResponseModel):
    unit_id: str
    year: int
    items: list[ReportRow] = Field(description="本单位及下级单位，树的顺序")
    next_cursor: str | None = None


class Export(ResponseModel):
    filename: str
    content_type: str
    content_base64: str = Field(description="xlsx 文件内容，base64 编码")
    rows: int
