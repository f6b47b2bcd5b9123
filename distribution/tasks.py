"""Celery tasks: thin, idempotent wrappers around the services, retried on failure."""

from celery import shared_task

from distribution.reconcile import reconcile
from distribution.services.commissions import (
    commissions_earn,
    commissions_release_due,
    commissions_void,
    spend_counters_on_completion,
)
from distribution.services.distributors import distributor_promote_by_spend, distributors_upgrade
from distribution.services.withdrawals import withdrawals_pay_stuck
from mall.models import Order


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def earn_commissions(self, order_id: int) -> int:
    order = Order.objects.select_related("member").get(pk=order_id)
    created = commissions_earn(order=order)
    distributor_promote_by_spend(member=order.member)
    return len(created)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def void_commissions(self, order_id: int) -> int:
    return commissions_void(order=Order.objects.get(pk=order_id))


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def order_completed_counters(self, order_id: int) -> int:
    touched = spend_counters_on_completion(order=Order.objects.get(pk=order_id))
    return distributors_upgrade(member_ids=touched)


@shared_task
def release_due_commissions() -> int:
    return commissions_release_due()


@shared_task
def reconcile_commissions() -> int:
    return len(reconcile())


@shared_task
def pay_stuck_withdrawals() -> int:
    return withdrawals_pay_stuck()
