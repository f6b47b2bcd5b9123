"""Reads for the storefront: each returns what its page needs in a fixed number of
queries, however many products, SKUs or lines there are."""

import json
import time
import uuid
from dataclasses import astuple, dataclass, replace

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.errors import NotFound
from config.money import format_yuan
from config.rich_text import clean_rich_text
from config.rows import ModelRows
from mall.models import (
    SKU,
    Address,
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


# --- The catalogue --------------------------------------------------------------------
#
# What operators edit (titles, pictures, specs, prices, which products a category shows
# and in what order) is kept: in this process's memory, behind it in the shared cache.
# In lists, what shoppers move (stock, sales, being on sale) is read live, in one indexed
# query a page.
# Lists and categories are kept under the catalogue's generation (catalog_version, one
# read of the shared cache a request), which services.catalog.catalog_changed renews:
# called by the catalogue services and the admin's bulk actions, and for every save or
# delete of a product, SKU, picture or category (mall.receivers). A product page, the
# store's most read, is kept whole, stock and sales included, under that generation and
# the product's own (product_generations), which services.catalog.products_changed renews
# when an order, a cancel or a refund moves its stock; an operator's edit renews the
# catalogue's. Sales, which only payments move, show once the product's generation runs
# out (PRODUCT_GENERATION_SECONDS): the payment notification is a hot path of its own.

CATALOG_CACHE_SECONDS = 60 * 60
CATALOG_CACHE_PREFIX = "catalog:1"  # a new number when what is kept changes shape: a deploy never reads the old
CATALOG_VERSION_KEY = f"{CATALOG_CACHE_PREFIX}:version"
# The orders a page of cards may be kept in: "-sales" moves with every payment.
KEPT_ORDERINGS = ("", "price_fen", "-price_fen", "-created")
# How long a product's generation lives: what a lost renewal (a process killed between its
# COMMIT and products_changed) could leave shown at most.
PRODUCT_GENERATION_SECONDS = 60
KEPT_IN_MEMORY = 5000  # entries (pages, counts, products) a process keeps, a few MB; past that it starts again
_memory: dict = {}


SHOP_SETTINGS_SECONDS = 5
_shop_settings: list = [float("-inf"), None]  # [read at (monotonic), the settings]


def shop_settings_shown() -> ShopSettings:
    """The shop's settings as pages show them (its name, the shipping note, the after-sales
    days), kept in this process for SHOP_SETTINGS_SECONDS rather than asked of the shared
    cache by every page. A save reaches this process at once (shop_settings_forget) and the
    others within those seconds; what an order charges is read fresh by the services.
    While the values stay the same, so does the object: pages drawn for it stay valid."""
    read_at, kept = _shop_settings
    now = time.monotonic()
    if now - read_at > SHOP_SETTINGS_SECONDS:
        fresh = ShopSettings.get_solo()
        if kept is None or field_values(fresh) != field_values(kept):
            kept = fresh
        _shop_settings[:] = [now, kept]
    return kept


def shop_settings_forget() -> None:
    _shop_settings[:] = [float("-inf"), None]


def field_values(instance) -> tuple:
    """Every stored field's value: model instances compare equal by primary key alone."""
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def catalog_version() -> str:
    """The generation of the kept lists and categories: a new one after every change."""
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CATALOG_VERSION_KEY)  # whoever added first
    return version


def product_cache_key(product_id: int) -> str:
    return f"{CATALOG_CACHE_PREFIX}:product:{product_id}"


def product_generation_key(product_id: int) -> str:
    return f"{CATALOG_CACHE_PREFIX}:product:{product_id}:generation"


def product_generations(product_id: int) -> str | None:
    """The catalogue's generation and the product's, as one key part, in one round trip to
    the shared cache (each made when missing, whoever adds first wins); None when the
    cache keeps nothing."""
    keys = [CATALOG_VERSION_KEY, product_generation_key(product_id)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        cache.add(keys[0], uuid.uuid4().hex, None)
        cache.add(keys[1], uuid.uuid4().hex, PRODUCT_GENERATION_SECONDS)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return f"{found[keys[0]]}:{found[keys[1]]}"


def _remember(key: str, value) -> None:
    if len(_memory) >= KEPT_IN_MEMORY and key not in _memory:
        _memory.clear()  # mostly entries of generations gone by
    _memory[key] = value


def _kept(key: str, compute):
    """From memory, else from the shared cache, else computed (and kept in both). For keys
    that name their generation: what is under a key never changes."""
    found = _memory.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, CATALOG_CACHE_SECONDS)
        _remember(key, found)
    return found


def categories_active(*, version: str | None = None) -> list[Category]:
    key = f"{CATALOG_CACHE_PREFIX}:{version or catalog_version()}:categories"
    return _kept(key, lambda: list(Category.objects.filter(is_active=True)))


def category_and_descendant_ids(category_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for category in categories_active():
        children.setdefault(category.parent_id, []).append(category.pk)
    found, queue = [], [category_id]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def products_for_sale() -> QuerySet[Product]:
    """Products on sale with their lowest SKU price, stock flag and cover thumbnail, in the
    shop's own order. Whether a product has a sellable SKU is its own EXISTS, so a COUNT of
    these leaves the four subqueries of the annotations out."""
    active = SKU.objects.filter(product=OuterRef("pk"), is_active=True)
    cheapest = active.order_by("price_fen", "id")
    return (
        Product.objects.filter(Exists(active), is_on_sale=True, category__is_active=True)  # no sellable SKU, nothing to show
        .annotate(
            price_fen=Subquery(cheapest.values("price_fen")[:1]),
            original_price_fen=Subquery(cheapest.values("original_price_fen")[:1]),
            in_stock=Exists(active.filter(stock__gt=0)),
            cover=Subquery(
                ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("thumbnail")[:1]
            ),
        )
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


@dataclass(frozen=True)
class ProductCard:
    """A product as lists show it (GET /api/v1/products, the H5 grids)."""

    id: int
    title: str
    subtitle: str
    cover: str  # the first picture's thumbnail: a storage name, '' without one
    price_fen: int  # the cheapest sellable SKU's
    original_price_fen: int | None
    sales: int
    in_stock: bool

    @property
    def pk(self) -> int:
        return self.id


class ProductCards:
    """The cards of product_list(...), as a sequence for Django's Paginator: count() and
    slices. Without a search text, and in an order payments do not move, the count and a
    page's cards are kept (in memory, in the shared cache), and only the page's stock and
    sales are read, in one query."""

    def __init__(self, *, category_id: int | None = None, query: str = "", ordering: str = ""):
        self.category_id, self.query = category_id, query
        self.ordering = ordering if ordering in ORDERINGS else ""
        self.kept = not query and self.ordering in KEPT_ORDERINGS
        self._version = None

    @property
    def version(self) -> str:
        self._version = self._version or catalog_version()
        return self._version

    @property
    def category(self) -> Category | None:
        """The (active) category asked for, if any."""
        if self.category_id is None:
            return None
        return next((c for c in categories_active(version=self.version) if c.pk == self.category_id), None)

    def products(self) -> QuerySet[Product]:
        return product_list(category_id=self.category_id, query=self.query, ordering=self.ordering)

    def _key(self, *parts) -> str:
        return ":".join(map(str, (CATALOG_CACHE_PREFIX, self.version, "cards", self.category_id, self.ordering, *parts)))

    def count(self) -> int:
        if not self.kept:
            return self.products().count()
        return _kept(self._key("count"), lambda: self.products().count())

    def __getitem__(self, window: slice) -> list[ProductCard]:
        start, stop = window.start or 0, window.stop
        if not self.kept:
            return [_card(product) for product in self.products()[start:stop]]
        key = self._key(start, stop)
        kept = _memory.get(key) or cache.get(key)
        if kept is None:  # as _kept, but the cards just read need no second look at stock and sales
            cards = [_card(product) for product in self.products()[start:stop]]
            kept = [astuple(card)[:6] for card in cards]
            cache.set(key, kept, CATALOG_CACHE_SECONDS)
            _remember(key, kept)
            return cards
        _remember(key, kept)
        return _cards_now(kept)


def _card(product: Product) -> ProductCard:
    return ProductCard(
        product.pk,
        product.title,
        product.subtitle,
        product.cover or "",
        product.price_fen,
        product.original_price_fen,
        product.sales,
        product.in_stock,
    )


def _cards_now(kept: list[tuple]) -> list[ProductCard]:
    """Cached cards with their stock and sales as they are now; a product no longer on sale
    is left out (its change clears the cache; this covers the moments in between)."""
    if not kept:
        return []
    product, sku = Product._meta.db_table, SKU._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.id, p.sales, EXISTS (SELECT 1 FROM {sku} s WHERE s.product_id = p.id AND s.is_active AND s.stock > 0)
                FROM {product} p WHERE p.is_on_sale AND p.id IN ({", ".join(["%s"] * len(kept))})""",  # noqa: S608 — table names only
            [row[0] for row in kept],
        )
        now = {pk: (sales, bool(in_stock)) for pk, sales, in_stock in cursor.fetchall()}
    return [ProductCard(*row, *now[row[0]]) for row in kept if row[0] in now]


def home_banners() -> list[Banner]:
    return list(Banner.objects.filter(is_active=True))


def featured_products(*, limit: int = 10) -> list[Product]:
    return list(products_for_sale().filter(is_featured=True)[:limit])


@dataclass(frozen=True)
class SkuShown:
    id: int
    spec: dict
    price_fen: int
    original_price_fen: int | None
    image: str  # a storage name, '' without one
    stock: int


@dataclass(frozen=True)
class ImageShown:
    image: str  # storage names
    thumbnail: str


@dataclass(frozen=True)
class ProductShown:
    """A product on sale as its page and GET /api/v1/products/{id} show it: the active
    SKUs in id order, the pictures in the operator's order, the description cleaned."""

    id: int
    title: str
    subtitle: str
    category_id: int
    description_html: str
    specs: list
    purchase_limit: int | None
    images: tuple[ImageShown, ...]
    skus: tuple[SkuShown, ...] = ()
    sales: int = 0


def product_shown(*, product_id: int) -> ProductShown:
    """The product on sale as its page shows it, kept whole in this process under its
    generations (product_generations): no query while nothing it shows has changed."""
    if not 0 < product_id < 2**63:  # the URL takes any digits; the database's ids end there
        raise NotFound("商品不存在或已下架")
    generations = product_generations(product_id)
    key = f"{CATALOG_CACHE_PREFIX}:shown:{product_id}"  # one entry a product, replaced when stale
    kept = _memory.get(key)
    if generations is None or kept is None or kept[0] != generations:
        kept = (generations, _product_read(product_id))  # read after the generations: a change committed meanwhile renews them
        if generations:
            _remember(key, kept)
    return kept[1]


def _product_read(product_id: int) -> ProductShown:
    """One query reads what shoppers move: the product being on sale, its sales, its
    active SKUs with their prices and stock, and its updated_at. The rest (texts, the
    cleaned description, pictures) is kept under that updated_at, in this process and in
    the shared cache: every save of the product moves it, and so does every change of its
    pictures (catalog_changed), in the same transaction, so what is kept is used only
    while it is still what the database holds. Two more queries when it is not."""
    stamp, sales, skus = _product_now(product_id)
    key = product_cache_key(product_id)
    kept = _memory.get(key)
    if kept is None or kept[0] != stamp:
        kept = cache.get(key)
        if kept is None or kept[0] != stamp:
            kept = (stamp, _product_kept(product_id))
            cache.set(key, kept, CATALOG_CACHE_SECONDS)
        _remember(key, kept)
    return replace(kept[1], skus=skus, sales=sales)


def _product_now(product_id: int) -> tuple:
    """(updated_at, sales, the active SKUs in id order); NotFound when not on sale."""
    product, sku = Product._meta.db_table, SKU._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.updated_at, p.sales, s.id, s.spec, s.price_fen, s.original_price_fen, s.image, s.stock
                FROM {product} p LEFT JOIN {sku} s ON s.product_id = p.id AND s.is_active
                WHERE p.id = %s AND p.is_on_sale ORDER BY s.id""",  # noqa: S608 — table names only
            [product_id],
        )
        rows = cursor.fetchall()
    if not rows:
        raise NotFound("商品不存在或已下架")
    skus = tuple(
        SkuShown(sku_id, json.loads(spec) if isinstance(spec, str) else spec, price, original, image or "", stock)
        for _, _, sku_id, spec, price, original, image, stock in rows
        if sku_id is not None
    )
    return rows[0][0], rows[0][1], skus


def _product_kept(product_id: int) -> ProductShown:
    product = (
        Product.objects.filter(pk=product_id)
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
        .first()
    )
    if product is None:
        raise NotFound("商品不存在或已下架")
    return ProductShown(
        id=product.pk,
        title=product.title,
        subtitle=product.subtitle,
        category_id=product.category_id,
        description_html=clean_rich_text(product.description_html),
        specs=product.specs,
        purchase_limit=product.purchase_limit,
        images=tuple(ImageShown(image.image.name, image.thumbnail.name or "") for image in product.images.all()),
    )


ADDRESS_ROWS = ModelRows(Address)


def member_address(*, member, address_id: int) -> Address | None:
    """One of the member's addresses, or None for anyone else's. Hand-written: every checkout
    reads one, and compiling the filter cost more CPU than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ADDRESS_ROWS.columns()} FROM {Address._meta.db_table} WHERE id = %s AND member_id = %s",  # noqa: S608 — names only
            [address_id, member.pk],
        )
        row = cursor.fetchone()
    return ADDRESS_ROWS.build(row) if row else None


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
    order = (
        Order.objects.filter(member=member, number=number)
        .prefetch_related("lines", "events", "refunds__lines", "refunds__photos")
        .first()
    )
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
        for template_id, product_id in through.objects.filter(coupontemplate_id__in=by_products).values_list(
            "coupontemplate_id", "product_id"
        ):
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
    coupons = list(
        Coupon.objects.filter(coupon_usable_now(now), member=member).select_related("template").order_by("valid_until", "id")
    )
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
