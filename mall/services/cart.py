from django.db import connection, transaction
from django.utils import timezone

from config.errors import InvalidInput, NotFound
from config.rows import ModelRows
from mall.errors import OutOfStock, SkuUnavailable
from mall.models import SKU, CartItem, Product, ProductImage
from mall.services.locks import lock_member

MAX_LINE_QUANTITY = 999


def line_quantity_limit(product) -> int:
    return min(product.purchase_limit or MAX_LINE_QUANTITY, MAX_LINE_QUANTITY)


SKU_ROWS = ModelRows(SKU)
# What a cart line or an order line needs of the product, beside the SKU.
PRODUCT_ROWS = ModelRows(Product, fields=("id", "title", "category_id", "purchase_limit", "is_on_sale"))


def skus_with_products(sku_ids, *, lock: bool = False) -> dict[int, SKU]:
    """The SKUs (every field) with their product's fields above and the first thumbnail
    (`first_thumbnail`), by id, in one hand-written SELECT; `lock` takes the SKU rows FOR
    UPDATE in id order. These are the hottest reads of the store: compiling them through the
    ORM cost more CPU than the database spent answering."""
    ids = sorted(set(sku_ids))
    if not ids:
        return {}
    for_update = f" FOR UPDATE OF {SKU._meta.db_table}" if lock and connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(f"{_skus_select(len(ids))} ORDER BY {SKU._meta.db_table}.id{for_update}", ids)
        rows = cursor.fetchall()
    return {sku.pk: sku for sku in map(sku_built, rows)}


def _skus_select(count: int) -> str:
    """skus_with_products' SELECT of `count` SKU ids (its parameters), unordered."""
    sku, product = SKU._meta.db_table, Product._meta.db_table
    return f"""SELECT {sku_columns()} FROM {sku} JOIN {product} p ON p.id = {sku}.product_id
               WHERE {sku}.id IN ({", ".join(["%s"] * count)})"""  # noqa: S608 — names and placeholders only


def sku_columns() -> str:
    """What skus_with_products reads of an SKU (the SKU's table by its name, its product as
    `p`), in the order sku_built takes it."""
    sku, image = SKU._meta.db_table, ProductImage._meta.db_table
    return f"""{SKU_ROWS.columns(sku)}, {PRODUCT_ROWS.columns("p")},
               (SELECT i.thumbnail FROM {image} i WHERE i.product_id = {sku}.product_id ORDER BY i.position, i.id LIMIT 1)"""  # noqa: S608 — names only


def sku_built(row) -> SKU:
    """An SKU with its product and first thumbnail from a row of sku_columns()."""
    sku = SKU_ROWS.build(row)
    sku.product = PRODUCT_ROWS.build(row[SKU_ROWS.width() :])
    sku.first_thumbnail = row[SKU_ROWS.width() + PRODUCT_ROWS.width()]
    return sku


def sellable_sku(sku_id: int) -> SKU:
    return sellable(skus_with_products([sku_id]).get(sku_id))


def sellable(sku: SKU | None) -> SKU:
    """The SKU, when it exists and is for sale; else the refusal that says which."""
    if sku is None:
        raise InvalidInput("商品规格不存在", fields={"sku_id": ["商品规格不存在"]})
    if not (sku.is_active and sku.product.is_on_sale):
        raise SkuUnavailable(fields={"sku_id": ["商品已下架或规格不可售"]})
    return sku


def line_quantity_check(sku: SKU, quantity: int) -> None:
    """The shop's own answer to a quantity: the purchase limit, then the stock (what the
    shopper can act on), then the line cap that only a typo reaches."""
    limit = sku.product.purchase_limit
    if limit and quantity > limit:
        raise InvalidInput(f"每人限购 {limit} 件", fields={"quantity": [f"每人限购 {limit} 件"]})
    if quantity > sku.stock:
        raise OutOfStock(f"库存仅剩 {sku.stock} 件" if sku.stock else "该规格已售罄")
    line_cap_check(quantity)


def line_cap_check(quantity: int) -> None:
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidInput(f"单次最多购买 {MAX_LINE_QUANTITY} 件", fields={"quantity": [f"单次最多购买 {MAX_LINE_QUANTITY} 件"]})


def cart_item_add(*, member, sku_id: int, quantity: int) -> CartItem:
    """Put an SKU in the cart; if it is there already, add to its quantity.

    One guarded upsert, no transaction and no lock: it adds the quantity only while the
    line's new total stays within what the shop allows (the purchase limit, the stock, the
    line cap), and answers the total. Two adds at once queue on the line's row, and the
    second is held against the first's total. A refused add changes nothing; reading the
    line then says which refusal it was. On PostgreSQL the SKU's read and the upsert are one
    statement. The returned item carries its SKU (with product and first thumbnail):
    answering with it reads nothing more."""
    if connection.vendor == "postgresql":
        found, added = _read_and_upsert(member_id=member.pk, sku_id=sku_id, quantity=quantity)
        sku = sellable(found)
    else:
        sku = sellable_sku(sku_id)
        allowed = min(line_quantity_limit(sku.product), sku.stock)
        added = _cart_upsert(member_id=member.pk, sku_id=sku.pk, quantity=quantity, at_most=allowed) if quantity <= allowed else None
    if added is None:
        held = CartItem.objects.filter(member=member, sku=sku).values_list("quantity", flat=True).first() or 0
        line_quantity_check(sku, quantity + held)
        raise OutOfStock("库存刚刚变化，请重新选择数量")  # the line grew between the upsert and the read
    item_id, total = added
    item = CartItem(id=item_id, member=member, sku=sku, quantity=total)
    item._state.adding, item._state.db = False, "default"
    return item


# The upsert's clauses, shared by both statements below: a new line, or more of the one there
# while the total stays at most the bound (its last parameter).
_UPSERT = (
    "ON CONFLICT (member_id, sku_id) DO UPDATE SET quantity = {table}.quantity + excluded.quantity "
    "WHERE {table}.quantity + excluded.quantity <= {bound} RETURNING id, quantity"
)


def _cart_upsert(*, member_id: int, sku_id: int, quantity: int, at_most: int) -> tuple[int, int] | None:
    """INSERT … ON CONFLICT (member, sku) DO UPDATE quantity + the new one while the total
    stays at most `at_most`, RETURNING the row's id and total; None when the guard refused
    (PostgreSQL and SQLite alike)."""
    table = CartItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, sku_id, quantity, added_at) VALUES (%s, %s, %s, %s) "
            + _UPSERT.format(table=table, bound="%s"),
            [member_id, sku_id, quantity, connection.ops.adapt_datetimefield_value(timezone.now()), at_most],
        )
        return cursor.fetchone()


def _read_and_upsert(*, member_id: int, sku_id: int, quantity: int) -> tuple[SKU | None, tuple[int, int] | None]:
    """PostgreSQL: the SKU as skus_with_products reads it, and _cart_upsert bounded by what
    the shop allows of it (line_quantity_limit, the stock) when it is for sale, in one
    statement: (the SKU or None, (id, total) or None)."""
    table = CartItem._meta.db_table
    allowed = f"LEAST(COALESCE(NULLIF(wanted.purchase_limit, 0), {MAX_LINE_QUANTITY}), {MAX_LINE_QUANTITY}, wanted.stock)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH wanted AS ({_skus_select(1)}),
                     added AS (INSERT INTO {table} (member_id, sku_id, quantity, added_at)
                               SELECT %s, %s, %s, %s FROM wanted WHERE wanted.is_active AND wanted.is_on_sale AND %s <= {allowed}
                               {_UPSERT.format(table=table, bound=f"(SELECT {allowed} FROM wanted)")})
                SELECT wanted.*, added.id, added.quantity FROM wanted LEFT JOIN added ON true""",  # noqa: S608 — names only
            [sku_id, member_id, sku_id, quantity, timezone.now(), quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None
    return sku_built(row), ((row[-2], row[-1]) if row[-2] is not None else None)


@transaction.atomic
def cart_item_set_quantity(*, member, item_id: int, quantity: int) -> CartItem:
    lock_member(member)
    item = CartItem.objects.select_related("sku__product").filter(member=member, pk=item_id).first()
    if item is None:
        raise NotFound("购物车里没有这件商品")
    line_quantity_check(item.sku, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, member, item_id: int) -> None:
    deleted, _ = CartItem.objects.filter(member=member, pk=item_id).delete()
    if not deleted:
        raise NotFound("购物车里没有这件商品")
