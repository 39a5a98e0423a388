"""Powertools' DynamoDB idempotency store, made to know its own in-progress record.

The first request with a key puts a record that marks the key in progress. When that put's answer
is lost (the connection drops after DynamoDB stored it), botocore sends the put again, and the
retry fails its own condition: the record is there. Powertools takes it for another request with
the same key and answers "in progress" to a caller who sent the key once. Here the record counts
as the call's own when the call was retried after a lost answer and the stored record is the one
it sent: in progress, with the same payload hash and the same expiry, down to the millisecond of
its in-progress expiry. Any other record is another request's, as before.

Loaded with the first write that carries a key, as Powertools itself is.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from chalicelib.core import db
from chalicelib.core.logs import logger

IN_PROGRESS = "INPROGRESS"


class Store(DynamoDBPersistenceLayer):
    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError as exc:
            if not (db.retried_after_lost_answer() and is_same_record(exc.old_data_record, data_record)):
                raise
            logger().info("idempotency record found as sent, after a lost answer")


def is_same_record(stored: DataRecord | None, sent: DataRecord) -> bool:
    return (stored is not None and stored.status == sent.status == IN_PROGRESS
            and stored.expiry_timestamp == sent.expiry_timestamp
            and stored.in_progress_expiry_timestamp == sent.in_progress_expiry_timestamp
            and stored.payload_hash == sent.payload_hash)
