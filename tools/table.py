"""Create the table on a local engine from infra/table.yaml, the same definition AWS gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

INFRA_TABLE = Path(__file__).resolve().parent.parent / "infra" / "table.yaml"


def table_definition() -> dict[str, Any]:
    props: dict[str, Any] = yaml.safe_load(INFRA_TABLE.read_text("utf-8"))["Resources"]["Table"]["Properties"]
    return props


def _stream(props: dict[str, Any]) -> dict[str, Any] | None:
    spec = props.get("StreamSpecification")
    return {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]} if spec else None


def create_table(client: Any, name: str, *, with_stream: bool = True) -> bool:
    """Create the table (and turn on TTL) unless it exists; True when it was created. `with_stream=False`
    leaves the stream off (moto in tests: no handler reads it there, and moto keeps every record)."""
    props = table_definition()
    params: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
        "GlobalSecondaryIndexes": props.get("GlobalSecondaryIndexes", []),
    }
    stream = _stream(props) if with_stream else None
    if stream:
        params["StreamSpecification"] = stream
    try:
        client.create_table(**params)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        if stream and not client.describe_table(TableName=name)["Table"].get("StreamSpecification"):
            # A table kept from before the outbox had its stream: turn it on.
            client.update_table(TableName=name, StreamSpecification=stream)
        return False
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return True
