"""Refunds void commission before settlement; settlement only after completion + window."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from distribution.models import Commission, CommissionStatus, LedgerEntry
from distribution.selectors import balances
from distribution.services.commissions import commissions_release_due, commissions_void
from distribution.services.reconcile import reconcile
from mall.models import Order, Refund
from tests.distribution.conftest import buy, complete, configure
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db


def refund(order, amount_fen, status="refunded"):
    """The refund went through: record it as WeChat's notification would, then void."""
    Refund.objects.create(order=order, amount_fen=amount_fen, reason="退款", status=status, order_status_before=order.status)
    Order.objects.filter(pk=order.pk).update(refunded_fen=order.refunded_fen + amount_fen)
    order.refresh_from_db()
    commissions_void(order=order)


def net(member_nickname):
    return [c.net_fen for c in Commission.objects.filter(beneficiary__nickname=member_nickname).order_by("id")]


def test_a_full_refund_voids_the_commission(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))  # pays 100.00, free shipping
    refund(order, order.pay_fen)
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.VOID}
    assert balances(member=b)["frozen_fen"] == 0 and balances(member=a)["frozen_fen"] == 0
    assert reconcile() == []


def test_partial_refunds_void_in_proportion_exactly_to_the_fen(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=3333), 3)  # goods 99.99, pays 99.99 (free shipping)
    assert net("B") == [999] and net("A") == [499]
    refund(order, 3333)  # a third
    assert net("B") == [999 - 333] and net("A") == [499 - 166]
    refund(order, 3333)
    refund(order, 3333)  # everything: every fen voided
    assert Commission.objects.filter(status=CommissionStatus.VOID).count() == 2
    assert balances(member=b)["frozen_fen"] == 0 and balances(member=a)["frozen_fen"] == 0
    assert reconcile() == []


def test_settlement_waits_for_completion_and_the_after_sales_window(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))
    assert commissions_release_due() == 0  # paid, not completed
    complete(order)
    assert commissions_release_due() == 0  # completed, window still open
    Order.objects.filter(pk=order.pk).update(after_sales_deadline=timezone.now() - timedelta(seconds=1))
    assert commissions_release_due() == 2
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.AVAILABLE}
    assert balances(member=b) == {"frozen_fen": 0, "available_fen": 1000, "withdrawing_fen": 0, "withdrawn_fen": 0}
    assert commissions_release_due() == 0  # twice: nothing more
    assert LedgerEntry.objects.filter(kind="released").count() == 2
    assert reconcile() == []


def test_an_open_after_sales_request_holds_the_commission(abc):
    order = complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    Refund.objects.create(order=order, amount_fen=100, reason="坏了", status="requested", order_status_before="completed")
    assert commissions_release_due() == 0


def test_extra_freeze_days_wait_longer(abc):
    configure(extra_freeze_days=3)
    order = complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=2)
    assert commissions_release_due() == 0
    Order.objects.filter(pk=order.pk).update(after_sales_deadline=timezone.now() - timedelta(days=3, seconds=1))
    assert commissions_release_due() == 2


def test_a_partly_refunded_order_settles_what_is_left(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))
    refund(order, 2500)
    complete(order, days_ago=1)
    commissions_release_due()
    assert balances(member=b)["available_fen"] == 750 and balances(member=a)["available_fen"] == 375
    assert reconcile() == []


def test_settlement_works_in_batches(abc):
    sku = SKUFactory(price_fen=10000, stock=100)
    for _ in range(5):
        complete(buy(abc[2], sku), days_ago=1)
    assert commissions_release_due(batch_size=3) == 10
    assert balances(member=abc[1])["available_fen"] == 5000


def test_the_command_runs_the_same_job(abc, capsys):
    complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    call_command("release_due_commissions")
    assert "released 2 commission(s)" in capsys.readouterr().out


def test_a_refund_not_yet_voided_holds_the_commission(abc):
    """The refund landed and the order is completed again, but the void task has not run."""
    order = complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    Order.objects.filter(pk=order.pk).update(refunded_fen=2500)
    assert commissions_release_due() == 0
    order.refresh_from_db()
    commissions_void(order=order)
    assert commissions_release_due() == 2
    assert balances(member=abc[1])["available_fen"] == 750


def test_refunding_all_the_goods_but_not_the_shipping_voids_everything(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=2000))  # goods 20.00 + shipping 10.00
    assert (order.shipping_fen, order.pay_fen) == (1000, 3000)
    refund(order, 2000)
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.VOID}
    assert balances(member=b)["frozen_fen"] == 0 and balances(member=a)["frozen_fen"] == 0


def test_a_refund_that_lands_before_the_commission_is_earned_still_counts(abc):
    from distribution.services.commissions import commissions_earn
    from mall.services.orders import LineRequest, order_create
    from tests.helpers import DESTINATION

    a, b, c = abc
    order = order_create(
        member=c, destination=DESTINATION, lines=[LineRequest(sku_id=SKUFactory(price_fen=10000).pk, quantity=1)]
    )
    Order.objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now(), refunded_fen=4000)
    order.refresh_from_db()
    commissions_earn(order=order)  # the earn task ran late, after the partial refund
    assert net("B") == [600] and net("A") == [300]
    assert balances(member=b)["frozen_fen"] == 600
    assert reconcile() == []


def test_a_commission_with_ledger_rows_cannot_be_deleted(abc):
    """The ledger names its commission without a database key (settlement's million rows):
    the ORM's PROTECT is what keeps the row it names."""
    from django.db.models import ProtectedError

    complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due()
    commission = Commission.objects.first()
    with pytest.raises(ProtectedError):
        commission.delete()
    assert LedgerEntry.objects.filter(commission=commission).count() == 2  # earned, released
