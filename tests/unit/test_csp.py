"""The portal runs under a content security policy that refuses inline scripts: the built pages hold
no executable inline script, event-handler attribute or javascript: URL the policy does not allow,
and Material's own inline scripts, moved to files, still say what Material's say."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tools import security_headers

ROOT = Path(__file__).resolve().parents[2]
MATERIAL = Path(__import__("material").__file__).parent / "templates" / "partials" / "javascripts"
ASSETS = ROOT / "site" / "assets" / "javascripts"
JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript", "application/ecmascript"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


def _directive(name: str) -> list[str]:
    for directive in security_headers.content_security_policy().split(";"):
        words = directive.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"the policy has no {name}")


class _Scripts(HTMLParser):
    """Collects what the policy would run: inline scripts, handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self.sources: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on") or (name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:")):
                self.handlers.append(f"<{tag} {name}={value[:60]!r}>")
        if tag == "script":
            if "src" in values:
                self.sources.append(values["src"])
            elif values.get("type", "").strip().lower() in JS_TYPES:
                self._open = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.inline.append("".join(self._open))
            self._open = None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csp") / "site"
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run([str(mkdocs), "build", "--strict", "--quiet", "-d", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _pages(site: Path) -> Iterator[tuple[Path, _Scripts]]:
    for path in sorted(site.rglob("*.html")):
        parser = _Scripts()
        parser.feed(path.read_text(encoding="utf-8"))
        yield path, parser


def test_script_src_allows_no_inline_script_and_no_eval() -> None:
    sources = _directive("script-src")
    assert sources and "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert "'unsafe-hashes'" not in sources


def test_no_page_runs_a_script_the_policy_refuses(built: Path) -> None:
    allowed = {s.strip("'") for s in _directive("script-src") if s.startswith("'sha")}
    refused, pages = [], 0
    for path, page in _pages(built):
        pages += 1
        where = path.relative_to(built)
        for body in page.inline:
            digest = "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            if digest not in allowed:
                refused.append(f"{where}: inline script {body.strip()[:80]!r}")
        refused += [f"{where}: {handler}" for handler in page.handlers]
        refused += [f"{where}: script from another origin {src}" for src in page.sources
                    if re.match(r"^([a-z]+:)?//", src, re.I)]
    assert pages > 20
    assert not refused, "\n".join(refused[:20])


def test_the_moved_material_scripts_say_what_materials_inline_ones_say() -> None:
    def material(partial: str) -> str:
        found = re.search(r"<script>(.*?)</script>", (MATERIAL / partial).read_text(encoding="utf-8"), re.S)
        assert found, f"Material's {partial} has no inline script any more: review site/overrides"
        return found.group(1)

    def ours(name: str) -> str:
        lines = (ASSETS / name).read_text(encoding="utf-8").splitlines()
        return "\n".join(line for line in lines if not line.startswith("//"))

    scope = re.sub(r'new URL\("\{\{[^}]*\}\}",location\)', "new URL(document.currentScript.dataset.scope,location)",
                   material("base.html"))
    assert ours("material-scope.js") == scope
    content = (MATERIAL / "content.html").read_text(encoding="utf-8")
    last = re.findall(r"<script>(.*?)</script>", content, re.S)[-1]  # the one outside the feature switch
    assert ours("material-content.js") == last
    features = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["theme"]["features"]
    assert "content.tabs.link" not in features, "its inline script was left out of material-content.js"


def _parsed(policy: str) -> list[tuple[str, list[str]]]:
    return [(words[0], words[1:]) for words in (d.split() for d in policy.split(";")) if words]


def test_local_servers_send_the_cdn_policy_with_moto_for_aws() -> None:
    local = "http://127.0.0.1:4566"
    sent = security_headers.headers(local)
    template = security_headers.policy_config()["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    cdn = _parsed(template["ContentSecurityPolicy"]["Fn::Sub"])
    here = _parsed(sent["Content-Security-Policy"])
    assert [name for name, _ in here] == [name for name, _ in cdn]
    for (name, cdn_sources), (_, local_sources) in zip(cdn, here, strict=True):
        assert [s for s in local_sources if s != local] == [s for s in cdn_sources if "${" not in s], name
        assert (local in local_sources) == any("${" in s for s in cdn_sources), name
    assert "${" not in sent["Content-Security-Policy"]
    assert sent["X-Frame-Options"] == "DENY" and sent["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in sent and sent["Referrer-Policy"] == "strict-origin-when-cross-origin"
