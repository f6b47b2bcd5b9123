"""The moves every order service makes: change a status under a row lock and record it,
change many at once (jobs), give stock, balance and coupons back, count sales. Which status may follow which
is ORDER_FLOW's to say (mall/models/orders.py)."""

from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from config.errors import InvalidStatus
from mall.models import (
    ORDER_FLOW,
    ORDER_STATUS_EVENTS,
    SKU,
    ActorKind,
    Coupon,
    CouponStatus,
    Order,
    OrderEvent,
    OrderLine,
    Product,
)
from mall.services.catalog import products_changed
from members.models import BalanceKind
from members.services.balance import balance_move_once
from outbox.services import publish, published, status_move, status_move_sql, writes_in_with


def order_transition(
    *, order: Order, to: str, actor, actor_kind: str, reason: str, only_from=None, already_locked: bool = False, **fields
) -> Order:
    """Move an order on as ORDER_FLOW allows (narrowed to `only_from` when the service is
    stricter), under its row lock: the guarded UPDATE, the order event row, and the domain
    event the new status announces. `fields` are plain values written with the status.
    A caller that read `order` under its row lock says `already_locked=True`. Must run
    inside a transaction."""
    locked = order if already_locked else Order.objects.select_for_update().get(pk=order.pk)
    allowed = ORDER_FLOW.allows(locked.status, to) and (only_from is None or locked.status in only_from)
    now = timezone.now()
    move = order_move_at_once if writes_in_with() else _order_move
    if not allowed or not move(
        order_id=locked.pk, from_status=locked.status, to=to, actor=actor, actor_kind=actor_kind, reason=reason, now=now, **fields
    ):
        raise InvalidStatus(f"订单{locked.get_status_display()}，不能{reason}")
    # What the UPDATE wrote, set on the locked row rather than read back.
    for name, value in {"status": to, "updated_at": now, **fields}.items():
        setattr(locked, name, value)
    return locked


def order_move_at_once(
    *, order_id: int, from_status: str, to: str, actor, actor_kind: str, reason: str, now=None, also=(), **fields
) -> bool:
    """One statement (writes_in_with() databases): the order's guarded UPDATE from
    `from_status` to `to` (outbox.status_move_sql: ORDER_FLOW's say, the status checked again
    under the row lock), its event row, the domain event the move announces, and `also`,
    (sql, params) WITH items that chain on `moved` so they happen only if the order moved.
    Whether it moved. The UPDATE is the first lock the statement takes: the order's row, like
    every path that changes an order."""
    now = now or timezone.now()
    event = ORDER_STATUS_EVENTS.get((from_status, to))
    items, params = status_move_sql(
        Order,
        pk=order_id,
        flow=ORDER_FLOW,
        to=to,
        only_from={from_status},
        event=event,
        payload={"order_id": order_id},
        updated_at=now,
        **fields,
    )
    recorded = f"""order_event AS (
        INSERT INTO {OrderEvent._meta.db_table} (order_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
        SELECT id, %s, %s, %s, %s, %s, %s FROM moved)"""  # noqa: S608 — names only
    recorded_params = [
        from_status,
        to,
        actor_kind,
        actor.pk if actor else None,
        reason,
        connection.ops.adapt_datetimefield_value(now),
    ]
    for more, more_params in [(recorded, recorded_params), *also]:
        items, params = f"{items},\n        {more}", [*params, *more_params]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {items} SELECT count(*) FROM moved", params)
        moved = cursor.fetchone()[0]
    if moved and event:
        published(event)
    return bool(moved)


def _order_move(*, order_id: int, from_status: str, to: str, actor, actor_kind: str, reason: str, now, **fields) -> bool:
    """order_move_at_once where writes cannot share a statement (SQLite): the same rows, one
    statement each, in the caller's transaction."""
    if not status_move(
        Order.objects.filter(pk=order_id, status=from_status),
        flow=ORDER_FLOW,
        to=to,
        event=ORDER_STATUS_EVENTS.get((from_status, to)),
        payload={"order_id": order_id},
        updated_at=now,
        **fields,
    ):
        return False
    OrderEvent.objects.create(
        order_id=order_id,
        from_status=from_status,
        to_status=to,
        actor=actor,
        actor_kind=actor_kind,
        reason=reason,
        created_at=now,
    )
    return True


def orders_transition_due(
    *, due: QuerySet, to: str, reason: str, fields: dict, batch_size: int, after: Callable[[list[int]], None] | None = None
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
            status_move(Order.objects.filter(id__in=ids), flow=ORDER_FLOW, to=to, updated_at=now, **fields)
            OrderEvent.objects.bulk_create(
                [
                    OrderEvent(
                        order_id=order_id,
                        from_status=old_status[order_id],
                        to_status=to,
                        actor_kind=ActorKind.SYSTEM,
                        reason=reason,
                        created_at=now,
                    )
                    for order_id in ids
                ]
            )
            if after is not None:
                after(ids)
            for order_id in ids:
                event = ORDER_STATUS_EVENTS.get((old_status[order_id], to))
                if event:
                    publish(event, order_id=order_id)
        total += len(ids)


def stock_give_back(order_ids: list[int]) -> None:
    """Put the stock of these orders' lines back, one guarded UPDATE per SKU in id order."""
    returned = list(
        OrderLine.objects.filter(order_id__in=order_ids)
        .order_by()
        .values("sku_id", "product_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("sku_id")
    )
    for row in returned:
        SKU.objects.filter(pk=row["sku_id"]).update(stock=F("stock") + row["quantity"])
    products_changed(row["product_id"] for row in returned)


def balance_give_back(order_ids: list[int]) -> None:
    """Return what these (cancelled) orders took from their members' balance; once each,
    by the source key, however many times it is asked."""
    for pk, member_id, number, balance_fen in (
        Order.objects.filter(pk__in=order_ids, balance_fen__gt=0)
        .order_by("member_id", "pk")
        .values_list("pk", "member_id", "number", "balance_fen")
    ):
        balance_move_once(
            member_id=member_id,
            amount_fen=balance_fen,
            kind=BalanceKind.ORDER_RETURN,
            source_key=f"order:{pk}:balance-back",
            note=f"订单 {number} 取消",
        )


def coupon_give_back(order_ids: list[int]) -> int:
    """Make the coupons these orders took usable again (cancelled, expired unpaid or
    refunded in full). One guarded UPDATE: a coupon is given back only while it is still
    `used` by that very order, so asking twice (a shopper cancelling as the expiry job
    runs) returns it once, and never takes it from an order that used it since."""
    return Coupon.objects.filter(order_id__in=order_ids, status=CouponStatus.USED).update(
        status=CouponStatus.UNUSED, order=None, used_at=None
    )


def sales_count(order: Order) -> None:
    """Add the order's quantities to its products' sales, in one statement whatever the
    order holds. Hand-written: the ORM's compile of the lock and the UPDATE cost more CPU
    than the database spent."""
    counted, count = sales_count_sql("%s")
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {counted} {count}", [order.pk])


def sales_count_sql(order_id: str) -> tuple[str, str]:
    """The sales count of the order whose id the SQL expression `order_id` gives: WITH items
    (`sold`, `locked`) and the UPDATE that follows them. The products are locked in id order
    with what the order sold of each, then updated, so two payments sharing products queue,
    never deadlock."""
    product, line = Product._meta.db_table, OrderLine._meta.db_table
    lock = f" FOR NO KEY UPDATE OF {product}" if connection.features.has_select_for_no_key_update else ""
    counted = f"""sold AS (SELECT product_id, SUM(quantity) AS quantity FROM {line} WHERE order_id = {order_id} GROUP BY product_id),
        locked AS (SELECT {product}.id, sold.quantity FROM {product} JOIN sold ON sold.product_id = {product}.id
                   ORDER BY {product}.id{lock})"""  # noqa: S608 — names only
    count = f"UPDATE {product} SET sales = sales + locked.quantity FROM locked WHERE {product}.id = locked.id"  # noqa: S608 — names only
    return counted, count
