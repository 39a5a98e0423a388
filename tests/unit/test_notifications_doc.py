"""docs/notifications.md lists every template as the code has it (for registration with the provider)."""

from chalicelib.core import templates
from tools import notifications_doc


def test_the_template_table_in_the_docs_is_current() -> None:
    doc = notifications_doc.DOC.read_text("utf-8")
    assert notifications_doc.render(doc) == doc, "run `make openapi` (tools/notifications_doc.py)"
    for template in templates.TEMPLATES.values():
        assert f"| `{template.id}` |" in doc
