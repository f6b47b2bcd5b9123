"""The limits: for each scenario of bench/suite.py, a bare Django view that runs only the
SQL the scenario cannot avoid and answers JSON — no serializer, no service, no template.

They are served under /limit/ by bench/wsgi.py's second handler, which has none of the
shop's middleware (session, CSRF, auth, CSP, referral, axes): a view that must know the
member reads the session itself (one lookup in the session store, as SessionMiddleware
would), and nothing checks a CSRF token. Same gunicorn workers and database connection as
the shop's endpoints, so the ratio our endpoint / its limit is what the shop's own work
costs, measured in the same run.
"""

import json
from datetime import timedelta
from importlib import import_module
from xml.etree import ElementTree

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from rest_framework.views import APIView

from campaigns.models import Checkin, PacketShare, WheelPrize
from config.numbers import new_order_number
from mall.models import SKU, Address, CartItem, Order, OrderLine, Payment, Product

PAGE_SIZE = 20
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def member_id(request) -> int | None:
    """The logged-in member from the session cookie: the one read every member's request pays.
    Behind the shop's middleware (a ceiling, below) the member its authentication found."""
    if hasattr(request, "user"):
        return request.user.pk
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    pk = SessionStore(session_key=key).get("_auth_user_id")
    return int(pk) if pk else None


def _unauthorized() -> JsonResponse:
    return JsonResponse({"code": "not_authenticated"}, status=401)


def _body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def product_detail(request, product_id: int):
    """One primary-key read with the product's active SKUs (aggregated in the same statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.id, p.title, p.subtitle, p.category_id, p.description_html, p.specs, p.purchase_limit,
                       (SELECT coalesce(json_agg(json_build_object('id', s.id, 'spec', s.spec, 'price_fen', s.price_fen,
                                    'original_price_fen', s.original_price_fen, 'stock', s.stock, 'image', s.image) ORDER BY s.id), '[]')
                          FROM {SKU._meta.db_table} s WHERE s.product_id = p.id AND s.is_active)
                FROM {Product._meta.db_table} p WHERE p.id = %s AND p.is_on_sale""",
            [product_id],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found"}, status=404)
    keys = ("id", "title", "subtitle", "category_id", "description_html", "specs", "purchase_limit", "skus")
    product = dict(zip(keys, row, strict=True))
    for key in ("specs", "skus"):
        if isinstance(product[key], str):  # json from the driver when it does not decode it itself
            product[key] = json.loads(product[key])
    return JsonResponse(product)


@require_GET
def product_list(request):
    """One page (20) of one category's products on sale, each with its cheapest SKU's price
    and whether any SKU is in stock, in the shop's order; no COUNT."""
    category_id = _int(request.GET.get("category"))
    page = max(_int(request.GET.get("page")) or 1, 1)
    if category_id is None:
        return JsonResponse({"code": "invalid", "field": "category"}, status=400)
    sku, product = SKU._meta.db_table, Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.id, p.title, p.subtitle, p.sales, cheapest.price_fen, cheapest.original_price_fen,
                       EXISTS (SELECT 1 FROM {sku} s WHERE s.product_id = p.id AND s.is_active AND s.stock > 0)
                FROM {product} p
                CROSS JOIN LATERAL (SELECT s.price_fen, s.original_price_fen FROM {sku} s
                                    WHERE s.product_id = p.id AND s.is_active ORDER BY s.price_fen, s.id LIMIT 1) cheapest
                WHERE p.category_id = %s AND p.is_on_sale
                ORDER BY p.position, p.id DESC LIMIT %s OFFSET %s""",
            [category_id, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        )
        keys = ("id", "title", "subtitle", "sales", "price_fen", "original_price_fen", "in_stock")
        results = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"results": results})


@require_POST
def cart_add(request):
    """The cart's upsert: a new line, or more of the one there."""
    member = member_id(request)
    if member is None:
        return _unauthorized()
    body = _body(request)
    sku_id, quantity = _int(body.get("sku_id")), _int(body.get("quantity")) or 1
    if sku_id is None:
        return JsonResponse({"code": "invalid", "field": "sku_id"}, status=400)
    table = CartItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (member_id, sku_id, quantity, added_at) VALUES (%s, %s, %s, now())
                ON CONFLICT (member_id, sku_id) DO UPDATE SET quantity = {table}.quantity + EXCLUDED.quantity
                RETURNING id, quantity""",
            [member, sku_id, quantity],
        )
        item_id, total = cursor.fetchone()
    return JsonResponse({"id": item_id, "sku_id": sku_id, "quantity": total}, status=201)


@require_POST
def order_create(request):
    """{"lines": [{"sku_id", "quantity"}, …], "address_id": <the member's>}: the guarded stock
    UPDATE of every line (all or nothing: 409 when one is short), the order INSERT copying the
    member's address, and its lines' INSERT, in one transaction. Shipping is a flat 10.00."""
    member = member_id(request)
    if member is None:
        return _unauthorized()
    body = _body(request)
    lines = [(_int(line.get("sku_id")), _int(line.get("quantity")) or 1) for line in body.get("lines", []) if isinstance(line, dict)]
    if not lines or any(sku_id is None for sku_id, _ in lines):
        return JsonResponse({"code": "invalid", "field": "lines"}, status=400)
    sku, product = SKU._meta.db_table, Product._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {sku} s SET stock = s.stock - wanted.quantity
                FROM unnest(%s::bigint[], %s::int[]) AS wanted(id, quantity), {product} p
                WHERE s.id = wanted.id AND p.id = s.product_id AND s.stock >= wanted.quantity
                RETURNING s.id, s.product_id, p.title, s.spec, s.price_fen, wanted.quantity""",
            [[sku_id for sku_id, _ in lines], [quantity for _, quantity in lines]],
        )
        taken = cursor.fetchall()
        if len(taken) != len(lines):
            transaction.set_rollback(True)
            return JsonResponse({"code": "out_of_stock"}, status=409)
        goods = sum(price * quantity for _, _, _, _, price, quantity in taken)
        shipping = 1000
        cursor.execute(
            f"""INSERT INTO {Order._meta.db_table} (number, member_id, status, goods_fen, shipping_fen, discount_fen, balance_fen, pay_fen,
                    receiver_name, receiver_phone, province, city, district, address_detail, note, operator_note, carrier,
                    tracking_number, refunded_fen, balance_refunded_fen, created_at, expires_at, updated_at)
                SELECT %s, a.member_id, 'pending_payment', %s, %s, 0, 0, %s, a.name, a.phone, a.province, a.city, a.district, a.detail,
                       '', '', '', '', 0, 0, %s, %s, %s
                FROM {Address._meta.db_table} a WHERE a.id = %s AND a.member_id = %s
                RETURNING id, number""",
            [new_order_number(), goods, shipping, goods + shipping, now, now + timedelta(minutes=30), now, _int(body.get("address_id")), member],
        )
        created = cursor.fetchone()
        if created is None:
            transaction.set_rollback(True)
            return JsonResponse({"code": "invalid", "field": "address_id"}, status=400)
        order_id, number = created
        cursor.execute(
            f"""INSERT INTO {OrderLine._meta.db_table} (order_id, sku_id, product_id, title, spec, image, price_fen, quantity, discount_fen, pay_fen)
                SELECT %s, line.sku_id, line.product_id, line.title, line.spec::jsonb, '', line.price_fen, line.quantity, 0, line.price_fen * line.quantity
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::int[])
                     AS line(sku_id, product_id, title, spec, price_fen, quantity)""",
            [order_id, *map(list, zip(*[(s, p, t, json.dumps(spec), price, q) for s, p, t, spec, price, q in taken], strict=True))],
        )
    return JsonResponse({"number": number, "goods_fen": goods, "pay_fen": goods + shipping}, status=201)


@require_POST
def payment_notify(request):
    """The guarded status UPDATE a payment notification comes down to: pending → paid once,
    a replay changes nothing and is answered SUCCESS all the same (no signature check)."""
    try:
        out_trade_no = ElementTree.fromstring(request.body).findtext("out_trade_no") or ""
    except ElementTree.ParseError:
        out_trade_no = ""
    order, payment = Order._meta.db_table, Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {order} o SET status = 'paid', paid_at = now(), updated_at = now() FROM {payment} pay
                WHERE pay.out_trade_no = %s AND o.id = pay.order_id AND o.status = 'pending_payment'""",
            [out_trade_no],
        )
    return HttpResponse("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>",
                        content_type="application/xml")


@require_POST
def checkin(request):
    """The check-in's unique INSERT … ON CONFLICT DO NOTHING (?campaign=<id>)."""
    member = member_id(request)
    if member is None:
        return _unauthorized()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Checkin._meta.db_table} (campaign_id, member_id, day, streak, is_makeup, created_at) "
            "VALUES (%s, %s, %s, 1, false, now()) ON CONFLICT (member_id, day) DO NOTHING",
            [_int(request.GET.get("campaign")), member, timezone.localdate()],
        )
        inserted = cursor.rowcount
    return JsonResponse({"inserted": inserted}, status=201 if inserted else 409)


@require_POST
def spin(request, prize_id: int):
    """The wheel prize's guarded stock UPDATE: whether one was left to take."""
    if member_id(request) is None:
        return _unauthorized()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {WheelPrize._meta.db_table} SET given = given + 1 WHERE id = %s AND (stock IS NULL OR given < stock)", [prize_id])
        return JsonResponse({"won": bool(cursor.rowcount)})


@require_POST
def grab(request, packet_id: int):
    """The red packet's share claim (FOR UPDATE SKIP LOCKED), once per member (the unique key
    would refuse a second): the amount, 409 when none is left or the member has one."""
    member = member_id(request)
    if member is None:
        return _unauthorized()
    table = PacketShare._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET member_id = %(member)s, grabbed_at = now() WHERE id = (
                    SELECT id FROM {table} WHERE packet_id = %(packet)s AND member_id IS NULL ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
                AND NOT EXISTS (SELECT 1 FROM {table} WHERE packet_id = %(packet)s AND member_id = %(member)s)
                RETURNING amount_fen""",
            {"member": member, "packet": packet_id},
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"code": "packet_empty_or_grabbed"}, status=409)
    return JsonResponse({"amount_fen": row[0]})


def ceiling(limit):
    """The limit's view served as the shop serves its API (bench/ceiling.py): an APIView with
    the shop's authentication (the session and the member's row), CSRF check, permissions,
    throttles and renderer, behind the shop's middleware, running nothing but the limit's SQL.
    How close to 1.0 any endpoint of the shop can come: the rest is the framework's."""

    class Ceiling(APIView):
        def post(self, request, **kwargs):
            return limit(request._request, **kwargs)

    return Ceiling.as_view()


def ceiling_without_drf(limit):
    """The limit's view behind the shop's middleware only (the session, CSRF, the member's
    row read for request.user), as a plain Django view would be served: the ceiling of an
    endpoint written without DRF."""

    def view(request, **kwargs):
        if not request.user.is_authenticated:
            return _unauthorized()
        return limit(request, **kwargs)

    return view
