"""Delivery decisions in memory (uow.recording): quiet hours, caps, opt-outs, idempotency, retries."""

from datetime import UTC, datetime

import pytest

from chalicelib.core import outbox, times, uow
from chalicelib.notify import providers, service, store

NIGHT = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
DAY = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


class Phone:
    """A provider that fails `failures` times (transient unless permanent), then accepts."""

    name = "fake"

    def __init__(self, failures: int = 0, permanent: bool = False) -> None:
        self.failures, self.permanent = failures, permanent
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def send(self, phone, template_id, params):
        self.calls.append((phone, template_id, dict(params)))
        if len(self.calls) <= self.failures:
            raise providers.SendError("fake refused", permanent=self.permanent)
        return f"id-{len(self.calls)}"


@pytest.fixture
def phone(monkeypatch):
    fake = Phone()
    monkeypatch.setattr(providers, "sms_provider", lambda: fake)
    monkeypatch.setattr(service, "sleep", lambda seconds: None)
    monkeypatch.setattr(times, "now", lambda: DAY)
    return fake


def message(template="support_accepted", params=None, **changes):
    item = outbox.message_item(template, "sms", "13800138000", params or {"ref": "ZF7K-3QW9"},
                               outbox.about("support", "ZF7K-3QW9"), message_id="m1", now="2026-03-01T02:00:00Z")
    return {**item, **changes}


PROMOTED = {"session": "返岗专车", "when": "3月2日 08:00", "place": "泰山广场", "ref": "K3QW-9ZF7"}


def test_quiet_hours_run_from_ten_at_night_to_half_past_seven_beijing_time() -> None:
    assert service.quiet_until(NIGHT) == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 on the 2nd
    assert service.quiet_until(datetime(2026, 3, 1, 23, 0, tzinfo=UTC)) == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert service.quiet_until(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) is None
    assert service.quiet_until(datetime(2026, 3, 1, 13, 59, tzinfo=UTC)) is None  # 21:59


def test_a_non_urgent_text_at_night_is_held_for_the_morning(phone, monkeypatch) -> None:
    monkeypatch.setattr(times, "now", lambda: NIGHT)
    with uow.recording() as fake:
        assert service.deliver("m1", message()) == "held"
    assert fake.names == [["hold_message", "list_held_message"]]
    assert fake.commits[0][0].params["ExpressionAttributeValues"][":s1"] == "2026-03-01T23:30:00Z"
    assert phone.calls == []


def test_an_urgent_text_goes_out_at_night(phone, monkeypatch) -> None:
    monkeypatch.setattr(times, "now", lambda: NIGHT)
    with uow.recording() as fake:
        assert service.deliver("m1", message("booking_promoted", PROMOTED)) == "sent"
    assert fake.names[0][0] == "claim_message" and fake.names[-1] == ["message_sent"]
    assert len(phone.calls) == 1


def test_the_first_sending_is_claimed_with_its_caps_and_checks_in_one_transaction(phone) -> None:
    with uow.recording() as fake:
        assert service.deliver("m1", message()) == "sent"
    assert fake.names == [["claim_message", "guard_duplicate_message", "phone_not_opted_out", "count_phone_day",
                           "count_about_record"], ["message_sent"]]


@pytest.mark.parametrize(("refused", "reason"), [("count_phone_day", "phone_day_cap"),
                                                 ("count_about_record", "record_cap"),
                                                 ("phone_not_opted_out", "opted_out"),
                                                 ("guard_duplicate_message", "duplicate")])
def test_a_message_over_a_cap_opted_out_or_repeated_is_dropped_with_its_reason(phone, refused, reason) -> None:
    with uow.recording(refuse=lambda op: op.name == refused) as fake:
        assert service.deliver("m1", message()) == "dropped"
    assert fake.names == [["message_dropped"]]
    assert reason in fake.commits[0][0].params["ExpressionAttributeValues"].values()
    assert phone.calls == []


def test_a_message_another_handler_claimed_is_not_sent_again(phone) -> None:
    with uow.recording(refuse=lambda op: op.name == "claim_message") as fake:
        assert service.deliver("m1", message()) == "taken"
        assert service.deliver("m1", message(state="retrying", attempts=3)) == "taken"
    assert fake.names == [] and phone.calls == []


def test_a_message_already_sent_failed_or_dropped_is_left_alone(phone) -> None:
    with uow.recording() as fake:
        for state in ("sent", "dropped", "failed", "held"):
            assert service.deliver("m1", message(state=state)) == state
    assert fake.names == [] and phone.calls == []


def test_transient_failures_are_retried_with_waits_and_counted(phone, monkeypatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(service, "sleep", waits.append)
    phone.failures = 2
    with uow.recording() as fake:
        assert service.deliver("m1", message()) == "sent"
    assert fake.names[-1] == ["message_sent"]
    assert fake.commits[-1][0].params["ExpressionAttributeValues"][":s1"] == 3  # attempts
    assert waits == [0.5, 1.0]


def test_after_the_attempts_of_one_delivery_the_message_waits_for_the_next(phone) -> None:
    phone.failures = 10
    with uow.recording() as fake:
        assert service.deliver("m1", message()) == "retrying"
        assert service.deliver("m1", message(state="retrying", attempts=3)) == "failed"
    assert fake.names[1] == ["message_retrying"]
    assert fake.names[2:] == [["claim_message"], ["message_failed"]]
    assert fake.commits[-1][0].params["ExpressionAttributeValues"][":s1"] == service.MAX_ATTEMPTS
    assert len(phone.calls) == service.MAX_ATTEMPTS


def test_a_permanent_refusal_fails_at_once(phone) -> None:
    phone.failures, phone.permanent = 1, True
    with uow.recording() as fake:
        assert service.deliver("m1", message()) == "failed"
    assert fake.names[-1] == ["message_failed"] and len(phone.calls) == 1


def test_a_batch_with_an_unsent_message_fails_so_it_is_delivered_again(phone, monkeypatch) -> None:
    phone.failures = 10
    monkeypatch.setattr(store, "message", lambda message_id: message())
    with uow.recording(), pytest.raises(service.DeliveryIncomplete) as raised:
        service.handle_batch([message(), {"type": "registration", "state": "pending"}, message(state="sent")])
    assert raised.value.outcomes == {"m1": "retrying"}


def test_the_worker_text_carries_the_signature_and_how_to_opt_out() -> None:
    text = providers.worker_text("support_accepted", {"ref": "ZF7K-3QW9"})
    assert text.startswith("【泰安市总工会】您的求助") and text.endswith(providers.OPT_OUT_NOTE)
    assert providers.alert_text("staff_new_requests", {"unit": "泰山区总工会", "count": "3"}).endswith("查看。")


def test_held_messages_are_released_after_half_past_seven_not_before(monkeypatch) -> None:
    listed = {"2026-03-02": [{"message_id": "m1", "release_at": "2026-03-01T23:30:00Z"},
                             {"message_id": "m2", "release_at": "2026-03-01T23:30:00Z"}]}
    monkeypatch.setattr(store, "held_on", lambda day: listed.get(day, []))
    monkeypatch.setattr(times, "now", lambda: datetime(2026, 3, 1, 23, 0, tzinfo=UTC))  # 07:00 on the 2nd
    with uow.recording() as fake:
        assert service.release_held() == 0
    assert fake.names == []
    monkeypatch.setattr(times, "now", lambda: datetime(2026, 3, 1, 23, 31, tzinfo=UTC))  # 07:31
    with uow.recording(refuse=lambda op: op.name == "release_message" and op.params["Key"]["PK"] == "MSG#m2") as fake:
        assert service.release_held() == 1
    assert fake.names == [["release_message", "unlist_held_message"], ["unlist_held_message"]]


def test_a_resend_puts_a_finished_message_back_to_pending_and_refuses_one_on_its_way(monkeypatch) -> None:
    from chalicelib.core import errors

    with uow.recording() as fake:
        service.resend("m1")
    assert fake.names == [["message_resent"]]
    assert fake.commits[0][0].params["ExpressionAttributeValues"][":s1"] == 0  # attempts counted afresh
    with uow.recording(refuse=lambda op: op.name == "message_resent"), pytest.raises(errors.ProblemError) as refused:
        service.resend("m1")
    assert refused.value.status == 409
