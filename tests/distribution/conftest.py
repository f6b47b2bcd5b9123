from datetime import timedelta

import pytest
from django.utils import timezone

from distribution.models import DistributionSettings, Referral
from distribution.services.binding import binding_apply
from mall.models import Carrier, Order
from mall.services.fulfilment import order_confirm_receipt, order_ship
from mall.services.orders import LineRequest, order_create
from tests.factories import MemberFactory
from tests.helpers import DESTINATION, operator_settings


@pytest.fixture
def rules(db):
    """The distribution settings, as a fresh install has them."""
    return DistributionSettings.get_solo()


def configure(**fields) -> DistributionSettings:
    return operator_settings(DistributionSettings, **fields)


@pytest.fixture
def abc(rules):
    """A refers B, B refers C."""
    a, b, c = MemberFactory(nickname="A"), MemberFactory(nickname="B"), MemberFactory(nickname="C")
    assert binding_apply(member=b, code=a.referral_code)
    assert binding_apply(member=c, code=b.referral_code)
    return a, b, c


def buy(member, sku, quantity=1) -> Order:
    """An order placed and paid (the commission is earned as the payment lands)."""
    from distribution.services.commissions import commissions_earn

    order = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=quantity)])
    Order.objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now())
    order.refresh_from_db()
    commissions_earn(order=order)
    return order


def complete(order, *, days_ago: int = 0) -> Order:
    """Shipped, received, and (days_ago > 0) its after-sales window closed that long ago."""
    operator = MemberFactory(openid=None, is_staff=True)
    order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    order_confirm_receipt(order=order, member=order.member)
    if days_ago:
        Order.objects.filter(pk=order.pk).update(after_sales_deadline=timezone.now() - timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def referrer_of(member):
    referral = Referral.objects.filter(member=member).first()
    return referral.referrer if referral else None
