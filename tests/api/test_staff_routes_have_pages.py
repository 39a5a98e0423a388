"""Every staff route is called by a workbench page: a measure that only the API can do is a measure
no union staffer can do. The test reads the route registry and the page scripts under site/ and
fails for a staff route no page calls, unless it is in EXEMPT with the reason it has no page.

A script calls a route when, in one file, the first fixed part of the route's path template starts a
string literal, the method named just before it (or none: a GET) is the route's, and the other
fixed parts follow as string literals in order, the last one closed (``ws.api("POST",
"/hardship/workers/" + encodeURIComponent(id) + "/checks", ...)``; a helper may add the tail
later, as the reports page's ``act(label, "/submit")``). A page form may name its route instead:
``data-path="/fund/units/{unit}/budget"`` with ``data-method`` (POST when absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import app  # noqa: F401 - registers every route
from chalicelib.core import api

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"

# Staff routes without a page that calls them, each with the reason.
# An entry here is work still owed to the people who need the route, not a permanent excuse.
EXEMPT: dict[tuple[str, str], str] = {
    ("GET", "/staff/frontline/units/{unit_id}/duplicates"): "the archive page shows the same households grouped by "
                                                            "ID number with every unit that registered them "
                                                            "(GET .../duplicate-groups), which a person needs to "
                                                            "settle a duplicate; this flat list adds nothing to it",
}

STAFF_ROUTES = sorted((d.method, d.path) for d in api.REGISTRY if d.audience == api.STAFF)
QUOTE = "[\"']"
METHOD_BEFORE = re.compile(r"[\"'](GET|POST|PUT|DELETE|PATCH)[\"']\s*,[^;]{0,60}$")
FORM_ROUTE = re.compile(r'data-path="([^"]+)"(?:[^>]*?data-method="([A-Z]+)")?'
                        r'|data-method="([A-Z]+)"[^>]*?data-path="([^"]+)"')


def _files() -> list[str]:
    """The page scripts (site/**/*.js except vendored libraries) and the staff pages' Markdown."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SITE.rglob("*.js")) if "vendor" not in p.parts]
    return texts + [p.read_text(encoding="utf-8") for p in sorted((SITE / "staff").rglob("*.md"))]


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def called(method: str, path: str, text: str) -> bool:
    pieces = [p for p in re.split(r"\{[^}]+\}", path) if p]
    ends_open = path.endswith("}")
    shared = sum(1 for _, p in STAFF_ROUTES if p == path) > 1

    def literal(piece: str, last: bool, bare: bool = False) -> re.Pattern[str]:
        close = "" if (not last or ends_open) else f"(?:{QUOTE}|\\?)"
        body = re.escape(piece.lstrip("/")) if bare else re.escape(piece)
        # a bare tail is a string of its own (an argument), not an HTML attribute's value
        return re.compile(("(?<!=)" + QUOTE + "/?" if bare else QUOTE) + body + close)

    for m in literal(pieces[0], len(pieces) == 1).finditer(text):
        before = METHOD_BEFORE.search(text[max(0, m.start() - 80):m.start()])
        if before and before.group(1) != method:
            continue
        if not before and method != "GET" and shared:
            continue  # a helper's call: its method is only known when no other route has this path
        rest = pieces[1:]
        if all(literal(piece, i == len(rest) - 1).search(text, m.end()) for i, piece in enumerate(rest)):
            return True  # the parameters and the rest of the path in the same expression
        if all(literal(piece, i == len(rest) - 1, bare=True).search(text)
                              for i, piece in enumerate(rest)):
            return True  # the rest handed to a helper that builds the path
    for m in FORM_ROUTE.finditer(text):
        form_path, form_method = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if _template(form_path) == _template(path) and (form_method or "POST") == method:
            return True
    return False


FILES = _files()


def test_every_staff_route_is_called_by_a_page_or_exempt_with_a_reason():
    missing = [f"{m} {p}" for m, p in STAFF_ROUTES
               if (m, p) not in EXEMPT and not any(called(m, p, text) for text in FILES)]
    assert missing == [], "staff routes no page calls (add a page, or an exemption with its reason):\n" + \
        "\n".join(missing)


def test_exemptions_name_real_routes_no_page_calls_and_give_reasons():
    assert set(EXEMPT) <= set(STAFF_ROUTES), set(EXEMPT) - set(STAFF_ROUTES)
    assert all(len(reason) > 10 for reason in EXEMPT.values())
    called_now = [f"{m} {p}" for m, p in EXEMPT if any(called(m, p, text) for text in FILES)]
    assert called_now == [], f"a page calls these now: take them out of EXEMPT: {called_now}"


def test_the_pattern_tells_a_call_from_another_route():
    text = 'ws.api("POST", "/hardship/workers/" + encodeURIComponent(w.id) + "/checks", data, key);'
    assert called("POST", "/hardship/workers/{worker_id}/checks", text)
    assert not called("POST", "/hardship/workers/{worker_id}/supplies", text)
    assert not called("GET", "/hardship/workers/{worker_id}/checks", text)
    assert not called("GET", "/hardship/workers/{worker_id}", text)
    assert called("GET", "/hardship/workers/{worker_id}", 'all("/hardship/workers/" + encodeURIComponent(id));')
    assert not called("POST", "/staff/frontline/families/{person_id}/phone",
                      'api("POST", "/staff/frontline/families/" + id + "/logs"); x = \'<option value="phone">\';')
    form = '<form id="f" data-method="PUT" data-path="/fund/units/{unit}/budget">'
    assert called("PUT", "/fund/units/{unit_id}/budget", form)
    assert not called("POST", "/fund/units/{unit_id}/budget", form)
