"""Reads for the storefront: each returns what its page needs in a fixed number of
queries, however many products, SKUs or lines there are."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from config.errors import NotFound
from mall.models import (
    SKU,
    Banner,
    CartItem,
    Category,
    Order,
    OrderStatus,
    Product,
    ProductImage,
    ShopSettings,
)

ORDERINGS = {
    "price_fen": ("price_fen", "id"),
    "-price_fen": ("-price_fen", "-id"),
    "-sales": ("-sales", "-id"),
    "-created": ("-created_at", "-id"),
}


def categories_active() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def category_and_descendant_ids(category_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(is_active=True).values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, queue = [], [category_id]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def products_for_sale() -> QuerySet[Product]:
    """Products on sale with their lowest SKU price, stock flag and cover thumbnail, in the
    shop's own order."""
    cheapest = SKU.objects.filter(product=OuterRef("pk"), is_active=True).order_by("price_fen", "id")
    return (
        Product.objects.filter(is_on_sale=True, category__is_active=True)
        .annotate(
            price_fen=Subquery(cheapest.values("price_fen")[:1]),
            original_price_fen=Subquery(cheapest.values("original_price_fen")[:1]),
            in_stock=Exists(SKU.objects.filter(product=OuterRef("pk"), is_active=True, stock__gt=0)),
            cover=Subquery(ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("thumbnail")[:1]),
        )
        .filter(price_fen__isnull=False)  # no sellable SKU, nothing to show
        .order_by("position", "-id")
    )


def products_in_category(products: QuerySet[Product], category_id: int) -> QuerySet[Product]:
    """Sub-categories included."""
    return products.filter(category_id__in=category_and_descendant_ids(category_id))


def products_matching(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    return products.filter(Q(title__icontains=text) | Q(subtitle__icontains=text)) if text else products


def products_ordered(products: QuerySet[Product], ordering: str) -> QuerySet[Product]:
    return products.order_by(*ORDERINGS[ordering]) if ordering in ORDERINGS else products


def product_list(*, category_id: int | None = None, query: str = "", ordering: str = "") -> QuerySet[Product]:
    products = products_for_sale()
    if category_id is not None:
        products = products_in_category(products, category_id)
    return products_ordered(products_matching(products, query), ordering)


def product_detail(*, product_id: int) -> Product:
    product = (
        Product.objects.filter(is_on_sale=True, pk=product_id)
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch("skus", queryset=SKU.objects.filter(is_active=True).order_by("id"), to_attr="active_skus"),
        )
        .first()
    )
    if product is None:
        raise NotFound("商品不存在或已下架")
    return product


def home_banners() -> list[Banner]:
    return list(Banner.objects.filter(is_active=True))


def featured_products(*, limit: int = 10) -> list[Product]:
    return list(products_for_sale().filter(is_featured=True)[:limit])


def cart_items(*, member) -> list[CartItem]:
    return list(
        CartItem.objects.filter(member=member)
        .select_related("sku__product")
        .prefetch_related(Prefetch("sku__product__images", queryset=ProductImage.objects.order_by("position", "id")))
    )


def cart_item_available(item: CartItem) -> bool:
    sku = item.sku
    return sku.is_active and sku.product.is_on_sale and sku.stock >= item.quantity


def cart_item_image(item: CartItem):
    if item.sku.image:
        return item.sku.image
    images = list(item.sku.product.images.all())
    return images[0].thumbnail if images else None


def cart_count(*, member) -> int:
    return CartItem.objects.filter(member=member).count()


def member_orders(*, member, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(member=member).prefetch_related("lines", "refunds")
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def member_order(*, member, number: str) -> Order:
    order = Order.objects.filter(member=member, number=number).prefetch_related("lines", "events", "refunds").first()
    if order is None:
        raise NotFound("订单不存在")
    return order


def member_order_counts(*, member) -> dict[str, int]:
    counts = dict.fromkeys(OrderStatus.values, 0)
    counts.update(Order.objects.filter(member=member).order_by().values_list("status").annotate(n=Count("id")))
    return counts


def checkout_preview(*, wanted: dict[int, int]) -> dict:
    """What an order of these SKUs would cost now, for the checkout page (no writes)."""
    skus = (
        SKU.objects.filter(pk__in=wanted)
        .select_related("product")
        .prefetch_related(Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id")))
        .order_by("id")
    )
    rows = []
    for sku in skus:
        quantity = wanted[sku.pk]
        images = list(sku.product.images.all())
        rows.append(
            {
                "sku": sku,
                "quantity": quantity,
                "line_fen": sku.price_fen * quantity,
                "image": sku.image or (images[0].thumbnail if images else None),
                "available": sku.is_active and sku.product.is_on_sale and sku.stock >= quantity,
            }
        )
    goods_fen = sum(row["line_fen"] for row in rows)
    shipping_fen = ShopSettings.get_solo().shipping_fee_for(goods_fen)
    return {
        "rows": rows,
        "goods_fen": goods_fen,
        "shipping_fen": shipping_fen,
        "pay_fen": goods_fen + shipping_fen,
        "all_available": bool(rows) and all(row["available"] for row in rows),
    }
