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
    sku, product, image = SKU._meta.db_table, Product._meta.db_table, ProductImage._meta.db_table
    for_update = f" FOR UPDATE OF {sku}" if lock and connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {SKU_ROWS.columns(sku)}, {PRODUCT_ROWS.columns("p")},
                       (SELECT i.thumbnail FROM {image} i WHERE i.product_id = {sku}.product_id ORDER BY i.position, i.id LIMIT 1)
                FROM {sku} JOIN {product} p ON p.id = {sku}.product_id
                WHERE {sku}.id IN ({", ".join(["%s"] * len(ids))}) ORDER BY {sku}.id{for_update}""",  # noqa: S608 — names and placeholders only
            ids,
        )
        rows = cursor.fetchall()
    skus = {}
    for row in rows:
        found = SKU_ROWS.build(row)
        found.product = PRODUCT_ROWS.build(row[SKU_ROWS.width() :])
        found.first_thumbnail = row[-1]
        skus[found.pk] = found
    return skus


def sellable_sku(sku_id: int) -> SKU:
    sku = skus_with_products([sku_id]).get(sku_id)
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
    line then says which refusal it was. The returned item carries its SKU (with product
    and first thumbnail): answering with it reads nothing more."""
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


def _cart_upsert(*, member_id: int, sku_id: int, quantity: int, at_most: int) -> tuple[int, int] | None:
    """INSERT … ON CONFLICT (member, sku) DO UPDATE quantity + the new one while the total
    stays at most `at_most`, RETURNING the row's id and total; None when the guard refused
    (PostgreSQL and SQLite alike)."""
    table = CartItem._meta.db_table
    added_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, sku_id, quantity, added_at) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (member_id, sku_id) DO UPDATE SET quantity = {table}.quantity + excluded.quantity "
            f"WHERE {table}.quantity + excluded.quantity <= %s "
            "RETURNING id, quantity",
            [member_id, sku_id, quantity, added_at, at_most],
        )
        return cursor.fetchone()


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
