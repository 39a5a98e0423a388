"""Write site/assets/javascripts/labels.js, the staff pages' copy of the Chinese labels of codes
(roles, states, kinds) from functions/chalicelib/core/labels.py, so pages and API say the same words.

A static file the pages load like any other script (no inline script, as the CSP wants):
`python -m tools.labels_js` (`make openapi`); tests/unit/test_labels_js.py fails when the committed
file differs from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "site" / "assets" / "javascripts" / "labels.js"


def text() -> str:
    from chalicelib.core.labels import FOR_PAGES

    tables = json.dumps(FOR_PAGES, ensure_ascii=False, indent=2)
    return ("/* labels.js: the Chinese labels of codes, written by tools/labels_js.py from\n"
            " * functions/chalicelib/core/labels.py (`make openapi`); do not edit by hand. */\n"
            f"window.wsLabels = Object.freeze({tables});\n")


def main() -> int:
    OUT.write_text(text(), "utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
