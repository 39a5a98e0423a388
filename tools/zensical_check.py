"""Check that Zensical builds the portal's mkdocs.yml as it stands, with the same pages as MkDocs.

Material for MkDocs reaches end of life on 2027-05-05; Zensical is its successor and reads the same
mkdocs.yml. This keeps the portal ready to move: `python -m tools.zensical_check` (`make zensical`;
tests/unit/test_zensical.py runs it after `make site`).

Zensical writes to the config's site_dir (build/site, where MkDocs' build lives), so the build runs on
a copy of mkdocs.yml and site/ in a temporary directory: the same bytes, another place. The result:
- an error (Zensical refuses the config or a page) fails;
- a page MkDocs builds that Zensical does not fails;
- warnings are reported and do not fail: Zensical is young and warns about things MkDocs accepts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS_SITE = ROOT / "build" / "site"
TIMEOUT_S = 300
WARNING = re.compile(r"\b(warning|warn)\b", re.IGNORECASE)


@dataclass
class Result:
    returncode: int
    output: str
    missing_pages: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [line.strip() for line in self.output.splitlines() if WARNING.search(line)]

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.missing_pages


def pages(site_dir: Path) -> set[str]:
    """The built pages (HTML files) relative to the site root, as in both builds' directory URLs."""
    return {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")}


def build() -> Result:
    zensical = Path(sys.executable).with_name("zensical")
    with tempfile.TemporaryDirectory(prefix="ws-zensical-") as tmp:
        work = Path(tmp)
        shutil.copy2(ROOT / "mkdocs.yml", work / "mkdocs.yml")
        shutil.copytree(ROOT / "site", work / "site")
        done = subprocess.run([str(zensical), "build", "--clean", "-f", "mkdocs.yml"], cwd=work,
                              capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        result = Result(done.returncode, done.stdout + done.stderr)
        if done.returncode == 0 and MKDOCS_SITE.is_dir():
            result.missing_pages = sorted(pages(MKDOCS_SITE) - pages(work / "build" / "site"))
    return result


def main() -> int:
    result = build()
    print(result.output.strip())
    for line in result.warnings:
        print(f"Zensical warns (not a failure): {line}")
    if result.missing_pages:
        print(f"Zensical did not build these pages MkDocs builds: {', '.join(result.missing_pages)}")
    if not MKDOCS_SITE.is_dir():
        print("build/site is missing: run `make site` first to compare the pages of both builds.")
    print("Zensical: builds mkdocs.yml" if result.ok else "Zensical: FAILED")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
