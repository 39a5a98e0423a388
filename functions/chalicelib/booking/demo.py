"""Demo sessions for the local stack (`make run`): a job fair, an online course and a return-to-work
shuttle of 泰山区总工会, so the portal's lists have something to click. Idempotent: fixed ids, each
put only if absent, so a restart keeps the existing ones (and their registrations) as they are."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.booking import store
from chalicelib.core import errors, times, uow
from chalicelib.orgs import service as orgs

UNIT = "taishan"


def _demo(now: datetime) -> list[dict[str, Any]]:
    day = (now + timedelta(days=14)).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Shanghai

    def at(when: datetime) -> str:
        return when.isoformat(timespec="seconds").replace("+00:00", "Z")

    return [
        {"id": "demofair", "kind": "fair", "title": "泰山区复工复产网络招聘会（演示）",
         "place": "泰山区人力资源市场三楼", "starts_at": at(day), "ends_at": at(day + timedelta(hours=6)),
         "capacity": 50,
         "description": "分时段入场，请戴口罩、测体温。", "contact": "0538-12351"},
        {"id": "democourse", "kind": "course", "title": "线上劳动技能培训：电工基础（演示）",
         "online_url": "https://example.org/course/electrician", "starts_at": at(day + timedelta(days=1)),
         "ends_at": at(day + timedelta(days=1, hours=2)), "capacity": 200},
        {"id": "demoshuttle", "kind": "shuttle", "title": "返岗直通车：泰安汽车站—泰山区示范工业园（演示）",
         "place": "泰安汽车站北广场上车", "starts_at": at(day - timedelta(hours=2)),
         "ends_at": at(day - timedelta(hours=1)), "capacity": 45, "description": "凭报名编号上车，全程佩戴口罩。"},
    ]


def seed() -> None:
    unit = orgs.get_unit(UNIT)
    path = orgs.unit_path(UNIT)
    now = times.now()
    created_at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for demo in _demo(now):
        record = {"type": "booking_session", "unit_id": unit.id, "unit_name": unit.name, "unit_path": path,
                  "county_unit_id": UNIT, "confirmed": 0, "waitlisted": 0, "wait_seq": 0, "status": "open",
                  "registrations": 0, "cancelled": 0, "attended": 0,
                  "version": 1, "created_at": created_at, "updated_at": created_at, "created_by": "demo", **demo}
        try:
            uow.commit([*store.create_session(record, True),
                        *store.count_figures(path, record["kind"], {"sessions": 1}, counted=not record.get("demo"))])
        except errors.ProblemError as exc:
            if exc.status == 409:  # seeded before: kept as it is
                continue
            raise
