from django.contrib.auth import get_user_model
from django.db import connection

from mall.models import Order, OrderStatus


def lock_member(member) -> None:
    """Serialize one member's writes to their cart, addresses and orders.

    Always the first lock a storefront transaction takes, before any SKU row, so the
    lock order is the same everywhere (member, then SKUs by id) and cannot deadlock.

    FOR NO KEY UPDATE, not FOR UPDATE: it still queues this member's writers, but not the
    foreign-key checks of rows that merely point at the member (an order event, a coupon),
    which PostgreSQL runs at COMMIT because Django's foreign keys are deferred. A plain FOR
    UPDATE made a cancel that holds SKU rows wait at its COMMIT for a new order that waits
    for those SKUs.
    """
    _member_row_locked(member, "1")


def lock_member_counting_unpaid(member) -> int:
    """lock_member, and in the same statement how many orders the member has awaiting
    payment: a count the caller must make under the lock (two orders at once must not both
    slip under the cap)."""
    orders = Order._meta.db_table
    return _member_row_locked(
        member, f"(SELECT count(*) FROM {orders} o WHERE o.member_id = m.id AND o.status = %s)", [OrderStatus.PENDING_PAYMENT]
    )


def _member_row_locked(member, selected: str, params: list | None = None):
    """Hand-written: the first statement of every checkout, where compiling it through the
    ORM cost more CPU than running it."""
    lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {get_user_model()._meta.db_table} m WHERE m.id = %s{lock}",  # noqa: S608 — names only
            [*(params or []), member.pk],
        )
        return cursor.fetchone()[0]
