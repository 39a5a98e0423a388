"""Stored secrets: encrypted with a key derived from the app's secret, unreadable with another."""

import os

import pytest

from chalicelib.core import config, secrets


def test_a_secret_comes_back_only_with_the_same_app_key(monkeypatch) -> None:
    token = secrets.encrypt("SEC0123456789abcdef")
    assert "SEC0123456789abcdef" not in token
    assert secrets.decrypt(token) == "SEC0123456789abcdef"
    monkeypatch.setenv("WS_SECRET_KEY", os.environ["WS_SECRET_KEY"] + "-another")
    config.reset_settings()
    try:
        with pytest.raises(secrets.SecretUnreadable):
            secrets.decrypt(token)
    finally:
        monkeypatch.undo()
        config.reset_settings()
