"""The portal's hook that joins a Chinese sentence wrapped across source lines (site/hooks/cjk_lines.py):
no space shows where the Markdown was wrapped, code and scripts stay exactly as written."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

HOOK = Path(__file__).resolve().parents[2] / "site" / "hooks" / "cjk_lines.py"


def _hook() -> ModuleType:
    # "site" is also the standard library's module: load the hook from its file, as MkDocs does.
    spec = importlib.util.spec_from_file_location("cjk_lines", HOOK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


join = _hook().join_cjk_lines


@pytest.mark.parametrize(("html", "joined"), [
    ("<p>职工\n找工作</p>", "<p>职工找工作</p>"),
    ("<p>报名，\n尽量不聚集</p>", "<p>报名，尽量不聚集</p>"),
    ("<li>登记\n    家属。</li>", "<li>登记家属。</li>"),  # the indentation of a list item's next line
    ("<p>查询\r\n进度</p>", "<p>查询进度</p>"),
    ("<p>见<a href=\"status/\">查询办理进度</a>。\n不方便填写的</p>",
     "<p>见<a href=\"status/\">查询办理进度</a>。不方便填写的</p>"),
    ("<p>拨打<strong>\n12351</strong></p>", "<p>拨打<strong>\n12351</strong></p>"),
    ("<p>请<a href=\"x\">\n联系</a>工会</p>", "<p>请<a href=\"x\">联系</a>工会</p>"),
    ("<p>同意转给\n“招聘单位”</p>", "<p>同意转给“招聘单位”</p>"),
    ("<p>“招聘单位”\n同意</p>", "<p>“招聘单位”同意</p>"),
])
def test_a_break_between_chinese_characters_is_removed(html: str, joined: str) -> None:
    assert join(html) == joined


@pytest.mark.parametrize("html", [
    "<p>拨打\n12351</p>",  # Chinese next to a digit or a Latin letter keeps its space
    "<p>Call\n12351 热线</p>",
    "<p>使用 API\n接口</p>",
    "<p>“quoted”\n“words”</p>",  # shared punctuation on both sides is not Chinese
    "<p>第一段</p>\n<p>第二段</p>",  # a break between blocks
    "<button>提交</button>\n<button>取消</button>",  # between controls the space is the gap
    "<p>职工</p>\n\n<ul>\n<li>找工作</li>\n</ul>",
])
def test_other_breaks_stay(html: str) -> None:
    assert join(html) == html


@pytest.mark.parametrize("tag", ["pre", "code", "script", "style", "textarea", "PRE"])
def test_verbatim_elements_are_untouched(tag: str) -> None:
    inner = "职工\n找工作\n  。缩进"
    html = f"<p>前\n后</p><{tag} class=\"x\">{inner}</{tag}><p>前\n后</p>"
    assert join(html) == f"<p>前后</p><{tag} class=\"x\">{inner}</{tag}><p>前后</p>"


def test_a_code_block_inside_pre_is_untouched_whole() -> None:
    html = "<pre><code>第一行\n第二行</code>\n中文\n继续</pre><p>正文\n接着</p>"
    assert join(html) == "<pre><code>第一行\n第二行</code>\n中文\n继续</pre><p>正文接着</p>"


def test_the_hook_answers_mkdocs_on_page_content() -> None:
    assert _hook().on_page_content("<p>职工\n找工作</p>", page=None, config={}, files=[]) == "<p>职工找工作</p>"
