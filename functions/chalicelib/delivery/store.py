"""Weekly food packages (爱心蔬菜) in the one table.

  campaign        PK=CAMPAIGN#<id>                       SK=CAMPAIGN      configuration, version
                  GSI1PK=CAMPAIGNS                       GSI1SK=<start>#<id>
  sign-up         PK=DSIGNUP#<campaign>#<family>         SK=SIGNUP        standing: renews every week
                  GSI1PK=DSIGNUPS#<campaign>             GSI1SK=<unit>#<family>
  package         PK=PACKAGE#<campaign>#<week>#<family>  SK=PACKAGE       put_new: one per family per week
                  GSI1PK=ROSTER#<campaign>#<week>#<unit> GSI1SK=<family>  (a hospital's roster of a week)
  served week     PK=DSERVED#<family>                    SK=WEEK#<day>    put_new: one package per family per
                  GSI1PK=DSERVED#<day>#<unit>            GSI1SK=<family>  city week, across every campaign
  counter         PK=DCOUNT#<unit>#<campaign>            SK=WEEK#<week:03d>  the unit's subtree, one week

A campaign counts its weeks from its own start date; the served-week item counts the city's weeks
(seven days from one anchor day, <day> being the first day of the city week in which the campaign
week begins; see service.served_week). It is written in the package's transaction, so a second
campaign open on the same dates cannot give a family a second package, or a second charge, that week.
The same transaction checks the campaign item: its cap at least the package's amount and at most
the notice's ceiling (models.PACKAGE_CEILING_FEN).

Counters hold `packages` and one number per package status (pending, delivered, failed, refused)
for the packages of the unit and every unit under it. A roster's counters (each unit and each
ancestor, from the materialised paths) are added when the roster's fund hold is settled, and a
confirmation moves one count from the old status to the new in the confirmation's transaction.

A package and its ledger entry (fund.service.draw_ops, entry id package-<campaign>-<week>-<family>) are
written in one transaction, so generating a roster twice or in parallel charges each package once.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db, errors

CAMPAIGNS = "CAMPAIGNS"


def campaign_key(campaign_id: str) -> tuple[str, str]:
    return f"CAMPAIGN#{campaign_id}", "CAMPAIGN"


def campaign_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = campaign_key(record["id"])
    return {"PK": pk, "SK": sk, "GSI1PK": CAMPAIGNS, "GSI1SK": f"{record['start_date']}#{record['id']}",
            "type": "delivery_campaign", **record}


def create_campaign(record: dict[str, Any]) -> db.Op:
    """A new campaign at version 1; someone else creating it first is a version conflict."""
    return db.put_new(campaign_item(record), on_fail=errors.version_conflict()).named("create_campaign")


def replace_campaign(record: dict[str, Any], expected_version: int) -> db.Op:
    """The campaign's whole configuration, only over the version the caller read."""
    return db.put(campaign_item(record), "#v = :v", names={"#v": "version"}, values={":v": expected_version},
                  on_fail=errors.version_conflict()).named("replace_campaign")


def get_campaign(campaign_id: str) -> dict[str, Any] | None:
    return db.get(*campaign_key(campaign_id), consistent=True)


def campaigns() -> list[dict[str, Any]]:
    """Every campaign, latest start first; of one start day, the one set up last first."""
    items, _ = db.query(CAMPAIGNS, index="GSI1", limit=100, forward=False)
    return sorted(items, key=lambda c: (c["start_date"], c.get("created_at") or "", c["id"]), reverse=True)


def signup_key(campaign_id: str, family_id: str) -> tuple[str, str]:
    return f"DSIGNUP#{campaign_id}#{family_id}", "SIGNUP"


def signup_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = signup_key(record["campaign_id"], record["family_id"])
    return {"PK": pk, "SK": sk, "GSI1PK": f"DSIGNUPS#{record['campaign_id']}",
            "GSI1SK": f"{record['unit_id']}#{record['family_id']}", "type": "delivery_signup", **record}


def save_signup(record: dict[str, Any]) -> db.Op:
    """A family's standing sign-up, as given (a new one or a renewal replaces what was there)."""
    return db.put(signup_item(record)).named("save_signup")


def set_signup_status(campaign_id: str, family_id: str, status: str, at: str, expected_version: int) -> db.Op:
    """Pause or resume a sign-up at the version read (commit with uow.commit_versioned)."""
    return db.versioned_set(*signup_key(campaign_id, family_id), {"status": status, "updated_at": at},
                            expected_version).named("set_signup_status")


def get_signup(campaign_id: str, family_id: str) -> dict[str, Any] | None:
    return db.get(*signup_key(campaign_id, family_id), consistent=True)


def active_signups(campaign_id: str) -> list[dict[str, Any]]:
    """Every active sign-up of a campaign (a Query on its own partition, page by page)."""
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        params: dict[str, Any] = {"IndexName": "GSI1",
                                  "KeyConditionExpression": Key("GSI1PK").eq(f"DSIGNUPS#{campaign_id}"),
                                  "FilterExpression": Attr("status").eq("active")}
        if start:
            params["ExclusiveStartKey"] = start
        response = db.retrying(lambda: db.table().query(**params))  # noqa: B023 - called at once
        found += db.plain(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if not start:
            return found


def package_id(campaign_id: str, week: int, family_id: str) -> str:
    return f"{campaign_id}.{week}.{family_id}"


def package_key(campaign_id: str, week: int, family_id: str) -> tuple[str, str]:
    return f"PACKAGE#{campaign_id}#{week}#{family_id}", "PACKAGE"


def roster_pk(campaign_id: str, week: int, unit_id: str) -> str:
    return f"ROSTER#{campaign_id}#{week}#{unit_id}"


def package_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = package_key(record["campaign_id"], record["week"], record["family_id"])
    return {"PK": pk, "SK": sk, "GSI1PK": roster_pk(record["campaign_id"], record["week"], record["unit_id"]),
            "GSI1SK": record["family_id"], "type": "delivery_package", **record}


def served_key(family_id: str, served_week: str) -> tuple[str, str]:
    return f"DSERVED#{family_id}", f"WEEK#{served_week}"


def served_pk(served_week: str, unit_id: str) -> str:
    return f"DSERVED#{served_week}#{unit_id}"


def issue_package(record: dict[str, Any], served_week: str) -> list[db.Op]:
    """A week's package and the family's served-week item: both put_new, so a family gets one package
    per campaign week (409 package-exists) and one per city week across campaigns (409 served-this-week)."""
    pk, sk = served_key(record["family_id"], served_week)
    served = {"PK": pk, "SK": sk, "GSI1PK": served_pk(served_week, record["unit_id"]), "GSI1SK": record["family_id"],
              "type": "delivery_served", "family_id": record["family_id"], "served_week": served_week,
              "campaign_id": record["campaign_id"], "week": record["week"], "unit_id": record["unit_id"],
              "amount_fen": record["amount_fen"], "created_at": record["created_at"]}
    return [db.put_new(package_item(record), on_fail=errors.conflict("已生成。", "package-exists"))
            .named("issue_package"),
            db.put_new(served, on_fail=errors.conflict("这个家庭这一周已经由其他活动配送过爱心蔬菜。",
                                                       "served-this-week")).named("serve_week")]


def within_cap(campaign_id: str, most_fen: int, ceiling_fen: int) -> db.Op:
    """The campaign as stored now: its cap covers the largest amount written, and stays within the
    notice's ceiling (so no package goes above it, whatever the code computed)."""
    return db.check(*campaign_key(campaign_id), "#cap >= :most AND #cap <= :ceiling", names={"#cap": "cap_fen"},
                    values={":most": most_fen, ":ceiling": ceiling_fen},
                    on_fail=errors.conflict("每份金额超过了活动的每份上限或通知规定的每份80元，请先修改活动设置。",
                                            "over-cap")).named("within_cap")


def served_in_unit(served_week: str, unit_id: str) -> list[dict[str, Any]]:
    """The families of a unit that have a package in a city week, from whichever campaign."""
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = db.query(served_pk(served_week, unit_id), index="GSI1", limit=500, start_key=start)
        found += items
        if not start:
            return found


def get_package(campaign_id: str, week: int, family_id: str) -> dict[str, Any] | None:
    return db.get(*package_key(campaign_id, week, family_id), consistent=True)


def unit_roster(campaign_id: str, week: int, unit_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = db.query(roster_pk(campaign_id, week, unit_id), index="GSI1", limit=500, start_key=start)
        found += items
        if not start:
            return found


def confirm_delivery(campaign_id: str, week: int, family_id: str, changes: dict[str, Any],
                     expected_version: int) -> db.Op:
    """How a package's delivery went, at the version read (commit with uow.commit_versioned)."""
    return db.versioned_set(*package_key(campaign_id, week, family_id), changes,
                            expected_version).named("confirm_delivery")


def count_packages(unit_id: str, campaign_id: str, week: int, deltas: dict[str, int]) -> db.Op:
    """ADD each delta to the unit's counter of a campaign week (created on first use)."""
    names = {"#t": "type", "#u": "unit_id", "#c": "campaign_id", "#w": "week"}
    values: dict[str, Any] = {":t": "delivery_count", ":u": unit_id, ":c": campaign_id, ":w": week}
    adds = []
    for i, (name, delta) in enumerate(sorted(deltas.items())):
        names[f"#d{i}"] = name
        values[f":d{i}"] = delta
        adds.append(f"#d{i} :d{i}")
    return db.update(f"DCOUNT#{unit_id}#{campaign_id}", f"WEEK#{week:03d}",
                     "SET #t = :t, #u = :u, #c = :c, #w = :w ADD " + ", ".join(adds), names=names,
                     values=values).named("count_packages")


def week_counts(unit_id: str, campaign_id: str) -> list[dict[str, Any]]:
    """The unit's counters of every week of a campaign, first week first."""
    items, _ = db.query(f"DCOUNT#{unit_id}#{campaign_id}", "WEEK#", limit=200)
    return items


def packages_of(campaign_id: str, weeks: list[int], family_ids: list[str]) -> list[dict[str, Any]]:
    """The packages of these families in these weeks of a campaign (BatchGetItem, 100 keys a call)."""
    return db.batch_get([db.key(*package_key(campaign_id, w, f)) for f in dict.fromkeys(family_ids) for w in weeks])
