from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection

from config.rows import ModelRows
from mall.models import Address, ShopSettings
from mall.selectors import ADDRESS_ROWS


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


@dataclass(frozen=True)
class OrderFooting:
    """What an order is placed on, read under the member's lock."""

    shop: ShopSettings  # as saved now: what the order charges comes from no cached copy
    address: Address | None  # the address asked for, when it is the member's own


def lock_member_for_order(member, *, address_id: int | None = None) -> OrderFooting:
    """lock_member, and in the same statement what placing an order reads under it: the
    shop's settings and, with `address_id`, that address if it is the member's. One round
    trip where there were three (the cached settings, the address, the lock). Nothing read
    here may depend on the member's other writes: the statement's snapshot is taken before it
    waits for the lock (the unpaid orders are counted by the next statement, _stock_taken)."""
    shop, address = ShopSettings._meta.db_table, Address._meta.db_table
    row = _member_row_locked(
        member,
        f"{SHOP_ROWS.columns('s')}, {ADDRESS_ROWS.columns('a')}",
        joins=f" LEFT JOIN {shop} s ON s.id = %s LEFT JOIN {address} a ON a.id = %s AND a.member_id = m.id",
        params=(ShopSettings.singleton_instance_id, address_id),
    )
    settings_row, address_row = row[: SHOP_ROWS.width()], row[SHOP_ROWS.width() :]
    return OrderFooting(
        # The singleton's row is written by its first read: a shop nobody has configured yet.
        shop=SHOP_ROWS.build(settings_row) if settings_row[0] is not None else ShopSettings.get_solo(),
        address=ADDRESS_ROWS.build(address_row) if address_row[0] is not None else None,
    )


SHOP_ROWS = ModelRows(ShopSettings)


def _member_row_locked(member, selected: str, *, joins: str = "", params: tuple = ()):
    """Hand-written: the first statement of every checkout, where compiling it through the
    ORM cost more CPU than running it. Only the member's row is locked, never a joined one."""
    lock = " FOR NO KEY UPDATE OF m" if connection.features.has_select_for_no_key_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {get_user_model()._meta.db_table} m{joins} WHERE m.id = %s{lock}",  # noqa: S608 — names only
            [*params, member.pk],
        )
        return cursor.fetchone()
