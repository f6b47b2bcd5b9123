"""Celery tasks: thin wrappers around services that are safe to run twice."""

from celery import shared_task

from mall.services.aftersales import refund_submit, refunds_submit_pending
from mall.services.fulfilment import orders_complete_due
from mall.services.orders import orders_cancel_expired
from mall.services.payments import payments_check_open
from wechat.pay import PayError


@shared_task
def cancel_expired_orders() -> int:
    return orders_cancel_expired()


@shared_task
def check_open_payments() -> dict:
    return payments_check_open()


@shared_task
def complete_due_orders() -> int:
    return orders_complete_due()


@shared_task(bind=True, max_retries=8)
def submit_refund(self, refund_id: int) -> str:
    try:
        return refund_submit(refund_id=refund_id)
    except PayError as exc:  # WeChat busy or unreachable
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600))


@shared_task
def submit_pending_refunds() -> int:
    return refunds_submit_pending()
