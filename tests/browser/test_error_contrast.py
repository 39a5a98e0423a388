"""Every error message style on the staff pages is readable: text drawn at a contrast of at least
4.5:1 (WCAG 2 AA) against what is behind it, as Chromium computes both. The styles are read from
the site's stylesheets (every class with "error" in its name), so a new one is checked by
construction; each is put inside every staff page's own container, where page-scoped rules apply.
The pages are read with scripts off: signed out, a staff page's script would leave for sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
MINIMUM = 4.5


def _error_classes() -> list[str]:
    found: set[str] = set()
    for css in SITE.rglob("*.css"):
        found |= set(re.findall(r"\.((?:[\w-]*error[\w-]*)|(?:[\w-]*--error))\b", css.read_text(encoding="utf-8")))
    for js in [*SITE.rglob("*.js")]:
        if "vendor" not in js.parts:
            found |= set(re.findall(r"[\"' ](ws-[\w-]*--error)[\"' ]", js.read_text(encoding="utf-8")))
    return sorted(found)


# For each probe: its computed text colour blended over the first opaque background behind it, and
# that background; both as sRGB 0-255. A colour with alpha (rgba) is blended, as the eye sees it.
MEASURE = """(classes) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const behind = (node) => { const layers = [];
    for (let n = node; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let bg = [255, 255, 255]; for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg); return bg; };
  const hosts = [document.querySelector("article")].concat(Array.from(document.querySelectorAll(
    "[data-ws-staff], [data-ws-care], [data-ws-support], .ws-staff__body, .ws-care__body, .ws-support__body, " +
    "article .ws-panel, article form")));
  const out = [];
  hosts.filter(Boolean).forEach((host) => classes.forEach((cls) => {
    const probe = document.createElement("p"); probe.className = cls; probe.textContent = "请填写此项";
    const wasHidden = host.hidden; host.hidden = false; host.appendChild(probe);
    const style = getComputedStyle(probe); const bg = behind(probe);
    out.push({ cls, host: host.className || host.tagName, fg: over(parse(style.color), bg), bg,
      shown: style.display !== "none" });
    probe.remove(); host.hidden = wasHidden;
  }));
  return out;
}"""


def _luminance(rgb: list[float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: list[float], bg: list[float]) -> float:
    high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert round(contrast([0, 0, 0], [255, 255, 255]), 1) == 21.0
    assert contrast([245 * 0.15 + 255 * 0.85, 80 * 0.15 + 255 * 0.85, 54 * 0.15 + 255 * 0.85], [255, 255, 255]) < 1.5


def test_every_error_style_on_staff_pages_reaches_4_5_to_1(browser, base_url, page_paths):
    classes = _error_classes()
    assert {"ws-error", "ws-form__message--error", "ws-error-text"} <= set(classes), classes
    staff = sorted(p for p in page_paths if "/staff/" in p)
    assert len(staff) >= 10, staff
    weak = []
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path in staff:
        page.goto(base_url + path, wait_until="load")
        assert page.url == base_url + path
        for m in page.evaluate(MEASURE, classes):
            ratio = contrast(m["fg"], m["bg"])
            if m["shown"] and ratio < MINIMUM:
                weak.append(f"{path} .{m['cls']} in {m['host']}: {ratio:.2f}:1")
    context.close()
    assert weak == [], "error text below 4.5:1:\n" + "\n".join(sorted(set(weak)))
