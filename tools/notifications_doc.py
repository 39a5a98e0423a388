"""Regenerate the template table in docs/notifications.md from chalicelib/core/templates.py
(`make openapi` runs it; tests/unit/test_notifications_doc.py fails when the table is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "notifications.md"
START, END = "<!-- templates:start -->", "<!-- templates:end -->"


def table() -> str:
    from chalicelib.core import templates
    from chalicelib.notify import providers

    rows = ["| 模板 id | 对象 | 用途 | 夜间 | 模板内容（报备用，变量为 `${name}`） |",
            "| --- | --- | --- | --- | --- |"]
    for template in templates.TEMPLATES.values():
        audience = "职工（短信）" if template.audience == "worker" else "工作人员（群机器人）"
        text = template.text + (providers.OPT_OUT_NOTE if template.audience == "worker" else "")
        night = "照发" if template.urgent or template.audience == "staff" else "次日 07:30 发"
        rows.append(f"| `{template.id}` | {audience} | {template.purpose} | {night} | {text} |")
    return "\n".join(rows)


def render(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    DOC.write_text(render(DOC.read_text("utf-8")), "utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
