"""The staff pages' labels are written from core/labels.py; they must be rewritten when it changes."""

from tools import labels_js


def test_the_pages_labels_match_the_app():
    assert labels_js.OUT.exists(), f"{labels_js.OUT} is missing: run `make openapi`"
    assert labels_js.OUT.read_text("utf-8") == labels_js.text(), f"{labels_js.OUT} is out of date: run `make openapi`"
