from celery import shared_task

from mall.services.orders import orders_cancel_expired


@shared_task
def cancel_expired_orders() -> int:
    return orders_cancel_expired()
