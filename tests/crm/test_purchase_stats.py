"""Purchase stats kept current from the storefront's events, and a rebuild that agrees."""

import pytest
from django.core.management import call_command

from crm.models import PurchasedProduct, PurchaseStats
from crm.services.purchase_stats import purchase_stats_refresh
from mall.models import Order, Refund, RefundStatus
from mall.services.aftersales import refund_approve
from members.models import BalanceKind
from members.services.balance import balance_move
from tests.factories import CategoryFactory, MemberFactory, ProductFactory, SKUFactory
from tests.helpers import ADDRESS, deliver_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def skincare():
    return SKUFactory(product=ProductFactory(category=CategoryFactory(name="护肤")), price_fen=5000, stock=50)


@pytest.fixture
def makeup():
    return SKUFactory(product=ProductFactory(category=CategoryFactory(name="彩妆")), price_fen=9000, stock=50)


def paid_from_balance(api, sku, quantity=1) -> Order:
    """An order the balance pays at once (no cashier round trip)."""
    body = {"lines": [{"sku_id": sku.pk, "quantity": quantity}], "address": ADDRESS, "use_balance": True}
    response = api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    return Order.objects.get(number=response.json()["number"])


@pytest.fixture
def refunded(member_api, django_capture_on_commit_callbacks):
    """Ask for a refund and have the operator approve it; the balance part lands at once."""
    operator = MemberFactory(is_staff=True, is_superuser=True, openid=None)

    def refund(order, amount_fen=None):
        body = {"reason": "不想要了", **({"amount_fen": amount_fen} if amount_fen else {})}
        response = member_api.post(f"/api/v1/orders/{order.number}/refunds", body, format="json")
        assert response.status_code == 201, response.json()
        with django_capture_on_commit_callbacks(execute=True):
            refund_approve(refund=Refund.objects.get(pk=response.json()["id"]), by=operator)
        assert Refund.objects.get(pk=response.json()["id"]).status == RefundStatus.REFUNDED
        deliver_events()

    return refund


def figures(member) -> tuple:
    stats = PurchaseStats.objects.get(member=member)
    return stats.order_count, stats.paid_fen, stats.first_paid_at, stats.last_paid_at


def bought(member) -> dict:
    return {row.product.title: (row.category.name, row.quantity) for row in PurchasedProduct.objects.filter(member=member).select_related("product", "category")}


@pytest.fixture
def shopper(member, member_api):
    balance_move(member_id=member.pk, amount_fen=100_000, kind=BalanceKind.ADJUSTMENT, source_key="test:stats")
    return member


def test_paid_orders_count_as_they_are_paid(shopper, member_api, skincare, makeup):
    first = paid_from_balance(member_api, skincare, quantity=2)
    second = paid_from_balance(member_api, makeup)
    member_api.post("/api/v1/orders", {"lines": [{"sku_id": makeup.pk, "quantity": 1}], "address": ADDRESS}, format="json")  # unpaid
    deliver_events()
    assert figures(shopper) == (2, first.paid_total_fen + second.paid_total_fen, first.paid_at, second.paid_at)
    assert bought(shopper) == {skincare.product.title: ("护肤", 2), makeup.product.title: ("彩妆", 1)}


def test_refunds_take_back_what_they_return_and_a_full_one_the_order(shopper, member_api, skincare, makeup, refunded):
    first, second = paid_from_balance(member_api, skincare), paid_from_balance(member_api, makeup)
    deliver_events()
    refunded(first, amount_fen=1500)
    assert figures(shopper)[:2] == (2, first.paid_total_fen + second.paid_total_fen - 1500)
    refunded(second)
    assert figures(shopper) == (1, first.paid_total_fen - 1500, first.paid_at, first.paid_at)
    assert bought(shopper) == {skincare.product.title: ("护肤", 1)}


def test_an_event_delivered_twice_changes_nothing(shopper, member_api, skincare):
    paid_from_balance(member_api, skincare)
    deliver_events()
    before = (figures(shopper), bought(shopper))
    purchase_stats_refresh(member_id=shopper.pk)
    assert (figures(shopper), bought(shopper)) == before


def test_the_rebuild_gives_the_figures_the_events_kept(shopper, member_api, skincare, makeup, api_for, refunded):
    first = paid_from_balance(member_api, skincare, quantity=3)
    paid_from_balance(member_api, makeup)
    other = MemberFactory()
    balance_move(member_id=other.pk, amount_fen=100_000, kind=BalanceKind.ADJUSTMENT, source_key="test:other")
    paid_from_balance(api_for(other), makeup, quantity=2)
    deliver_events()
    refunded(first, amount_fen=700)
    kept = {member.pk: (figures(member), bought(member)) for member in (shopper, other)}

    PurchaseStats.objects.update(order_count=99, paid_fen=0)  # drifted, as a rebuild must not care
    PurchasedProduct.objects.filter(member=other).delete()
    call_command("rebuild_purchase_stats", verbosity=0)
    assert {member.pk: (figures(member), bought(member)) for member in (shopper, other)} == kept
    assert PurchaseStats.objects.count() == 2
