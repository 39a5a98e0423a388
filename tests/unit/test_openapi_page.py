"""The partner-developer page is generated from the app; it must be regenerated when routes change."""

from tools import openapi_page


def test_the_developer_page_matches_the_app():
    for path, text in openapi_page.outputs().items():
        assert path.exists(), f"{path} is missing: run `make openapi`"
        assert path.read_text("utf-8") == text, f"{path} is out of date: run `make openapi`"
