"""Every problem the code can raise has a type in the catalogue (core/errors.py), and the OpenAPI
description gives generated clients ASCII names and closed value sets."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

from chalicelib.core import errors

SOURCE = Path(__file__).resolve().parents[2] / "functions"


def _calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                found.append((f"{path.relative_to(SOURCE)}:{node.lineno}", node))
    return found


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def raised_types() -> dict[str, str]:
    """Every problem type named in the code: conflict(detail, "code"), _problem("code", ...),
    ProblemError(code="/problems/code") and any "/problems/code" literal."""
    types: dict[str, str] = {}
    for where, call in _calls():
        name = _name(call)
        args = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name == "conflict" and len(call.args) > 1:
            assert isinstance(call.args[1], ast.Constant), f"{where}: the problem type must be a literal"
            types[str(call.args[1].value)] = where
        elif name == "_problem" and args:
            types[args[0]] = where
        elif name == "ProblemError":
            code = next((k.value for k in call.keywords if k.arg == "code"), None)
            if isinstance(code, ast.Call) and _name(code) == "type_uri":
                continue  # errors._problem, whose codes are the ones above
            assert isinstance(code, ast.Constant), f"{where}: a ProblemError needs a catalogued code="
            types[str(code.value).removeprefix("/problems/")] = where
    for path in sorted(SOURCE.rglob("*.py")):
        for match in re.finditer(r'"/problems/([a-z0-9-]+)"', path.read_text("utf-8")):
            types.setdefault(match[1], str(path.relative_to(SOURCE)))
    return types


def test_every_raised_problem_type_is_catalogued():
    raised = raised_types()
    assert len(raised) > 40
    missing = {code: where for code, where in raised.items() if code not in errors.CATALOGUE}
    assert not missing, f"problem types missing from core/errors.py CATALOGUE: {missing}"


def test_a_conflict_without_a_type_is_the_generic_one():
    assert errors.conflict("x").code == "/problems/conflict"
    assert errors.conflict("x", "session-full").title == errors.CATALOGUE["session-full"].title


def test_each_type_has_its_own_title_status_and_retry_advice():
    titles = [kind.title for kind in errors.CATALOGUE.values()]
    assert len(titles) == len(set(titles))
    for code, kind in errors.CATALOGUE.items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", code)
        assert 400 <= kind.status < 600 and kind.retry in ("no", "same", "reread") and kind.description


def _spec() -> dict[str, Any]:
    os.environ.setdefault("WS_SECRET_KEY", "unit-tests")
    import app  # noqa: F401
    from chalicelib.core import openapi

    return openapi.generate()


def test_operations_and_tags_have_stable_ascii_names():
    spec = _spec()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    tags = {t["name"]: t for t in spec["tags"]}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) and not tag["x-displayName"].isascii()
               for name, tag in tags.items())
    assert {op["tags"][0] for ops in spec["paths"].values() for op in ops.values()} == set(tags)
    assert all(name.isascii() and schema["title"] == name for name, schema in spec["components"]["schemas"].items())


def test_closed_value_sets_are_enums():
    from chalicelib.core.models import CONSENT_VERSIONS
    from chalicelib.identity.models import PARTNER_OPERATIONS
    from chalicelib.support.categories import CATEGORIES

    schemas = _spec()["components"]["schemas"]
    assert schemas["SupportRequestIn"]["properties"]["category"]["enum"] == list(CATEGORIES)
    assert schemas["SupportRequestIn"]["properties"]["consent_version"]["const"] in CONSENT_VERSIONS
    assert set(schemas["PartnerIn"]["properties"]["operations"]["items"]["enum"]) == set(PARTNER_OPERATIONS)


def test_a_field_that_may_be_none_is_never_required_in_an_answer():
    """Answers leave out None fields (http.json_response), so the schema must not require them."""
    for name, schema in _spec()["components"]["schemas"].items():
        for field in schema.get("required", []):
            prop = schema["properties"][field]
            options = prop.get("anyOf", [prop])
            assert not any(o.get("type") == "null" for o in options) or name.endswith("In"), (name, field)


def test_problems_answered_outside_the_app_use_catalogued_types_and_titles():
    """API Gateway's gateway responses (infra) and the local front answer some problems themselves."""
    root = SOURCE.parent
    texts = [p.read_text("utf-8") for p in [*sorted((root / "infra").glob("*.yaml")), root / "tools" / "front.py"]]
    found = [m.groups() for text in texts
             for m in re.finditer(r'"type": "/problems/([a-z0-9-]+)", "title": "([^"]+)"', text)]
    assert len(found) >= 4
    assert all(errors.CATALOGUE[code].title == title for code, title in found), found
