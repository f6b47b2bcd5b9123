from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.errors import InvalidStatus
from mall.models import SKU, ActorKind, Order, OrderEvent, OrderStatus
from mall.services.orders import (
    LineRequest,
    order_cancel,
    order_create,
    orders_cancel_expired,
)
from mall.tasks import cancel_expired_orders
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import DESTINATION

pytestmark = pytest.mark.django_db



def open_order(sku, quantity=1, *, age_minutes=0):
    order = order_create(member=MemberFactory(), destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=quantity)])
    if age_minutes:
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=age_minutes))
    return order


def test_expired_unpaid_orders_are_cancelled_and_their_stock_returned():
    sku = SKUFactory(stock=10)
    expired = open_order(sku, 3, age_minutes=1)
    still_open = open_order(sku, 2)
    assert SKU.objects.get(pk=sku.pk).stock == 5
    assert orders_cancel_expired() == 1
    assert Order.objects.get(pk=expired.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=still_open.pk).status == OrderStatus.PENDING_PAYMENT
    assert SKU.objects.get(pk=sku.pk).stock == 8
    event = OrderEvent.objects.get(order=expired, to_status=OrderStatus.CANCELLED)
    assert (event.from_status, event.actor_kind, event.actor) == (OrderStatus.PENDING_PAYMENT, ActorKind.SYSTEM, None)


def test_running_the_job_twice_gives_stock_back_once():
    sku = SKUFactory(stock=10)
    open_order(sku, 4, age_minutes=5)
    assert orders_cancel_expired() == 1
    assert orders_cancel_expired() == 0
    assert SKU.objects.get(pk=sku.pk).stock == 10


def test_a_shopper_cancelling_after_the_job_changes_nothing():
    sku = SKUFactory(stock=10)
    order = open_order(sku, 4, age_minutes=5)
    orders_cancel_expired()
    with pytest.raises(InvalidStatus):
        order_cancel(order=order, actor=order.member)
    assert SKU.objects.get(pk=sku.pk).stock == 10


def test_the_job_skips_orders_a_shopper_already_cancelled():
    sku = SKUFactory(stock=10)
    order = open_order(sku, 4, age_minutes=5)
    order_cancel(order=order, actor=order.member)
    assert orders_cancel_expired() == 0
    assert SKU.objects.get(pk=sku.pk).stock == 10
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1


def test_the_job_works_in_batches():
    sku = SKUFactory(stock=100)
    for _ in range(7):
        open_order(sku, 2, age_minutes=1)
    assert orders_cancel_expired(batch_size=3) == 7
    assert SKU.objects.get(pk=sku.pk).stock == 100


def test_management_command_and_celery_task_run_the_same_job():
    sku = SKUFactory(stock=10)
    open_order(sku, 1, age_minutes=1)
    out = StringIO()
    call_command("cancel_expired_orders", stdout=out)
    assert "cancelled 1 expired order(s)" in out.getvalue()
    open_order(sku, 1, age_minutes=1)
    assert cancel_expired_orders.delay().get() == 1
    assert SKU.objects.get(pk=sku.pk).stock == 10


def test_the_job_is_scheduled_in_django_celery_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="mall.tasks.cancel_expired_orders")
    assert task.enabled and task.interval.every == 60
