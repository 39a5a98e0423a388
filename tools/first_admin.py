"""Create the first city administrator of a real deployment (nobody can sign in before it).

    python -m tools.first_admin --stack-name worker-services --username li.ming --name 李明 [--seed-tree]

Reads the table, user pool and secret from the stack's outputs (or take --table-name,
--user-pool-id and --secret-arn), makes sure the city federation's unit exists (with --seed-tree,
the whole union tree from the notice's addressee list, without the demo units), creates the
Cognito account in the city_admin group and the staff record with its audit entry, and prints the
temporary password once. Needs the operator's AWS credentials.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import boto3

import tools  # noqa: F401 - puts functions/ on the path

ROOT_UNIT = "city"


def stack_outputs(stack_name: str, region: str | None) -> dict[str, str]:
    stack = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def configure(table: str, pool: str, secret_arn: str | None, region: str | None) -> None:
    os.environ["TABLE_NAME"] = table
    os.environ["COGNITO_USER_POOL_ID"] = pool
    if secret_arn:
        os.environ["WS_SECRET_ARN"] = secret_arn
    if region:
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
    from chalicelib.core.config import reset_settings

    reset_settings()


def ensure_units(seed_tree: bool) -> int:
    """Write the root unit (or the real part of the seed tree) where missing; returns how many."""
    from tools import seed

    units = [u for u in seed.load_units() if not u["id"].startswith("demo-")]
    if not seed_tree:
        units = [u for u in units if u["id"] == ROOT_UNIT]
    return seed.seed_units(units)


def create_admin(username: str, name: str) -> str:
    from chalicelib.core import audit, cognito, db
    from chalicelib.orgs import store

    if store.get_staff(username) is not None:
        raise SystemExit(f"a staff record named {username!r} exists already")
    record: dict[str, Any] = {"username": username, "name": name, "unit_id": ROOT_UNIT, "roles": ["city_admin"],
                              "status": "active", "created_at": audit.now_iso(), "created_by": "first-admin",
                              "version": 1}
    password = cognito.create_user(username, name, ROOT_UNIT, ["city_admin"])
    try:
        db.transact([db.put_new(store.staff_item(record)),
                     audit.entry(actor="operator:first-admin", action="staff.create", entity="staff",
                                 entity_id=username, unit_id=ROOT_UNIT, after=record)])
    except Exception:
        cognito.delete_user(username)
        raise
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--username", required=True)
    parser.add_argument("--name", required=True, help="the person's name, shown in the workbench")
    parser.add_argument("--stack-name", default="worker-services")
    parser.add_argument("--region")
    parser.add_argument("--table-name")
    parser.add_argument("--user-pool-id")
    parser.add_argument("--secret-arn")
    parser.add_argument("--seed-tree", action="store_true", help="also write the union tree from the notice")
    args = parser.parse_args(argv)
    if not (args.table_name and args.user_pool_id):
        outputs = stack_outputs(args.stack_name, args.region)
        args.table_name = args.table_name or outputs["TableName"]
        args.user_pool_id = args.user_pool_id or outputs["UserPoolId"]
        args.secret_arn = args.secret_arn or outputs.get("SecretArn")
    configure(args.table_name, args.user_pool_id, args.secret_arn, args.region)
    written = ensure_units(args.seed_tree)
    password = create_admin(args.username, args.name)
    print(f"units written: {written}")
    print(f"city administrator {args.username} created in the city_admin group.")
    print(f"temporary password (shown once; the first sign-in asks for a new one): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
