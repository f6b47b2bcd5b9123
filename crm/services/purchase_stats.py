"""Purchase stats per member (order count, paid, first and last purchase, products and
categories bought), worked out again for one member whenever an order of theirs is paid or
refunded, and for everyone by `rebuild_purchase_stats`: one definition, so both give the
same figures.

Events arrive at least once and in any order: recomputing from the member's orders under
the lock of their stats row makes a repeat harmless and lets the last one to run, which
sees every commit before it, write what is true."""

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from crm.models import PurchasedProduct, PurchaseStats
from mall.models import Order, OrderLine, OrderStatus


def counted_orders():
    """Orders that count as a purchase: paid, and not refunded in full."""
    return Order.objects.filter(paid_at__isnull=False).exclude(status=OrderStatus.REFUNDED)


_FIGURES = {
    "orders": Count("pk"), "paid": Sum(F("pay_fen") + F("balance_fen") - F("refunded_fen")), "first_at": Min("paid_at"), "last_at": Max("paid_at"),
}


def purchase_stats_refresh(*, member_id: int) -> PurchaseStats:
    """The member's stats and products bought, from their orders as they stand now."""
    with transaction.atomic():
        PurchaseStats.objects.bulk_create([PurchaseStats(member_id=member_id)], ignore_conflicts=True)
        stats = PurchaseStats.objects.select_for_update().get(member_id=member_id)
        figures = counted_orders().filter(member_id=member_id).aggregate(**_FIGURES)
        stats.order_count, stats.paid_fen = figures["orders"], figures["paid"] or 0
        stats.first_paid_at, stats.last_paid_at = figures["first_at"], figures["last_at"]
        stats.save()
        PurchasedProduct.objects.filter(member_id=member_id).delete()
        PurchasedProduct.objects.bulk_create([
            PurchasedProduct(member_id=member_id, product_id=row["product_id"], category_id=row["product__category_id"],
                             quantity=row["quantity"], last_paid_at=row["last_at"])
            for row in _products_bought(Q(order__member_id=member_id))
        ])
    return stats


def _products_bought(condition: Q):
    return (
        OrderLine.objects.filter(condition, order__in=counted_orders())
        .values("order__member_id", "product_id", "product__category_id")
        .annotate(quantity=Sum("quantity"), last_at=Max("order__paid_at"))
        .order_by()
    )


def purchase_stats_rebuild() -> int:
    """Every member's stats from scratch, set-based (no loop per member): what the events
    would have kept. How many members have stats."""
    now = timezone.now()
    stats, products = PurchaseStats._meta.db_table, PurchasedProduct._meta.db_table
    orders_sql, orders_params = counted_orders().values("member_id").annotate(**_FIGURES).order_by().query.sql_with_params()
    lines_sql, lines_params = _products_bought(Q()).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {products}")
        cursor.execute(f"DELETE FROM {stats}")
        cursor.execute(
            f"INSERT INTO {stats} (member_id, order_count, paid_fen, first_paid_at, last_paid_at, updated_at) "
            f"SELECT member_id, orders, COALESCE(paid, 0), first_at, last_at, %s FROM ({orders_sql}) counted",
            [connection.ops.adapt_datetimefield_value(now), *orders_params],
        )
        cursor.execute(
            f"INSERT INTO {products} (member_id, product_id, category_id, quantity, last_paid_at) "
            f"SELECT order__member_id, product_id, product__category_id, quantity, last_at FROM ({lines_sql}) bought",
            lines_params,
        )
        return PurchaseStats.objects.count()
