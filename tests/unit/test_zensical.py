"""Zensical (Material's successor) builds the portal's mkdocs.yml with every page MkDocs builds.

Its warnings are shown in the test summary and do not fail; an error or a missing page does.
"""

from __future__ import annotations

import warnings

from tools import zensical_check


def test_zensical_builds_the_same_config_and_pages() -> None:
    assert zensical_check.MKDOCS_SITE.is_dir(), "build/site is missing: `make site` builds it before the tests"
    result = zensical_check.build()
    for line in result.warnings:
        warnings.warn(f"Zensical: {line}", UserWarning, stacklevel=1)
    assert result.returncode == 0, result.output
    assert not result.missing_pages, f"MkDocs builds these, Zensical does not: {result.missing_pages}"
    assert "index.html" in zensical_check.pages(zensical_check.MKDOCS_SITE)


def test_a_config_zensical_refuses_fails_the_check(monkeypatch, tmp_path) -> None:
    """The check is not blind: a search option Zensical does not know is an error, not a warning."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: site\nsite_dir: build/site\nplugins:\n  - search:\n      jieba_dict_user: x.txt\n",
        encoding="utf-8")
    monkeypatch.setattr(zensical_check, "ROOT", tmp_path)
    result = zensical_check.build()
    assert result.returncode != 0
    assert "jieba_dict_user" in result.output
    assert not result.ok


def test_warnings_are_reported_without_failing() -> None:
    result = zensical_check.Result(0, "Build started\nWarning: something Zensical does not like\nBuild finished")
    assert result.warnings == ["Warning: something Zensical does not like"]
    assert result.ok
