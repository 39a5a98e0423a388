"""Delivering the outbox's messages: decides, for one message item handed over by the table's
stream, whether to send it now, hold it, drop it, or try again, and records the outcome on it.

Idempotent per message id: a handler first *claims* the message (a conditional update of its
state, pending -> sending, in the same transaction as the message's caps and checks), so a stream
record delivered twice, or two handlers on one record, send it once. A handler that stops after
claiming leaves a lease that runs out (LEASE_SECONDS); a later delivery of the record takes it.

Courtesy and abuse (a public form can name any phone):
  - a phone that opted out gets nothing (`opt_out`, from the lookup page);
  - at most PHONE_DAY_CAP texts a Beijing day per phone, ABOUT_CAP per record;
  - an equal message (same template, person, values, record) within DUPLICATE_WINDOW is dropped;
  - quiet hours, 22:00-07:30 Beijing time: a worker's non-urgent text is *held*, listed under the
    morning it is due, and `release_held` (a schedule at 07:30 Beijing, and the local stack's
    poller) puts it back to pending, which hands it to the stream handler again. Holding keeps the
    message in the table rather than in a queue's delay (SQS delays stop at 15 minutes).
Retries: up to ATTEMPTS_PER_DELIVERY provider attempts per delivery with growing waits; then the
message is `retrying` and the delivery fails, so the stream source delivers the batch again; after
MAX_ATTEMPTS (or a permanent refusal) it is `failed` with the reason, and every further delivery of
it fails too, so the batch ends in the dead-letter queue the alarm watches.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.core import errors, metrics, outbox, refs, templates, times, uow
from chalicelib.core.logs import logger
from chalicelib.notify import providers, store
from chalicelib.orgs import service as orgs

PHONE_DAY_CAP = 10
ABOUT_CAP = 15
DUPLICATE_WINDOW = 600  # seconds
ATTEMPTS_PER_DELIVERY = 3
MAX_ATTEMPTS = 6
LEASE_SECONDS = 120
QUIET_FROM = (22, 0)
QUIET_UNTIL = (7, 30)
FINAL = {"sent", "dropped"}


class DeliveryIncomplete(Exception):
    """Some messages of a batch are not sent yet (retrying) or failed for good: the batch is
    delivered again, and in the end goes to the dead-letter queue."""

    def __init__(self, outcomes: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{mid}: {state}" for mid, state in outcomes.items()))
        self.outcomes = dict(outcomes)


def _backoff_seconds(attempt: int) -> float:
    base = float(os.environ.get("WS_NOTIFY_BACKOFF_SECONDS", "0.5"))
    return float(base * 2 ** (attempt - 1))


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours now is in (07:30 Beijing), or None outside them."""
    local = now.astimezone(times.SHANGHAI)
    morning = local.replace(hour=QUIET_UNTIL[0], minute=QUIET_UNTIL[1], second=0, microsecond=0)
    if (local.hour, local.minute) >= QUIET_FROM:
        return morning + timedelta(days=1)
    if (local.hour, local.minute) < QUIET_UNTIL:
        return morning
    return None


def _waits_for_morning(item: Mapping[str, Any]) -> bool:
    template = templates.TEMPLATES.get(str(item["template"]))
    return (item["channel"] == "sms" and template is not None and template.audience == "worker"
            and not template.urgent)


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_id: str


def params_at_send(item: Mapping[str, Any]) -> dict[str, str]:
    """The template's values as sent: a batched alert's count (`count_param`) is read now, so the
    text counts every change of its window."""
    params = {str(k): str(v) for k, v in dict(item.get("params") or {}).items()}
    count_param = item.get("count_param")
    if count_param:
        params[str(count_param)] = str(outbox.batched_count(item))
    return params


def _send(item: Mapping[str, Any]) -> Sent:
    params = params_at_send(item)
    template_id = str(item["template"])
    if item["channel"] == "sms":
        provider = providers.sms_provider()
        return Sent(provider.name, provider.send(str(item["to"]), template_id, params))
    return _send_to_unit(orgs.alert_channels(str(item["to"])), template_id, params)


def _send_to_unit(channels: orgs.AlertChannels, template_id: str, params: Mapping[str, str]) -> Sent:
    """A unit alert goes to the unit's group robot and by text to each of its alert phones. It is
    sent when any of them took it (a retry would repeat it to the others); it fails, permanently
    only when every refusal was permanent, when none did."""
    sent: list[Sent] = []
    refusals: list[providers.SendError] = []
    if channels.webhook is not None:
        kind, url, secret = channels.webhook
        text = providers.alert_text(template_id, params)
        try:
            sent.append(Sent(kind, providers.post_webhook(kind, url, secret, text)))
        except providers.SendError as exc:
            refusals.append(exc)
    if channels.phones:
        provider = providers.sms_provider()
        for phone in channels.phones:
            try:
                sent.append(Sent(provider.name, provider.send(phone, template_id, params)))
            except providers.SendError as exc:
                refusals.append(exc)
    if not sent:
        if not refusals:
            raise providers.SendError("no alert channel", permanent=True)
        raise providers.SendError("; ".join(r.reason for r in refusals)[:200],
                                  permanent=all(r.permanent for r in refusals))
    return Sent("+".join(dict.fromkeys(s.provider for s in sent)), ",".join(s.provider_id for s in sent)[:500])


def _admit(item: Mapping[str, Any], now: str) -> str | None:
    """Claim a pending message for its first sending, with its checks and caps in the same
    transaction; the reason it is dropped instead, or "taken" when another handler has it."""
    message_id = str(item["id"])
    lease = _iso(times.parse(now) + timedelta(seconds=LEASE_SECONDS))
    claim = store.claim(message_id, now, lease, first=True)
    reasons: dict[int, str] = {id(claim.on_condition_failed): "taken"}
    ops = [claim]
    guard = store.not_duplicate(dict(item), now, DUPLICATE_WINDOW)
    reasons[id(guard.on_condition_failed)] = "duplicate"
    ops.append(guard)
    if item["channel"] == "sms":
        phone = str(item["to"])
        day = times.local_date(now).isoformat()
        checks = [(store.not_opted_out(phone), "opted_out"),
                  (store.count_phone_day(phone, day, PHONE_DAY_CAP, now), "phone_day_cap"),
                  (store.count_about(str(item["about"]), ABOUT_CAP, now), "record_cap")]
        for op, reason in checks:
            reasons[id(op.on_condition_failed)] = reason
            ops.append(op)
    try:
        uow.commit(ops)
    except errors.ProblemError as exc:
        refused = reasons.get(id(exc))
        if refused is None:
            raise
        if refused != "taken":
            _drop(message_id, refused, now, forget=_forget(item))
        return refused
    return None


def _forget(item: Mapping[str, Any]) -> bool:
    return bool(item.get("forget_after_sending"))


def _drop(message_id: str, reason: str, now: str, *, forget: bool = False) -> None:
    try:
        uow.commit([store.mark_dropped(message_id, reason, now, forget=forget)])
    except errors.ProblemError:
        pass  # another handler moved it meanwhile
    logger().info("message dropped", extra={"message_id": message_id, "reason": reason})


def _claim_again(item: Mapping[str, Any], now: str) -> bool:
    lease = _iso(times.parse(now) + timedelta(seconds=LEASE_SECONDS))
    try:
        uow.commit([store.claim(str(item["id"]), now, lease, first=False)])
    except errors.ProblemError:
        return False
    return True


def deliver(message_id: str, item: Mapping[str, Any] | None = None) -> str:
    """Handle one message; its state afterwards (or "taken"/"gone"/"sending" when another handler has it)."""
    item = item if item is not None else store.message(message_id)
    if item is None:
        return "gone"
    state = str(item["state"])
    if state in FINAL or state in ("failed", "held"):
        return state
    now = times.now_iso()
    if state == "pending":
        if item["channel"] == "unit":
            channels = orgs.alert_channels(str(item["to"]))
            if channels.webhook is None and not channels.phones:
                _drop(message_id, "no_alert_channel", now)
                return "dropped"
        release_at = _held_until(item, now)
        if release_at is not None:
            try:
                uow.commit(store.hold(message_id, release_at, now))
            except errors.ProblemError:
                return "taken"
            return "held"
        refused = _admit(item, now)
        if refused is not None:
            return "taken" if refused == "taken" else "dropped"
    elif not _claim_again(item, now):
        return "sending" if state == "sending" else "taken"
    return _attempts(item)


def _held_until(item: Mapping[str, Any], now: str) -> str | None:
    """When a pending message may go, if not now: a batched alert at its window's end
    (`hold_until`), a worker's non-urgent text in quiet hours in the morning."""
    hold_until = item.get("hold_until")
    if hold_until and times.parse(str(hold_until)) > times.parse(now):
        return str(hold_until)
    morning = quiet_until(times.parse(now)) if _waits_for_morning(item) else None
    return _iso(morning) if morning is not None else None


def _attempts(item: Mapping[str, Any]) -> str:
    message_id, channel = str(item["id"]), str(item["channel"])
    attempts = int(item.get("attempts") or 0)
    for turn in range(1, ATTEMPTS_PER_DELIVERY + 1):
        attempts += 1
        try:
            sent = _send(item)
        except providers.SendError as exc:
            metrics.record(metrics.NOTIFICATIONS_FAILED, channel=channel)
            now = times.now_iso()
            if exc.permanent or attempts >= MAX_ATTEMPTS:
                uow.commit([store.mark_failed(message_id, attempts, exc.reason, now, forget=_forget(item))])
                logger().warning("message failed", extra={"message_id": message_id, "attempts": attempts,
                                                          "reason": exc.reason})
                return "failed"
            if turn == ATTEMPTS_PER_DELIVERY:
                uow.commit([store.mark_retrying(message_id, attempts, exc.reason, now)])
                return "retrying"
            sleep(_backoff_seconds(turn))
            continue
        uow.commit([store.mark_sent(message_id, attempts, sent.provider, sent.provider_id, times.now_iso(),
                                    forget=_forget(item))])
        metrics.record(metrics.NOTIFICATIONS_SENT, channel=channel)
        return "sent"
    return "retrying"  # not reached: the last turn returns


def is_new_message(image: Mapping[str, Any] | None) -> bool:
    """A stream image the handler acts on: a message waiting to be sent (new, released from quiet
    hours, or put back by a resend). The event source mapping's filter says the same."""
    return bool(image) and image.get("type") == "message" and image.get("state") == "pending"  # type: ignore[union-attr]


def handle_batch(images: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Deliver each new message of a stream batch; raises DeliveryIncomplete (after trying all of
    them) when any is retrying or failed, so the batch is delivered again, then dead-lettered."""
    outcomes: dict[str, str] = {}
    for image in images:
        if is_new_message(image):
            message_id = str(image["id"])
            outcomes[message_id] = deliver(message_id)
    unfinished = {mid: state for mid, state in outcomes.items() if state in ("retrying", "failed")}
    if unfinished:
        raise DeliveryIncomplete(unfinished)
    return outcomes


def release_held() -> int:
    """Put back to pending the held messages whose time has come (listed under today or, left
    over, yesterday): quiet hours' at 07:30, a batched alert's at its window's end. The stream
    hands them to the handler. Runs every few minutes (events.py, RELEASE_EVERY_MINUTES), so a message goes
    out at most that long after its time. Returns how many were released."""
    now = times.now_iso()
    day = times.local_date(now)
    released = 0
    for offset in (1, 0):
        release_day = (day - timedelta(days=offset)).isoformat()
        for entry in store.held_on(release_day):
            if entry.get("release_at") and times.parse(str(entry["release_at"])) > times.parse(now):
                continue
            message_id = str(entry["message_id"])
            try:
                uow.commit(store.release(message_id, release_day, now))
                released += 1
            except errors.ProblemError:
                uow.commit([store.forget_held(message_id, release_day)])
    return released


# --- the public opt-out and what other domains use -----------------------------------------------

def opt_out(reference: str, phone: str) -> dict[str, str]:
    """Stop text messages to this phone, asked with a reference it was given (as the status
    look-up is: a wrong pair is 404 alike)."""
    refs.resolve(reference, phone)
    uow.commit([store.opt_out(phone, times.now_iso())])
    return {"status": "opted_out", "detail": "已退订：此后不再向这个手机号码发送短信通知。"}


def resend(message_id: str) -> None:
    """Send a message again (a staff member's resend, audited by the caller): back to pending."""
    try:
        uow.commit([store.mark_resent(message_id, times.now_iso())])
    except errors.ProblemError:
        raise errors.conflict("这条消息正在发送或等待发送，不能重发。") from None


def messages_about(about: str) -> list[dict[str, Any]]:
    return outbox.messages_about(about)
