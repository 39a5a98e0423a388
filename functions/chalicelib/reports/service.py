"""Good-practice and typical-case reports (notice: 先进做法、典型案例报市总保障部).

A unit's staff write a report (title, text, a few photos) and submit it; the city federation's
reviewers see every submitted report of the city, comment, return it for revision or accept it, and
publish accepted cases on the portal. Every status change applies only to the version the caller
read (optimistic locking), so two reviewers never overwrite each other.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from chalicelib.core import audit, auth, db, demo, errors, ids, pagination, storage, times, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.orgs import service as orgs
from chalicelib.reports import store
from chalicelib.reports.models import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    PHOTO_TYPES,
    STATUS_LABELS,
    STATUSES,
    Comment,
    CommentIn,
    PublicationIn,
    PublicCase,
    PublicCasePage,
    ReportDetail,
    ReportEdit,
    ReportIn,
    ReportPage,
    ReportSummary,
    ReviewIn,
    Upload,
    UploadIn,
    VersionIn,
)

EDITABLE = ("draft", "returned")
UPLOAD_SECONDS = 600
PENDING_UPLOAD_HOURS = 24
SIGNATURES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


# --- reading -------------------------------------------------------------------------------------

def _summary(item: dict[str, Any]) -> ReportSummary:
    return ReportSummary(report_id=item["report_id"], unit_id=item["unit_id"], unit_name=item["unit_name"],
                         title=item["title"], status=item["status"], status_label=STATUS_LABELS[item["status"]],
                         photo_count=len(item.get("photos", [])),
                         version=item["version"], created_at=item["created_at"],
                         submitted_at=item.get("submitted_at"), published_at=item.get("published_at"),
                         demo=demo.marked(item))


def _scoped(report_id: str, by: Principal, consistent: bool = False) -> dict[str, Any]:
    item = store.get_report(report_id, consistent) if ids.normalize_reference(report_id) == report_id else None
    if item is None:
        raise errors.not_found()
    auth.require_in_scope(by, item["unit_path"])
    return item


def detail(report_id: str, by: Principal) -> ReportDetail:
    item = _scoped(report_id, by, consistent=True)
    written = store.comments(report_id)
    names = orgs.display_names([item["created_by"], *(c["by"] for c in written)])
    comments = [Comment(text=c["text"], by=c["by"], by_name=names.get(c["by"]), unit_name=c["unit_name"],
                        action=c["action"], at=c["at"]) for c in written]
    return ReportDetail(**_summary(item).model_dump(), text=item["text"], created_by=item["created_by"],
                        created_by_name=names.get(item["created_by"]), comments=comments)


def listing(status: str | None, cursor: str | None, by: Principal) -> ReportPage:
    status = status or "submitted"
    if status not in STATUSES:
        raise errors.bad_request("状态只能是：" + "、".join(f"{s}（{STATUS_LABELS[s]}）" for s in STATUSES), "status")
    scope = f"reports:{status}:{by.unit_path}"
    items, last = store.by_status(status, by.unit_path, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return ReportPage(items=[_summary(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def photo(report_id: str, index: int, by: Principal) -> tuple[bytes, str]:
    item = _scoped(report_id, by)
    return _photo_bytes(item, index)


def _photo_bytes(item: dict[str, Any], index: int) -> tuple[bytes, str]:
    photos = item.get("photos", [])
    if not 0 <= index < len(photos):
        raise errors.not_found()
    data, _ = storage.read(photos[index]["key"])
    return data, photos[index]["content_type"]


# --- the unit's side: write, add photos, submit ----------------------------------------------------

def create(body: ReportIn, by: Principal) -> ReportDetail:
    unit = orgs.get_unit(by.unit_id)
    now = audit.now_iso()
    report_id = ids.new_reference()
    record: dict[str, Any] = {"report_id": report_id, "unit_id": unit.id, "unit_name": unit.name,
              "unit_path": orgs.unit_path(unit.id), "title": body.title, "text": body.text, "status": "draft",
              "photos": [], "version": 1, "created_by": by.name or by.id,
              "created_at": now, "updated_at": now}
    uow.commit([
        store.create_report(record),
        audit.entry(actor=by.actor, action="report.create", entity="report", entity_id=report_id,
                    unit_id=unit.id, after={"title": body.title}),
    ])
    return detail(report_id, by)


def _editable(item: dict[str, Any], version: int | None = None) -> None:
    if version is not None and item["version"] != version:
        raise errors.version_conflict()
    if item["status"] not in EDITABLE:
        raise errors.conflict(f"报送已是“{STATUS_LABELS[item['status']]}”状态，不能再修改。", "report-locked")


def edit(report_id: str, body: ReportEdit, by: Principal) -> ReportDetail:
    item = _scoped(report_id, by)
    _editable(item, body.version)
    uow.commit_versioned([
        store.change_report(report_id, {"title": body.title, "text": body.text, "updated_at": audit.now_iso()},
                            body.version),
        audit.entry(actor=by.actor, action="report.edit", entity="report", entity_id=report_id,
                    unit_id=item["unit_id"], after={"title": body.title}),
    ], *store.report_key(report_id))
    return detail(report_id, by)


def start_upload(report_id: str, body: UploadIn, by: Principal) -> Upload:
    """A presigned form for one photo under a key the server chooses."""
    item = _scoped(report_id, by)
    _editable(item)
    if len(item.get("photos", [])) >= MAX_PHOTOS:
        raise errors.validation_failed([FieldError("content_type", f"每份报送最多 {MAX_PHOTOS} 张照片")])
    upload_id = secrets.token_hex(8)
    key = f"{storage.PENDING}reports/{report_id}/{upload_id}.{PHOTO_TYPES[body.content_type]}"
    expires = times.now() + timedelta(seconds=UPLOAD_SECONDS)
    uow.commit([store.start_upload(report_id, upload_id, {
        "key": key, "content_type": body.content_type, "by": by.actor, "at": audit.now_iso(),
        "ttl": int(expires.timestamp()) + PENDING_UPLOAD_HOURS * 3600})])
    form = storage.presigned_post(key, body.content_type, MAX_PHOTO_BYTES, UPLOAD_SECONDS)
    return Upload(upload_id=upload_id, url=form["url"], fields=form["fields"], max_bytes=MAX_PHOTO_BYTES,
                  expires_at=expires.isoformat(timespec="seconds").replace("+00:00", "Z"))


def _looks_like(content_type: str, head: bytes) -> bool:
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return any(head.startswith(sig) for sig in SIGNATURES[content_type])


def confirm_upload(report_id: str, upload_id: str, by: Principal) -> ReportDetail:
    """Attach an uploaded photo once the bucket holds it with the agreed type and size."""
    item = _scoped(report_id, by)
    _editable(item)
    pending = store.get_upload(report_id, upload_id) if len(upload_id) <= 32 else None
    if pending is None:
        raise errors.not_found("没有这次上传，请重新选择照片。")
    stored = storage.inspect(pending["key"])
    if stored is None:
        raise errors.validation_failed([FieldError("file", "照片还没有上传成功，请重新上传")])
    problem = None
    if stored.size == 0 or stored.size > MAX_PHOTO_BYTES:
        problem = f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请缩小后再上传"
    elif stored.content_type != pending["content_type"] or not _looks_like(pending["content_type"], stored.head):
        problem = "照片只能是 JPEG、PNG 或 WebP 格式"
    if problem:
        storage.remove(pending["key"])
        uow.commit([store.drop_upload(report_id, upload_id)])
        raise errors.validation_failed([FieldError("file", problem)])
    # Kept photos leave the pending/ prefix, whose objects the bucket expires after a day.
    final = pending["key"].removeprefix(storage.PENDING)
    storage.copy(pending["key"], final)
    photo_ = {"key": final, "content_type": pending["content_type"], "size": stored.size}
    try:
        _attach(item, upload_id, photo_, by)
    except Exception:
        # Another confirm of the same upload (a second tab, a retried request) may have attached
        # this very key: remove the copy only if the report does not list it.
        now = store.get_report(report_id, consistent=True) or {}
        if not any(p.get("key") == final for p in now.get("photos", [])):
            storage.remove(final)
        raise
    storage.remove(pending["key"])
    return detail(report_id, by)


def _attach(item: dict[str, Any], upload_id: str, photo_: dict[str, Any], by: Principal) -> None:
    report_id = item["report_id"]
    uow.commit([
        store.attach_photo(report_id, photo_, audit.now_iso(), MAX_PHOTOS),
        store.use_upload(report_id, upload_id),
        audit.entry(actor=by.actor, action="report.photo", entity="report", entity_id=report_id,
                    unit_id=item["unit_id"], after={"photo": photo_["key"]}),
    ])


def remove_photo(report_id: str, index: int, body: VersionIn, by: Principal) -> ReportDetail:
    """Take a photo out of a report the unit can still change (the object is deleted after)."""
    item = _scoped(report_id, by)
    _editable(item, body.version)
    photos = list(item.get("photos", []))
    if not 0 <= index < len(photos):
        raise errors.not_found("没有这张照片。")
    gone = photos.pop(index)
    uow.commit_versioned([
        store.change_report(report_id, {"photos": photos, "updated_at": audit.now_iso()}, body.version),
        audit.entry(actor=by.actor, action="report.photo_remove", entity="report", entity_id=report_id,
                    unit_id=item["unit_id"], before={"photo": gone["key"]}),
    ], *store.report_key(report_id))
    storage.remove(gone["key"])
    return detail(report_id, by)


def submit(report_id: str, body: VersionIn, by: Principal) -> ReportDetail:
    item = _scoped(report_id, by)
    _editable(item, body.version)
    _move(item, body.version, "submitted", by, {"submitted_at": audit.now_iso()})
    return detail(report_id, by)


# --- the city federation's side: comment, review, publish -----------------------------------------

def _comment_op(item: dict[str, Any], text: str, action: str, by: Principal) -> db.Op:
    at = audit.now_iso()
    unit = orgs.get_unit(by.unit_id)
    return store.add_comment(item["report_id"], at, secrets.token_hex(3), {
        "text": text, "by": by.name or by.id, "unit_name": unit.name, "action": action, "at": at})


def comment(report_id: str, body: CommentIn, by: Principal) -> ReportDetail:
    item = _scoped(report_id, by)
    uow.commit([
        _comment_op(item, body.text, "comment", by),
        store.report_exists(report_id),
        audit.entry(actor=by.actor, action="report.comment", entity="report", entity_id=report_id,
                    unit_id=item["unit_id"]),
    ])
    return detail(report_id, by)


def _move(item: dict[str, Any], version: int, status: str, by: Principal, changes: dict[str, Any],
          extra: list[db.Op] | None = None) -> None:
    report_id = item["report_id"]
    ops = [*(extra or []), audit.entry(actor=by.actor, action=f"report.{status}", entity="report",
                                       entity_id=report_id, unit_id=item["unit_id"],
                                       before={"status": item["status"]}, after={"status": status})]
    uow.commit_versioned([store.move_report(report_id, status, {"updated_at": audit.now_iso(), **changes}, version),
                          *ops], *store.report_key(report_id))


def _expect(item: dict[str, Any], version: int, *statuses: str) -> None:
    if item["version"] != version:
        raise errors.version_conflict()
    if item["status"] not in statuses:
        raise errors.conflict(f"报送现在是“{STATUS_LABELS[item['status']]}”状态，不能进行此操作。", "report-status")


def review(report_id: str, body: ReviewIn, by: Principal) -> ReportDetail:
    item = _scoped(report_id, by)
    _expect(item, body.version, "submitted")
    if body.decision == "return" and not body.comment:
        raise errors.validation_failed([FieldError("comment", "意见为必填项：退回修改时请写明要改什么")])
    extra: list[db.Op] = []
    changes: dict[str, Any] = {"reviewed_by": by.name or by.id}
    if body.comment:
        extra.append(_comment_op(item, body.comment, body.decision, by))
    _move(item, body.version, "returned" if body.decision == "return" else "accepted", by, changes, extra)
    return detail(report_id, by)


def publication(report_id: str, body: PublicationIn, by: Principal) -> ReportDetail:
    """Publish an accepted case on the portal, or take it down again."""
    item = _scoped(report_id, by)
    if body.published:
        _expect(item, body.version, "accepted")
        at = audit.now_iso()
        public = store.publish_case(report_id, at, {"title": item["title"], "unit_name": item["unit_name"],
                                                    "text": item["text"], "photo_count": len(item.get("photos", []))})
        _move(item, body.version, "published", by, {"published_at": at}, [public])
    else:
        _expect(item, body.version, "published")
        _move(item, body.version, "accepted", by, {"unpublished_at": audit.now_iso()},
              [store.unpublish_case(report_id, item["published_at"])])
    return detail(report_id, by)


# --- the public -------------------------------------------------------------------------------------

def photo_path(case_id: str, index: int) -> str:
    return f"/api/public/cases/{case_id}/photos/{index}"


def public_cases(cursor: str | None) -> PublicCasePage:
    scope = "public-cases"
    items, last = store.public_cases(pagination.size(20), pagination.decode_cursor(cursor, scope))
    cases = [PublicCase(case_id=i["case_id"], title=i["title"], unit_name=i["unit_name"], text=i["text"],
                        photos=[photo_path(i["case_id"], n) for n in range(i.get("photo_count", 0))],
                        published_at=i["published_at"]) for i in items]
    return PublicCasePage(items=cases, next_cursor=pagination.encode_cursor(last, scope))


def public_photo(case_id: str, index: int) -> tuple[bytes, str]:
    item = store.get_report(case_id) if ids.normalize_reference(case_id) == case_id else None
    if item is None or item["status"] != "published":
        raise errors.not_found()
    return _photo_bytes(item, index)
