import os

import boto3
import pytest

from chalicelib.core.config import reset_settings
from chalicelib.orgs import store
from tools import first_admin
from tools.cognito import create_pool


@pytest.fixture(autouse=True)
def _restore_environment():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()


@pytest.fixture
def pool(moto_table):
    return create_pool(boto3.client("cognito-idp", region_name="us-east-1"), "us-east-1")


def test_creates_the_root_unit_and_a_city_admin(moto_table, pool, capsys):
    assert first_admin.main(["--username", "li.ming", "--name", "李明", "--table-name", moto_table,
                             "--user-pool-id", pool.pool_id]) == 0
    out = capsys.readouterr().out
    assert "units written: 1" in out and "temporary password" in out
    assert store.get_unit("city") is not None and store.get_unit("taishan") is None
    staff = store.get_staff("li.ming")
    assert staff and staff["roles"] == ["city_admin"] and staff["unit_id"] == "city"
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    groups = idp.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username="li.ming")["Groups"]
    assert [g["GroupName"] for g in groups] == ["city_admin"]
    attributes = {a["Name"]: a["Value"] for a in
                  idp.admin_get_user(UserPoolId=pool.pool_id, Username="li.ming")["UserAttributes"]}
    assert attributes["custom:unit_id"] == "city"


def test_seed_tree_writes_the_real_units_without_the_demo_ones(moto_table, pool, capsys):
    first_admin.main(["--username", "li.ming", "--name", "李明", "--table-name", moto_table,
                      "--user-pool-id", pool.pool_id, "--seed-tree"])
    assert store.get_unit("taishan") is not None
    assert store.get_unit("demo-taishan-hospital") is None


def test_refuses_a_second_admin_with_the_same_name(moto_table, pool):
    args = ["--username", "li.ming", "--name", "李明", "--table-name", moto_table, "--user-pool-id", pool.pool_id]
    first_admin.main(args)
    with pytest.raises(SystemExit, match="exists already"):
        first_admin.main(args)
    users = boto3.client("cognito-idp", region_name="us-east-1").list_users(UserPoolId=pool.pool_id)["Users"]
    assert [u["Username"] for u in users] == ["li.ming"]
