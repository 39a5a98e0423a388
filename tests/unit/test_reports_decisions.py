"""Case-report decisions, in memory: what publishing, taking down and attaching a photo commit, and
the domain error when the table refuses (tests/api/test_reports.py proves the conditions)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import errors, ids, uow
from chalicelib.core.auth import Principal
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import KIND_LABELS, Unit, UnitKind
from chalicelib.reports import service, store
from chalicelib.reports.models import MAX_PHOTOS, PublicationIn, VersionIn

REPORT_ID = ids.new_reference()
REVIEWER = Principal(kind="staff", id="reviewer-1", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}),
                     name="审核人")


@pytest.fixture
def report(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    item: dict[str, Any] = {
        "report_id": REPORT_ID, "unit_id": "county", "unit_name": "某县总工会", "unit_path": "/city/county/",
        "title": "社区配送经验", "text": "做法", "status": "accepted", "version": 4, "created_by": "甲",
        "created_at": "2026-03-01T02:00:00Z", "updated_at": "2026-03-01T02:00:00Z",
        "photos": [{"key": "reports/RPT1/a.png", "content_type": "image/png", "size": 10}]}
    monkeypatch.setattr(store, "get_report", lambda report_id, consistent=False: item)
    monkeypatch.setattr(store, "comments", lambda report_id: [])
    monkeypatch.setattr(orgs, "get_unit", lambda unit_id: Unit(
        id=unit_id, name=unit_id, kind=UnitKind.city_federation, kind_label=KIND_LABELS[UnitKind.city_federation],
        depth=0))
    monkeypatch.setattr(orgs, "display_names", lambda actors: {a: str(a) for a in actors if a})
    return item


def test_publishing_moves_the_report_and_puts_the_public_case_in_one_commit(report: dict[str, Any]) -> None:
    with uow.recording() as fake:
        service.publication(REPORT_ID, PublicationIn(published=True, version=4), REVIEWER)
    [ops] = fake.commits
    assert [op.name for op in ops][:2] == ["move_report", "publish_case"]
    values = ops[0].params["ExpressionAttributeValues"]
    assert values[":expected"] == 4 and "published" in values.values() and "REPORTS#published" in values.values()
    case = ops[1].params["Item"]
    assert (case["PK"], case["case_id"], case["photo_count"]) == ("PUBLICCASES", REPORT_ID, 1)
    assert "created_by" not in case  # the public page shows the case, not who wrote it


def test_taking_a_case_down_deletes_the_public_item_it_was_published_as(report: dict[str, Any]) -> None:
    report.update(status="published", published_at="2026-03-02T02:00:00Z")
    with uow.recording() as fake:
        service.publication(REPORT_ID, PublicationIn(published=False, version=4), REVIEWER)
    [ops] = fake.commits
    assert [op.name for op in ops][:2] == ["move_report", "unpublish_case"]
    assert ops[1].params["Key"] == {"PK": "PUBLICCASES", "SK": f"2026-03-02T02:00:00Z#{REPORT_ID}"}


def test_publishing_a_report_not_yet_accepted_is_refused_before_any_write(report: dict[str, Any]) -> None:
    report["status"] = "submitted"
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.publication(REPORT_ID, PublicationIn(published=True, version=4), REVIEWER)
    assert refused.value.code == "/problems/report-status"
    assert fake.commits == []


def test_a_photo_the_report_has_no_room_for_is_refused_with_its_upload_kept(report: dict[str, Any]) -> None:
    report["status"] = "draft"
    with uow.recording(refuse=lambda op: op.name == "attach_photo") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service._attach(report, "up1", {"key": "reports/RPT1/b.png", "content_type": "image/png", "size": 9},
                            REVIEWER)
    assert refused.value.code == "/problems/report-locked" and str(MAX_PHOTOS) in refused.value.detail
    assert fake.commits == []


def test_a_submission_applies_only_to_the_version_read(report: dict[str, Any]) -> None:
    report["status"] = "draft"
    with uow.recording() as fake:
        service.submit(REPORT_ID, VersionIn(version=4), REVIEWER)
    [ops] = fake.commits
    assert ops[0].name == "move_report"
    assert "attribute_exists(PK)" in ops[0].params["ConditionExpression"]
    assert ops[0].params["ExpressionAttributeValues"][":expected"] == 4
