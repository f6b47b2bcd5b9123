"""Celery tasks: thin wrappers around the services, safe to run twice. (What happens
when orders move is not here: it rides the outbox, in receivers.)"""

from celery import shared_task

from distribution.services.commissions import commissions_release_due
from distribution.services.reconcile import reconcile
from distribution.services.withdrawals import withdrawals_pay_stuck


@shared_task
def release_due_commissions() -> int:
    return commissions_release_due()


@shared_task
def reconcile_commissions() -> int:
    return len(reconcile())


@shared_task
def pay_stuck_withdrawals() -> int:
    return withdrawals_pay_stuck()
