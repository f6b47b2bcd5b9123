"""The moves every order service makes: change a status under a row lock and record it,
change many at once (jobs), give stock back, count sales."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from config.errors import InvalidStatus
from mall.models import SKU, ActorKind, Order, OrderEvent, OrderLine, Product
from outbox.services import publish


def order_transition(*, order: Order, allowed_from: set[str], to: str, actor, actor_kind: str, reason: str, **fields) -> Order:
    """Move an order on from one of `allowed_from`, under its row lock, and record it.
    Must run inside a transaction."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in allowed_from:
        raise InvalidStatus(f"订单{locked.get_status_display()}，不能{reason}")
    now = timezone.now()
    Order.objects.filter(pk=locked.pk, status=locked.status).update(status=to, updated_at=now, **fields)
    OrderEvent.objects.create(
        order=locked, from_status=locked.status, to_status=to, actor=actor, actor_kind=actor_kind, reason=reason, created_at=now
    )
    locked.refresh_from_db()
    return locked


def orders_transition_due(
    *, due: QuerySet, to: str, reason: str, fields: dict, event: str, batch_size: int, after: Callable[[list[int]], None] | None = None
) -> int:
    """The jobs' version: move every order in `due` to `to`, one batch per transaction.

    Rows someone else holds right now (a shopper cancelling, a payment arriving) are
    skipped with SKIP LOCKED; the status guard in the UPDATE keeps whoever came first.
    """
    total = 0
    while True:
        with transaction.atomic():
            ids = list(due.order_by("id").select_for_update(skip_locked=True).values_list("id", flat=True)[:batch_size])
            if not ids:
                return total
            now = timezone.now()
            old_status = {order_id: status for order_id, status in Order.objects.filter(id__in=ids).values_list("id", "status")}
            Order.objects.filter(id__in=ids).update(status=to, updated_at=now, **fields)
            OrderEvent.objects.bulk_create(
                [
                    OrderEvent(order_id=order_id, from_status=old_status[order_id], to_status=to, actor_kind=ActorKind.SYSTEM, reason=reason, created_at=now)
                    for order_id in ids
                ]
            )
            if after is not None:
                after(ids)
            for order_id in ids:
                publish(event, order_id=order_id)
        total += len(ids)


def stock_give_back(order_ids: list[int]) -> None:
    """Put the stock of these orders' lines back, one guarded UPDATE per SKU in id order."""
    returned = (
        OrderLine.objects.filter(order_id__in=order_ids).order_by().values("sku_id").annotate(quantity=Sum("quantity")).order_by("sku_id")
    )
    for row in returned:
        SKU.objects.filter(pk=row["sku_id"]).update(stock=F("stock") + row["quantity"])


def sales_count(order: Order) -> None:
    sold = OrderLine.objects.filter(order=order).order_by().values("product_id").annotate(quantity=Sum("quantity"))
    for row in sorted(sold, key=lambda row: row["product_id"]):
        Product.objects.filter(pk=row["product_id"]).update(sales=F("sales") + row["quantity"])
