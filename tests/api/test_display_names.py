"""Answers name people, not logins: who recorded a visit, wrote a ledger entry, confirmed a package.
The names of one answer are read together, in one batch however many rows name them."""

from __future__ import annotations

from unittest import mock

from chalicelib.core import db
from chalicelib.orgs import service as orgs
from tests.staff_accounts import put_staff_record


def test_staff_are_named_the_system_labelled_and_an_unknown_login_kept(seeded):
    put_staff_record("wang.li", "taishan", ["caseworker"], name="王丽")
    put_staff_record("zhao.min", "taishan", ["contact_person"], name="赵敏")
    names = orgs.display_names(["staff:wang.li", "zhao.min", "staff:gone.away", "system:schedule", None, "public"])
    assert names == {"staff:wang.li": "王丽", "zhao.min": "赵敏", "staff:gone.away": "gone.away",
                     "system:schedule": "系统", "public": "本人（网上提交）"}


def test_the_names_of_many_rows_are_read_in_one_batch(seeded):
    for n in range(30):
        put_staff_record(f"staff.{n:02d}", "taishan", ["caseworker"], name=f"职工{n}")
    rows = [f"staff:staff.{n % 30:02d}" for n in range(90)]
    with mock.patch.object(db, "batch_get", wraps=db.batch_get) as batch, \
            mock.patch.object(db, "get", wraps=db.get) as single:
        names = orgs.display_names(rows)
    assert batch.call_count == 1 and single.call_count == 0
    assert names["staff:staff.07"] == "职工7" and len(names) == 30
