"""The baseline for write routes: a bare Chalice handler making the same DynamoDB calls as the
full stack's support-request route (unit reads, idempotency record, the 4-item transaction and
completing the idempotency record), without validation, logging, audit building or Powertools."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import boto3
from chalice.app import Chalice, Response


def create_app(endpoint: str, table_name: str) -> Chalice:
    app = Chalice(app_name="bare")
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")

    @app.route("/support-requests", methods=["POST"])
    def submit() -> Response:
        request = app.current_request
        assert request is not None
        body: dict[str, Any] = json.loads(request.raw_body)
        key = request.headers.get("idempotency-key", secrets.token_hex(8))
        client.get_item(TableName=table_name, Key={"PK": {"S": f"UNIT#{body['county_unit_id']}"}, "SK": {"S": "UNIT"}})
        idem = {"PK": {"S": "IDEMPOTENCY"}, "SK": {"S": f"bare#{key}"}}
        expiry = {"N": str(int(time.time()) + 3600)}
        client.put_item(TableName=table_name, Item={**idem, "status": {"S": "INPROGRESS"}, "ttl": expiry},
                        ConditionExpression="attribute_not_exists(PK)")
        ref = secrets.token_hex(5).upper()
        now = {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        record = {"PK": {"S": f"BARE#{ref}"}, "SK": {"S": "REQUEST"}, "description": {"S": body["description"]},
                  "phone": {"S": body["phone"]}, "created_at": now, "status": {"S": "submitted"}}
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table_name, "Item": record, "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": table_name, "Item": {"PK": {"S": f"BAREREF#{ref}"}, "SK": {"S": "REF"}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": table_name, "Item": {"PK": {"S": f"BAREPHONE#{ref}"}, "SK": {"S": "X"}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": table_name, "Item": {"PK": {"S": f"BAREAUDIT#{ref}"}, "SK": {"S": "X"}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
        ])
        answer = json.dumps({"reference": ref})
        client.update_item(TableName=table_name, Key=idem, UpdateExpression="SET #s = :s, #d = :d",
                           ExpressionAttributeNames={"#s": "status", "#d": "data"},
                           ExpressionAttributeValues={":s": {"S": "COMPLETED"}, ":d": {"S": answer}})
        return Response(body=answer, status_code=201, headers={"Content-Type": "application/json"})

    return app
