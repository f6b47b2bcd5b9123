"""bench/batch.py at a tiny scale (PostgreSQL): the settlement and the CRM segment count each
return their row of the bench table with every check holding, the segment count agrees with
the hand-written SQL, and the large shop seeded before them is whole afterwards. The full
scale (1,000,000 each) runs by hand, in `make bench`."""

import json

import pytest
from django.db.models import Sum

from bench import crm
from bench.batch import segment_count, settlement
from bench.shop import counts, load, seed
from crm.models import PurchasedProduct, PurchaseStats
from distribution.models import Account, Commission, CommissionStatus, LedgerEntry, LedgerKind
from mall.models import Order
from members.models import Gender, Member
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_a_row_of_the_table(row: dict, name: str) -> None:
    assert set(row) == {"name", "kind", "floor", "ratio", "ok", "ours", "limit", "checks"}
    assert (row["name"], row["kind"], row["floor"]) == (name, "batch", 0.5)
    assert row["checks"] and all(row["checks"].values()), row["checks"]
    for side in ("ours", "limit"):
        assert set(row[side]) == {"seconds", "rows"}
        assert row[side]["seconds"] > 0 and type(row[side]["rows"]) is int
    assert row["ratio"] == pytest.approx(row["limit"]["seconds"] / row["ours"]["seconds"])
    assert row["ok"] == (row["ratio"] >= 0.5)
    json.dumps(row)  # the suite saves its rows as JSON


def test_settlement_releases_every_commission_once_and_the_bare_update_the_same_rows():
    row = settlement(2000)

    assert_a_row_of_the_table(row, "settlement 2,000")
    assert row["ours"]["rows"] == row["limit"]["rows"] == 2000
    assert Commission.objects.filter(status=CommissionStatus.AVAILABLE).count() == 2000
    # 1,000 lines, 10.00 at level 1 and 5.00 at level 2 each: all of it available, none frozen.
    assert Account.objects.aggregate(frozen=Sum("frozen_fen"), available=Sum("available_fen")) == {"frozen": 0, "available": 1000 * 1500}
    # The bare update was rolled back: only the job's releases are on the ledger.
    assert LedgerEntry.objects.filter(kind=LedgerKind.RELEASED).count() == 2000


def test_settlement_again_replaces_the_earlier_fill():
    settlement(2000)
    row = settlement(600)

    assert_a_row_of_the_table(row, "settlement 600")
    assert Commission.objects.count() == 600 and Order.objects.count() == 300
    assert Member.objects.count() == 300  # the sharers of the second fill only: one a line at this size


def test_settlement_refuses_an_odd_count():
    with pytest.raises(ValueError):
        settlement(2001)


def test_segment_count_equals_the_hand_written_sql():
    row = segment_count(2000)

    assert_a_row_of_the_table(row, "CRM segment count")
    _, skincare = crm.catalogue()
    # A third way to count, in Python: 广东, female, bought skincare.
    bought = set(PurchasedProduct.objects.filter(category_id=skincare).values_list("member_id", flat=True))
    expected = sum(1 for pk, province, gender in Member.objects.values_list("pk", "province", "gender")
                   if province == "广东" and gender == Gender.FEMALE and pk in bought)
    assert row["ours"]["rows"] == row["limit"]["rows"] == crm.count_by_hand(skincare) == expected > 0


def test_segment_fill_is_kept_and_topped_up():
    crm.fill(500)
    bought_first = set(PurchaseStats.objects.values_list("member_id", flat=True))
    crm.fill(800)
    crm.fill(300)

    assert Member.objects.filter(username__startswith=crm.PREFIX).count() == 800
    bought = set(PurchaseStats.objects.values_list("member_id", flat=True))
    assert bought_first < bought  # the first 500 kept their purchases, some of the 300 added bought too


def test_the_shop_seeded_before_is_whole_afterwards():
    seed(products=20, categories=8, members=200, orders=400, packet_shares=100, flash_units=50)
    shop, before = load(), counts()

    settlement(400)
    segment_count(600)

    assert load() == shop
    after = counts()
    assert after.pop("members") == before.pop("members") + 200 + 600
    assert after.pop("orders") == before.pop("orders") + 200
    assert after.pop("order lines") == before.pop("order lines") + 200
    assert after == before
    assert Order.objects.filter(member_id__in=shop.member_ids).count() == 400
