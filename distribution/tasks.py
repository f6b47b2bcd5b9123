"""Celery tasks: thin, idempotent wrappers around the services, retried on failure."""

from celery import shared_task

from distribution.models import OrderReferral
from distribution.services.commissions import (
    commissions_earn,
    commissions_release_due,
    commissions_void,
)
from distribution.services.distributors import distributor_promote_by_spend, distributors_upgrade
from distribution.services.reconcile import reconcile
from distribution.services.withdrawals import withdrawals_pay_stuck
from mall.models import Order

# Idempotent, so any failure (a deadlock, the database gone for a moment) is retried.
RETRIED = {"bind": True, "autoretry_for": (Exception,), "retry_backoff": 30, "max_retries": 8}


@shared_task(**RETRIED)
def earn_commissions(self, order_id: int) -> int:
    order = Order.objects.select_related("member").get(pk=order_id)
    created = commissions_earn(order=order)
    distributor_promote_by_spend(member=order.member)
    return len(created)


@shared_task(**RETRIED)
def void_commissions(self, order_id: int) -> int:
    return commissions_void(order=Order.objects.get(pk=order_id))


@shared_task(**RETRIED)
def check_grades(self, order_id: int) -> int:
    """A completed order can lift the buyer (own spend) and their sharer (team spend)."""
    order = Order.objects.get(pk=order_id)
    snapshot = OrderReferral.objects.filter(order=order).values_list("level1_id", flat=True).first()
    return distributors_upgrade(member_ids={order.member_id, *([snapshot] if snapshot else [])})


@shared_task
def release_due_commissions() -> int:
    return commissions_release_due()


@shared_task
def reconcile_commissions() -> int:
    return len(reconcile())


@shared_task
def pay_stuck_withdrawals() -> int:
    return withdrawals_pay_stuck()
