"""Message delivery's event entry points: the table's stream (the outbox's new messages) and the
release of held messages (quiet hours, batched alerts). The sending service loads when an event
arrives, not when the app starts."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from chalice.app import Blueprint, DynamoDBEvent, Rate

from chalicelib.core import db, metrics

bp = Blueprint(__name__)
# Chalice wants a stream ARN here; `make package` replaces it with the table's own stream
# (infra/functions.yaml, OutboxStream), and the local stack's poller calls the handler directly.
STREAM_FROM_TEMPLATE = "arn:aws:dynamodb:cn-north-1:000000000000:table/worker-services/stream/set-by-infra"
RELEASE_EVERY_MINUTES = 5  # the release schedule's period
_deserialize = TypeDeserializer().deserialize


def new_image(record: Any) -> dict[str, Any] | None:
    image = record.new_image
    if not image:
        return None
    return dict(db.plain({name: _deserialize(value) for name, value in image.items()}))


@bp.on_dynamodb_record(stream_arn=STREAM_FROM_TEMPLATE, name="outbox", batch_size=10, starting_position="LATEST")
def outbox(event: DynamoDBEvent) -> None:
    """The outbox's stream: send each new message once, record its outcome on it."""
    from chalicelib.notify import service

    with metrics.collecting():
        service.handle_batch(image for image in (new_image(r) for r in event) if image is not None)


@bp.schedule(Rate(RELEASE_EVERY_MINUTES, unit=Rate.MINUTES))
def release_held_messages(event: object) -> None:
    """Held messages whose time has come go out: those held over quiet hours from 07:30, a batched
    unit alert at its window's end (within this schedule's period)."""
    from chalicelib.notify import service

    service.release_held()
