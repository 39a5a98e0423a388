"""The local stand-in for Lambda's event source mapping on the table's stream (what `make run`
uses to deliver the outbox's messages, and what the integration tests drive).

It reads the table's DynamoDB stream through the DynamoDB Streams API of the local engine
(DynamoDB Local's, or moto's), keeps the records the mapping's filter keeps (read from
infra/notify.yaml, the Outbox function's FilterCriteria), and calls the app's `outbox` handler with
Lambda-shaped events (`{"Records": [...]}`, DynamoDB JSON images) in batches of the mapping's size.
A failing batch is retried up to the mapping's MaximumRetryAttempts, halved when
BisectBatchOnFunctionError says so, and then sent to the dead-letter queue (an SQS queue on moto,
in the shape of Lambda's on-failure record). Once a minute it also runs the release of held
messages whose time has come (quiet hours, a batched alert's window; a schedule in AWS).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

THREAD = "outbox-stream"  # the thread that delivers, as the stream trigger would in Lambda

DEFAULT_INTERVAL = 0.5  # seconds between polls of the stream
RELEASE_EVERY = 60.0  # seconds between looks for messages held over quiet hours
Handler = Callable[[dict[str, Any], Any], Any]


def mapping_settings() -> dict[str, Any]:
    """The event source mapping's properties as the packaged template gives them to AWS (infra/,
    parameters at their defaults)."""
    from tools.package import load_infra

    template = load_infra()
    defaults = {name: p.get("Default") for name, p in template.get("Parameters", {}).items()}
    props = template["Resources"]["Outbox"]["Properties"]["Events"]["OutboxDynamodbEventSource"]["Properties"]
    return {key: defaults[value["Ref"]] if isinstance(value, dict) and set(value) == {"Ref"} else value
            for key, value in props.items()}


def _matches(pattern: Any, value: Any) -> bool:
    """An EventBridge-style pattern of nested maps ending in lists of allowed values."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_matches(p, value.get(k)) for k, p in pattern.items())
    if isinstance(pattern, list):
        return value in pattern
    return bool(pattern == value)


def app_handler(name: str = "outbox") -> Handler:
    """The Chalice app's event handler of that name, as Lambda would call it (event, context)."""
    app = importlib.import_module("app").app
    for source in app.event_sources:
        if source.name == name:
            module, _, attr = source.handler_string.rpartition(".")
            handler: Handler = getattr(importlib.import_module(module), attr)
            return handler
    raise LookupError(f"the app has no event handler {name!r}")


@dataclass
class StreamPoller:
    dynamodb_endpoint: str
    table: str
    region: str
    handler: Handler
    interval: float = DEFAULT_INTERVAL
    sqs_endpoint: str | None = None
    dead_letter_queue: str = "worker-services-outbox-dlq"
    release: Callable[[], Any] | None = None
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[str, None] = field(default_factory=dict)  # message ids handed to the handler, in order
    errors: list[str] = field(default_factory=list)
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._dynamodb: Any = boto3.client("dynamodb", endpoint_url=self.dynamodb_endpoint, region_name=self.region)
        self._streams: Any = boto3.client("dynamodbstreams", endpoint_url=self.dynamodb_endpoint,
                                          region_name=self.region)
        settings = mapping_settings()
        self.batch_size = int(settings.get("BatchSize", 10))
        self.max_retries = int(settings.get("MaximumRetryAttempts", 2))
        self.bisect = bool(settings.get("BisectBatchOnFunctionError", False))
        self.filters = [json.loads(f["Pattern"]) for f in settings.get("FilterCriteria", {}).get("Filters", [])]
        self.stream_arn = str(self._dynamodb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"])
        self._queue_url: str | None = None
        if self.sqs_endpoint:
            sqs = boto3.client("sqs", endpoint_url=self.sqs_endpoint, region_name=self.region)
            self._queue_url = sqs.create_queue(QueueName=self.dead_letter_queue)["QueueUrl"]
            self._sqs = sqs

    # --- reading the stream --------------------------------------------------------------------

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        start: str | None = None
        while True:
            kw: dict[str, Any] = {"StreamArn": self.stream_arn}
            if start:
                kw["ExclusiveStartShardId"] = start
            description = self._streams.describe_stream(**kw)["StreamDescription"]
            shards += description.get("Shards", [])
            start = description.get("LastEvaluatedShardId")
            if not start:
                return shards

    def read(self) -> list[dict[str, Any]]:
        """The records written since the last read, oldest first, in Lambda's record shape."""
        records: list[dict[str, Any]] = []
        for shard in self._shards():
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                answer = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                records += [self._lambda_record(r) for r in answer.get("Records", [])]
                iterator = answer.get("NextShardIterator")
                if not answer.get("Records"):
                    break
            self._iterators[shard_id] = iterator
        return records

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = created.replace(tzinfo=created.tzinfo or UTC).timestamp()
        return {"eventID": record["eventID"], "eventName": record["eventName"], "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": self.region, "dynamodb": data,
                "eventSourceARN": self.stream_arn}

    def kept(self, record: dict[str, Any]) -> bool:
        return not self.filters or any(_matches(p, record) for p in self.filters)

    # --- invoking the handler ------------------------------------------------------------------

    def poll_once(self) -> int:
        """Read the stream and hand the kept records to the handler; how many were handed."""
        records = [r for r in self.read() if self.kept(r)]
        for start in range(0, len(records), self.batch_size):
            self.invoke(records[start:start + self.batch_size])
        return len(records)

    def invoke(self, batch: list[dict[str, Any]]) -> None:
        """One batch as the mapping delivers it: retried, bisected, then dead-lettered."""
        for record in batch:
            message_id = record["dynamodb"].get("NewImage", {}).get("id", {}).get("S")
            if message_id:
                self.seen[message_id] = None
        for attempt in range(self.max_retries + 1):
            try:
                self.handler({"Records": batch}, None)
                return
            except Exception as exc:  # the handler failed the batch, as a Lambda invocation would
                self.errors.append(f"{type(exc).__name__}: {exc}")
                if attempt < self.max_retries:
                    time.sleep(min(self.interval, 1.0))
        if self.bisect and len(batch) > 1:
            half = len(batch) // 2
            self.invoke(batch[:half])
            self.invoke(batch[half:])
            return
        self._dead_letter(batch)

    def _dead_letter(self, batch: list[dict[str, Any]]) -> None:
        """Lambda's on-failure record for a stream batch: where it was, not what it held."""
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        record = {
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": "local:outbox",
                               "condition": "RetryAttemptsExhausted", "approximateInvokeCount": self.max_retries + 1},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {"shardId": "local", "startSequenceNumber": first["SequenceNumber"],
                                   "endSequenceNumber": last["SequenceNumber"], "batchSize": len(batch),
                                   "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                                   "streamArn": self.stream_arn},
        }
        self.dead_letters.append(record)
        if self._queue_url:
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(record))

    # --- running in the background -------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=THREAD, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        released_at = 0.0
        while not self._stop.is_set():
            try:
                self.poll_once()
                if self.release is not None and time.monotonic() - released_at >= RELEASE_EVERY:
                    released_at = time.monotonic()
                    self.release()
            except Exception as exc:  # keep polling: the engine may be restarting
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(timeout=10)


def local_messages(poller: StreamPoller, limit: int = 200) -> list[dict[str, Any]]:
    """The messages the stream handed over, newest first, as /_local/messages shows them: the
    phone (or unit), the template, the text as the provider got it, and the state now."""
    from chalicelib.core import outbox
    from chalicelib.core.db import get
    from chalicelib.notify import providers, service

    shown = []
    for message_id in list(poller.seen)[-limit:]:
        item = get(*outbox.message_key(message_id))
        if item is None:
            continue
        text = None  # a message forgotten after sending (an erasure's confirmation) keeps no text
        if "params" in item:
            render = providers.worker_text if item["channel"] == "sms" else providers.alert_text
            text = render(item["template"], service.params_at_send(item))
        shown.append({"id": message_id, "phone" if item["channel"] == "sms" else "unit": item.get("to"),
                      "template": item["template"], "text": text, "state": item["state"],
                      "attempts": item.get("attempts", 0), "reason": item.get("reason"),
                      "created_at": item["created_at"], "sent_at": item.get("sent_at")})
    shown.sort(key=lambda m: str(m["created_at"]), reverse=True)
    return shown
