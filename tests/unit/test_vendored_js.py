"""Browser libraries served from our own origin are exact copies of their pinned npm packages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
VENDORED = {  # file under site/ -> (npm package, file in the package)
    "assets/javascripts/vendor/qrcode-generator.js": ("qrcode-generator", "dist/qrcode.js"),
}


def test_each_vendored_file_is_its_pinned_package_unchanged():
    pins = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for served, (package, inside) in VENDORED.items():
        pin = pins[package]
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin), f"{package} must be pinned exactly, not {pin!r}"
        assert lock[f"node_modules/{package}"]["version"] == pin
        installed = ROOT / "node_modules" / package
        if not (installed / "package.json").exists():
            skip_or_fail("npm packages are not installed (make deps)")
        assert json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"] == pin
        assert (ROOT / "site" / served).read_bytes() == (installed / inside).read_bytes(), \
            f"site/{served} differs from {package}@{pin}'s {inside}: copy it again after changing the pin"
