"""Domain events the storefront announces. Other apps subscribe in their apps.py;
`mall` itself never imports them. Every event is sent after the transaction that
made it true has committed, with `order=` the Order (and `refund=` for order_refunded:
the Refund that just went through, full or partial)."""

from django.db import transaction
from django.dispatch import Signal

order_created = Signal()
order_paid = Signal()
order_cancelled = Signal()
order_shipped = Signal()
order_completed = Signal()
order_refunded = Signal()


def announce(signal: Signal, order, **extra) -> None:
    from mall.models import Order

    transaction.on_commit(lambda: signal.send(sender=Order, order=order, **extra))
