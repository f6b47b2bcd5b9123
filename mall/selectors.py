"""Reads for the storefront: each returns what its page needs in a fixed number of
queries, however many products, SKUs or lines there are."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.errors import NotFound
from config.money import format_yuan
from mall.models import (
    SKU,
    Banner,
    CartItem,
    Category,
    Coupon,
    CouponClaimCount,
    CouponKind,
    CouponScope,
    CouponStatus,
    CouponTemplate,
    CouponValidity,
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
    orders = Order.objects.filter(member=member).prefetch_related("lines", "refunds__lines", "refunds__photos")
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def member_order(*, member, number: str) -> Order:
    order = Order.objects.filter(member=member, number=number).prefetch_related("lines", "events", "refunds__lines", "refunds__photos").first()
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


# --- Coupons ---------------------------------------------------------------------------
#
# The arithmetic of a coupon is read-only: which lines it covers, what it takes off, and
# how that spreads over the lines. order_create applies it; the checkout page and
# POST /api/v1/coupons/applicable preview it with the same functions.


@dataclass(frozen=True)
class PricedLine:
    """A line as coupons see it: what it is (product, category) and what it costs."""

    product_id: int
    category_id: int
    amount_fen: int  # price × quantity


@dataclass(frozen=True)
class CouponOffer:
    """A coupon the member could use on these lines, and what it would take off."""

    coupon: Coupon
    discount_fen: int


def priced_lines(*, wanted: dict[int, int]) -> list[PricedLine]:
    """The lines of an order of these SKUs (sku id → quantity) at today's prices, in SKU
    id order; SKUs that do not exist or are not for sale are left out."""
    skus = SKU.objects.filter(pk__in=wanted, is_active=True, product__is_on_sale=True).select_related("product").order_by("id")
    return [PricedLine(sku.product_id, sku.product.category_id, sku.price_fen * wanted[sku.pk]) for sku in skus]


def coupon_scopes(templates: list[CouponTemplate]) -> dict[int, set[int]]:
    """For each template limited to categories or products: the category ids it covers
    (sub-categories included, at any depth) or the product ids. Three queries at most,
    however many templates."""
    by_categories = [t.pk for t in templates if t.scope == CouponScope.CATEGORIES]
    by_products = [t.pk for t in templates if t.scope == CouponScope.PRODUCTS]
    scopes: dict[int, set[int]] = {pk: set() for pk in by_categories + by_products}
    if by_products:
        through = CouponTemplate.products.through
        for template_id, product_id in through.objects.filter(coupontemplate_id__in=by_products).values_list("coupontemplate_id", "product_id"):
            scopes[template_id].add(product_id)
    if by_categories:
        through = CouponTemplate.categories.through
        chosen = list(through.objects.filter(coupontemplate_id__in=by_categories).values_list("coupontemplate_id", "category_id"))
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in Category.objects.values_list("id", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        for template_id, category_id in chosen:
            queue = [category_id]
            while queue:
                current = queue.pop()
                if current not in scopes[template_id]:
                    scopes[template_id].add(current)
                    queue.extend(children.get(current, []))
    return scopes


def coupon_covers(template: CouponTemplate, line: PricedLine, scope_ids: set[int] | None) -> bool:
    if template.scope == CouponScope.CATEGORIES:
        return line.category_id in (scope_ids or ())
    if template.scope == CouponScope.PRODUCTS:
        return line.product_id in (scope_ids or ())
    return True


def coupon_discount_fen(template: CouponTemplate, eligible_fen: int) -> int:
    """What the coupon takes off lines worth `eligible_fen` (the lines it covers): 0 when
    they do not reach its threshold. Never more than those lines are worth."""
    if eligible_fen <= 0 or eligible_fen < template.threshold_fen:
        return 0
    if template.kind == CouponKind.PERCENT:
        discount = eligible_fen * template.percent_off // 100  # rounded down: the shop never gives a fraction of a fen
        if template.cap_fen is not None:
            discount = min(discount, template.cap_fen)
    else:
        discount = template.amount_fen
    return min(discount, eligible_fen)


def discount_spread(total_fen: int, amounts: list[int]) -> list[int]:
    """Share `total_fen` out over lines worth `amounts`, in proportion, to the fen: each
    line gets the whole fen of its share, and the fen left over go one each to the lines
    with the largest remainders (the earlier line on a tie). The shares add up to
    `total_fen` exactly and none is more than its line (given total ≤ sum of amounts)."""
    whole = sum(amounts)
    if total_fen <= 0 or whole <= 0:
        return [0] * len(amounts)
    if total_fen > whole:
        raise ValueError("a discount cannot exceed what the lines are worth")
    shares = [total_fen * amount // whole for amount in amounts]
    remainders = sorted(range(len(amounts)), key=lambda i: (-(total_fen * amounts[i] % whole), i))
    for i in remainders[: total_fen - sum(shares)]:
        shares[i] += 1
    return shares


def coupon_line_discounts(template: CouponTemplate, lines: list[PricedLine], scope_ids: set[int] | None) -> list[int]:
    """What the coupon takes off each line (0 for lines it does not cover); all zeros when
    it does not apply to these lines."""
    covered = [coupon_covers(template, line, scope_ids) for line in lines]
    eligible = [line.amount_fen if on else 0 for line, on in zip(lines, covered)]
    return discount_spread(coupon_discount_fen(template, sum(eligible)), eligible)


def coupon_usable_now(now=None) -> Q:
    """The coupons a member may spend now (a filter on Coupon). The template is checked
    through EXISTS rather than a join, so the filter also guards a plain UPDATE of the
    coupon row (a join would turn it into `id IN (SELECT …)`, which PostgreSQL does not
    re-check against a row another transaction changed meanwhile)."""
    now = now or timezone.now()
    active = CouponTemplate.objects.filter(pk=OuterRef("template_id"), is_active=True)
    return Q(status=CouponStatus.UNUSED, valid_from__lte=now, valid_until__gt=now) & Q(Exists(active))


def coupons_applicable(*, member, lines: list[PricedLine], now=None) -> list[CouponOffer]:
    """The member's coupons usable now on these lines, each with what it would take off,
    the best first (then the one that expires soonest). A fixed number of queries."""
    coupons = list(Coupon.objects.filter(coupon_usable_now(now), member=member).select_related("template").order_by("valid_until", "id"))
    scopes = coupon_scopes(list({c.template_id: c.template for c in coupons}.values()))
    offers = []
    for coupon in coupons:
        discount = sum(coupon_line_discounts(coupon.template, lines, scopes.get(coupon.template_id)))
        if discount > 0:
            offers.append(CouponOffer(coupon, discount))
    return sorted(offers, key=lambda offer: -offer.discount_fen)  # stable: soonest to expire first among equals


def coupon_templates_claimable(*, member=None, now=None) -> QuerySet[CouponTemplate]:
    """The coupon centre: public, switched on, inside the claim window, some left, and
    (fixed dates) not over yet; with how many of each the member holds and took today."""
    now = now or timezone.now()
    templates = (
        CouponTemplate.objects.filter(is_public=True, is_active=True, claim_starts_at__lte=now)
        .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
        .filter(Q(total__isnull=True) | Q(claimed__lt=F("total")))
        .filter(Q(validity=CouponValidity.DAYS) | Q(valid_until__gt=now))
        .order_by("-id")
    )
    if member is None or not member.is_authenticated:
        return templates.annotate(claimed_by_me=Value(0), claimed_by_me_today=Value(0))
    counts = CouponClaimCount.objects.filter(template=OuterRef("pk"), member=member)
    return templates.annotate(
        claimed_by_me=Coalesce(Subquery(counts.filter(day__isnull=True).values("count")[:1]), 0),
        claimed_by_me_today=Coalesce(Subquery(counts.filter(day=timezone.localdate(now)).values("count")[:1]), 0),
    )


def coupon_template_left(template: CouponTemplate) -> int | None:
    """How many are left to give out; None when there is no limit."""
    return None if template.total is None else template.total - template.claimed


def coupon_template_mine_left(template: CouponTemplate) -> int:
    """How many more the member's limits let them claim now (on a template from
    coupon_templates_claimable, which counts what they hold and took today)."""
    left = template.per_member_limit - template.claimed_by_me
    if template.per_member_daily_limit is not None:
        left = min(left, template.per_member_daily_limit - template.claimed_by_me_today)
    return max(left, 0)


def coupon_template_open_to_me(template: CouponTemplate) -> bool:
    return coupon_template_mine_left(template) > 0


COUPON_LIST_STATUSES = [("unused", "未使用"), ("used", "已使用"), ("expired", "已过期")]


def member_coupons(*, member, status: str | None = None, now=None) -> QuerySet[Coupon]:
    """A member's coupons, newest first; with `status`, as coupons_in_status narrows them."""
    coupons = Coupon.objects.filter(member=member).select_related("template", "order").order_by("-id")
    return coupons_in_status(coupons, status, now=now) if status else coupons


def coupons_in_status(coupons: QuerySet[Coupon], status: str, *, now=None) -> QuerySet[Coupon]:
    """`unused`: still to spend, soonest to expire first; `used`: latest used first;
    `expired`: never used and past their date."""
    now = now or timezone.now()
    if status == "unused":
        return coupons.filter(status=CouponStatus.UNUSED, valid_until__gt=now).order_by("valid_until", "id")
    if status == "used":
        return coupons.filter(status=CouponStatus.USED).order_by("-used_at", "-id")
    if status == "expired":
        return coupons.filter(status=CouponStatus.UNUSED, valid_until__lte=now).order_by("-valid_until", "-id")
    return coupons


def coupon_shown_status(coupon: Coupon, now=None) -> str:
    """unused, used or expired: "expired" is read from the date, never stored."""
    if coupon.status == CouponStatus.UNUSED and coupon.valid_until <= (now or timezone.now()):
        return "expired"
    return coupon.status


def _yuan_short(fen: int) -> str:
    return format_yuan(fen).removesuffix(".00")


def coupon_face(template: CouponTemplate) -> tuple[str, str]:
    """The big figure on a coupon and its unit: ("20", "元") or ("8.5", "折")."""
    if template.kind == CouponKind.PERCENT:
        tenths = 100 - template.percent_off
        return f"{tenths // 10}{f'.{tenths % 10}' if tenths % 10 else ''}", "折"
    return _yuan_short(template.amount_fen), "元"


def coupon_rule(template: CouponTemplate) -> str:
    """The coupon in the words a shopper reads: 满 100 减 20, 无门槛 8.5 折 最多减 30 …"""
    if template.kind == CouponKind.PERCENT:
        rule = f"{coupon_face(template)[0]} 折"
        if template.cap_fen is not None:
            rule += f" 最多减 {_yuan_short(template.cap_fen)}"
    else:
        rule = f"减 {_yuan_short(template.amount_fen)}"
    return f"满 {_yuan_short(template.threshold_fen)} {rule}" if template.threshold_fen else f"无门槛 {rule}"
