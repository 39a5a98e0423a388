from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import db
from chalicelib.core.config import settings
from chalicelib.system.models import Health, TableStatus


def check() -> Health:
    s = settings()
    try:
        description = db.table().meta.client.describe_table(TableName=s.table_name)["Table"]
        table_status = str(description.get("TableStatus", "UNKNOWN"))
    except ClientError as exc:
        table_status = "MISSING" if exc.response["Error"]["Code"] == "ResourceNotFoundException" else "ERROR"
    except BotoCoreError:
        table_status = "UNREACHABLE"
    status = "ok" if table_status == "ACTIVE" else "degraded"
    return Health(status=status, engine=s.engine, table=TableStatus(name=s.table_name, status=table_status))
