"""The H5 store pages. They render what a shopper sees; every action they offer goes
through the JSON API (static/js), so the pages and a future mini-program share rules."""

import re
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe

from config.drawn_pages import DrawnPages
from config.errors import NotFound
from config.redirects import local_next
from mall import selectors
from mall.context_processors import cart_count_once, share_link
from mall.models import SKU, Address, CartItem, OrderStatus
from mall.selectors import ORDERINGS
from mall.services.aftersales import RETURNABLE_STATUSES, refund_quantities_left
from mall.services.cart import line_quantity_limit

PAGE_SIZE = 20
ID_PARAM = re.compile(r"[0-9]{1,18}")
MAX_CART_PICKS = 100  # more cart lines than anyone ticks; bounds the query a URL can ask for


def home(request):
    return render(
        request,
        "mall/home.html",
        {
            "banners": selectors.home_banners(),
            "categories": [c for c in selectors.categories_active() if c.parent_id is None][:10],
            "featured": selectors.featured_products(limit=6),
            "latest": selectors.ProductCards(ordering="-created")[0:PAGE_SIZE],
        },
    )


def categories(request):
    all_categories = selectors.categories_active()
    roots = [c for c in all_categories if c.parent_id is None]
    try:
        current = next(c for c in roots if str(c.pk) == request.GET.get("c")) if request.GET.get("c") else roots[0]
    except (StopIteration, IndexError):
        current = roots[0] if roots else None
    children = [c for c in all_categories if current and c.parent_id == current.pk]
    return render(request, "mall/categories.html", {"roots": roots, "current": current, "children": children})


def product_list(request):
    """?category=, ?q=, ?ordering= and ?page=: 20 cards a page, a link to the next; the
    "load more" button fetches the pages after it from the API."""
    category_id = _id_param(request.GET.get("category"))
    query = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    ordering = request.GET.get("ordering", "")
    ordering = ordering if ordering in ORDERINGS else ""
    cards = selectors.ProductCards(category_id=category_id, query=query, ordering=ordering)
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    products_url = reverse("mall:product_list")
    filters = {key: value for key, value in (("category", category_id), ("q", query)) if value}
    price_next = "-price_fen" if ordering == "price_fen" else "price_fen"
    price_arrow = {"price_fen": "↑", "-price_fen": "↓"}.get(ordering, "↕")
    sort_links = [
        ("综合", "", not ordering),
        ("销量", "-sales", ordering == "-sales"),
        (f"价格{price_arrow}", price_next, ordering in ("price_fen", "-price_fen")),
        ("新品", "-created", ordering == "-created"),
    ]
    params = urlencode({**filters, **({"ordering": ordering} if ordering else {})})
    return render(
        request,
        "mall/product_list.html",
        {
            "page": page,
            "cards": [_card_html(card, products_url) for card in page],
            "category": cards.category,
            "query": query,
            "sort_links": [
                (label, "?" + urlencode({**filters, **({"ordering": value} if value else {})}), on)
                for label, value, on in sort_links
            ],
            "api_params": params,
            "pager_extra": f"&{params}" if params else "",
        },
    )


@lru_cache(maxsize=4096)
def _card_html(card: selectors.ProductCard, products_url: str) -> str:
    """A card as _product_card.html draws it: drawn once for the card's values (stock and
    sales included), then reused. Twenty template includes a page cost more than its SQL."""
    return render_to_string(
        "_product_card.html", {"product": card, "products_url": products_url, "MEDIA_URL": settings.MEDIA_URL}
    )


PRODUCT_PAGES = DrawnPages("mall/product_detail.html", holes=("csrf_token", "share_link", "cart_count"))


def product_detail(request, product_id: int):
    try:
        product = selectors.product_shown(product_id=product_id)
    except NotFound:
        raise Http404
    shop = selectors.shop_settings_shown()
    count = cart_count_once(request)
    links = _detail_links(get_script_prefix())
    html = PRODUCT_PAGES.render(
        request,
        key=(product.id, bool(count)),  # visitors with and without a cart badge do not redraw each other's page
        state=(product, selectors.field_values(shop), links),
        context=lambda: _product_page(product, shop, links, has_cart_items=bool(count)),
        holes={"csrf_token": _page_csrf_token(request), "share_link": share_link(request), "cart_count": count},
    )
    return HttpResponse(html)


def _page_csrf_token(request) -> str:
    """The CSRF token of the page's meta tag, for the member's POSTs. A visitor who is not
    logged in and has no token yet gets none: everything they could send needs a login
    first, and logging in sets the token. Making a secret and masking it was a tenth of a
    shared product page's time, and most of those views are a friend's first visit."""
    if settings.CSRF_COOKIE_NAME in request.COOKIES or request.user.is_authenticated:
        return get_token(request)
    return ""


def _product_page(product: selectors.ProductShown, shop, links: dict, *, has_cart_items: bool) -> dict:
    cover = product.images[0] if product.images else None
    return {
        "product": product,
        "shop": shop,
        "links": links,
        "has_cart_items": has_cart_items,
        "image_urls": [default_storage.url(image.image) for image in product.images],
        "cover_url": default_storage.url(cover.thumbnail) if cover and cover.thumbnail else "",
        # Cleaned by the selector (config.rich_text, nh3) before it was cached.
        "description_html": mark_safe(product.description_html),  # noqa: S308
        "skus_json": {
            "limit": line_quantity_limit(product),
            "specs": product.specs,
            "skus": [
                {
                    "id": sku.id,
                    "spec": sku.spec,
                    "price_fen": sku.price_fen,
                    "original_price_fen": sku.original_price_fen,
                    "stock": sku.stock,
                    "image_url": default_storage.url(sku.image) if sku.image else "",
                }
                for sku in product.skus
            ],
        },
        "price_fen": min((sku.price_fen for sku in product.skus), default=0),
    }


@lru_cache(maxsize=8)
def _detail_links(script_prefix: str) -> dict[str, str]:
    """The product page's fixed links, reversed once (a reverse costs more than the SQL)."""
    return {"home": reverse("mall:home"), "cart": reverse("mall:cart")}


@login_required
def cart(request):
    return render(request, "mall/cart.html")


@login_required
def checkout(request):
    """?from=cart (with &items=<id>,<id> the cart lines ticked there), or ?sku=<id>&qty=<n>
    for "buy now"; ?address=<id> after choosing one."""
    from_cart = request.GET.get("from") == "cart"
    picked: list[int] = []  # the cart lines this order takes when it is not the whole cart
    if from_cart:
        items = CartItem.objects.filter(member=request.user)
        if "items" in request.GET:
            ids = {_id_param(part) for part in request.GET["items"].split(",")[:MAX_CART_PICKS]} - {None}
            if items.exclude(pk__in=ids).exists():
                items = items.filter(pk__in=ids)
                picked = sorted(items.values_list("pk", flat=True))
        wanted = dict(items.values_list("sku_id", "quantity"))
    else:
        sku_id, quantity = _id_param(request.GET.get("sku")), _id_param(request.GET.get("qty", "1"))
        if sku_id is None or quantity is None or not 1 <= quantity <= 999:
            return redirect("mall:cart")
        if not SKU.objects.filter(pk=sku_id, is_active=True, product__is_on_sale=True).exists():
            raise Http404  # buying now what the shop does not show
        wanted = {sku_id: quantity}
    if not wanted:
        return redirect("mall:cart")
    addresses = Address.objects.filter(member=request.user)
    chosen = request.GET.get("address", "")
    address = next((a for a in addresses if str(a.pk) == chosen), None) or next(iter(addresses), None)
    # The best coupon first and chosen; the order is priced again for real when placed.
    offers = selectors.coupons_applicable(member=request.user, lines=selectors.priced_lines(wanted=wanted))
    preview = selectors.checkout_preview(wanted=wanted)
    best_discount = offers[0].discount_fen if offers else 0
    return render(
        request,
        "mall/checkout.html",
        {
            "preview": preview,
            # A part of the cart is ordered as lines; the page then takes them out of the cart.
            "from_cart": from_cart and not picked,
            "picked": ",".join(map(str, picked)),
            "address": address,
            "offers": [(offer, selectors.coupon_rule(offer.coupon.template)) for offer in offers],
            "best_discount": best_discount,
            "due_fen": preview["pay_fen"] - best_discount,
        },
    )


def _coupon_face(template) -> dict:
    value, unit = selectors.coupon_face(template)
    return {"template": template, "rule": selectors.coupon_rule(template), "value": value, "unit": unit}


def coupon_center(request):
    """领券中心: what anyone may claim now; claiming needs a login (the API sends visitors to it)."""
    cards = [
        {
            **_coupon_face(template),
            "left": selectors.coupon_template_left(template),
            "mine_left": selectors.coupon_template_mine_left(template),
        }
        for template in selectors.coupon_templates_claimable(member=request.user)[:50]
    ]
    return render(request, "mall/coupon_center.html", {"cards": cards})


COUPON_TABS = selectors.COUPON_LIST_STATUSES


@login_required
def coupon_list(request):
    """我的优惠券: 未使用 / 已使用 / 已过期."""
    status = request.GET.get("status", "")
    status = status if status in dict(COUPON_TABS) else "unused"
    page = Paginator(selectors.member_coupons(member=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [{**_coupon_face(coupon.template), "coupon": coupon} for coupon in page]
    return render(
        request,
        "mall/coupon_list.html",
        {"page": page, "cards": cards, "status": status, "tabs": COUPON_TABS, "pager_extra": f"&status={status}"},
    )


ORDER_TABS = [
    ("", "全部"),
    *[
        (status.value, status.label)
        for status in (
            OrderStatus.PENDING_PAYMENT,
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.COMPLETED,
            OrderStatus.REFUNDING,
        )
    ],
]


@login_required
def order_list(request):
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    page = Paginator(selectors.member_orders(member=request.user, status=status or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "mall/order_list.html", {"page": page, "status": status, "tabs": ORDER_TABS})


@login_required
def order_detail(request, number: str):
    try:
        order = selectors.member_order(member=request.user, number=number)
    except NotFound:
        raise Http404
    events = list(order.events.all())
    return render(
        request,
        "mall/order_detail.html",
        {"order": order, "events": events, "last_event": events[-1], "refunds": list(order.refunds.all())},
    )


REFUND_REASONS = ["不想要了", "拍错了 / 多拍了", "商品与描述不符", "质量问题", "收到商品破损", "未按约定时间发货", "其他"]


@login_required
def refund_request(request, number: str):
    try:
        order = selectors.member_order(member=request.user, number=number)
    except NotFound:
        raise Http404
    if not order.after_sales_open:
        return redirect("mall:order_detail", number=number)
    left = refund_quantities_left(order)
    lines = [(line, left[line.pk]) for line in order.lines.all() if left[line.pk]]
    return render(
        request,
        "mall/refund_request.html",
        {"order": order, "lines": lines, "reasons": REFUND_REASONS, "returnable": order.status in RETURNABLE_STATUSES},
    )


@login_required
def address_list(request):
    return render(
        request,
        "mall/address_list.html",
        {"addresses": Address.objects.filter(member=request.user), "select_next": local_next(request)},
    )


@login_required
def address_form(request, address_id: int | None = None):
    address = None
    if address_id is not None:
        address = selectors.member_address(member=request.user, address_id=address_id)
        if address is None:
            raise Http404
    return render(request, "mall/address_form.html", {"address": address, "next": local_next(request, default="/addresses/")})


def _id_param(value: str | None) -> int | None:
    """A number from the query string, or None for anything else ("²", "1e9", 10**30 …)."""
    return int(value) if value and ID_PARAM.fullmatch(value) else None
