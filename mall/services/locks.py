from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


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
    _member_row(member).values_list("pk", flat=True).first()


def lock_member_counting(member, rows: QuerySet) -> int:
    """lock_member, and in the same statement how many of `rows` (a queryset of the member's
    rows, filtered on OuterRef("pk") for the member) there are: a count the caller must
    make under the lock (two orders at once must not both slip under a cap)."""
    counted = rows.order_by().values(group=Value(1)).annotate(count=Count("*")).values("count")
    return _member_row(member).annotate(counted=Coalesce(Subquery(counted), 0)).values_list("counted", flat=True).get()


def _member_row(member) -> QuerySet:
    return get_user_model().objects.select_for_update(no_key=True).filter(pk=member.pk)
