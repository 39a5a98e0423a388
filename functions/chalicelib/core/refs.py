"""Reference index: every record the public can follow has an item REF#<code> pointing to it,
with the keyed hash of the phone given at submission, so status look-ups by reference + phone
are two GetItems whatever the domain."""

from __future__ import annotations

from typing import Any

from chalicelib.core import db, errors, ids, personal, uow


def ref_key(reference: str) -> tuple[str, str]:
    return f"REF#{reference}", "REF"


def index_ops(reference: str, kind: str, target_pk: str, target_sk: str, phone: str, created_at: str,
              partner_id: str | None = None) -> list[db.Op]:
    """The reference item, and when a partner app submitted the record, its link to that partner."""
    pk, sk = ref_key(reference)
    item = {"PK": pk, "SK": sk, "type": "ref", "kind": kind, "target_pk": target_pk, "target_sk": target_sk,
            "phone_hash": personal.keyed_hash("phone", phone), "created_at": created_at}
    if partner_id:
        item["partner_id"] = partner_id
    ops = [db.put_new(item, on_fail=errors.conflict("编号冲突，请重试。", "reference-collision"))]
    if partner_id:
        ops.append(db.put_new({"PK": f"PARTNERSUB#{partner_id}", "SK": f"{created_at}#{reference}",
                               "type": "partner_submission", "reference": reference, "kind": kind,
                               "created_at": created_at}))
    return ops


def create_with_reference(build: Any, attempts: int = 3) -> str:
    """Run build(reference) -> list of ops in one transaction, drawing a new code on the (very
    rare) collision with an existing one."""
    for _ in range(attempts):
        reference = ids.new_reference()
        try:
            uow.commit(build(reference))
            return reference
        except errors.ProblemError as exc:
            if exc.code != "/problems/reference-collision":
                raise
    raise errors.unavailable()


def resolve(reference: str, phone: str) -> tuple[str, dict[str, Any]]:
    """The (kind, record) for a reference whose phone matches; 404 alike for wrong code or phone."""
    missing = errors.not_found("未找到该编号，或手机号码与登记时不一致。")
    code = ids.normalize_reference(reference)
    if code is None:
        raise missing
    ref = db.get(*ref_key(code))
    if ref is None or not personal.hmac_equal(ref.get("phone_hash", ""), personal.keyed_hash("phone", phone)):
        raise missing
    record = db.get(ref["target_pk"], ref["target_sk"])
    if record is None:
        raise missing
    return str(ref["kind"]), record


def resolve_for_partner(reference: str, partner_id: str) -> tuple[str, dict[str, Any]]:
    """The (kind, record) for a reference this partner submitted; 404 for anything else."""
    missing = errors.not_found("未找到该编号，或它不是本合作应用提交的。")
    code = ids.normalize_reference(reference)
    ref = db.get(*ref_key(code)) if code else None
    if ref is None or ref.get("partner_id") != partner_id:
        raise missing
    record = db.get(ref["target_pk"], ref["target_sk"])
    if record is None:
        raise missing
    return str(ref["kind"]), record


def partner_submissions(partner_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"PARTNERSUB#{partner_id}", limit=limit, start_key=start, forward=False)
