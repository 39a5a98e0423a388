"""The privacy purge on the local table: `make purge [ARGS="..."]`.

    python -m tools.purge                      # purge if the city's retention date has passed
    python -m tools.purge --today 2021-06-01   # as if it were that day (to try the policy out)
    python -m tools.purge --force              # anonymise every personal record now

DynamoDB Local and moto do not expire items, so this does locally what the daily schedule
(privacy/events.py, daily_purge) does in AWS: every record holding personal data is anonymised or
deleted by its retention rule (privacy/rules.py); counts and reports keep their numbers.

Without `--endpoint` the command starts its own DynamoDB Local on var/dynamodb; stop `make run`
first, or pass the endpoint its banner shows.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from tools import backup
from tools.engines import ROOT
from tools.localstack import table_env


def configure(endpoint: str, data_dir: Path) -> None:
    """Point the app's data layer at the local table, as the local stack does."""
    os.environ.update(table_env(endpoint, data_dir))
    from chalicelib.core import db
    from chalicelib.core.config import reset_settings

    reset_settings()
    db.reset_clients()


def run(today: date | None, force: bool) -> str:
    from chalicelib.core import retention
    from chalicelib.privacy import purge

    limit = retention.purge_after(retention.policy())
    if not force and not retention.due(today):
        when = f"from {limit.isoformat()}" if limit else "once the city federation sets the end of the epidemic task"
        return f"nothing purged: personal data is kept until retention runs out ({when})"
    result = purge.purge(today, force=force)
    return f"purged: {result['anonymised']} of {result['checked']} items held personal data and were anonymised"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="DynamoDB endpoint (default: start DynamoDB Local on var/dynamodb)")
    parser.add_argument("--data", type=Path, default=ROOT / "var", help="the local stack's data directory")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--force", action="store_true", help="purge now, whatever the retention policy says")
    args = parser.parse_args(argv)
    with backup.endpoint_for(args.endpoint, args.data / "dynamodb") as endpoint:
        configure(endpoint, args.data)
        print(run(args.today, args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
