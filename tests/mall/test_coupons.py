"""Coupons: claiming in the coupon centre (limits and stock), the discount maths at
checkout, the API codes, and the coupon coming back exactly once when its order falls
through."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from config.errors import InvalidStatus
from distribution.models import Commission
from distribution.services.commissions import commissions_earn
from mall import selectors
from mall.errors import ClaimLimitReached, CouponUnavailable, SoldOut
from mall.models import SKU, Coupon, CouponClaimCount, CouponTemplate, Order, OrderLine, OrderStatus, Refund, RefundStatus
from mall.selectors import PricedLine, coupon_discount_fen, coupons_applicable, discount_spread
from mall.services.aftersales import refund_approve
from mall.services.coupons import coupon_claim, coupon_grant
from mall.services.orders import LineRequest, order_cancel, order_create, orders_cancel_expired
from mall.services.transitions import coupon_give_back
from members.models import BalanceKind, Member
from members.services.balance import balance_move
from tests.factories import CartItemFactory, CategoryFactory, MemberFactory, ProductFactory, SKUFactory
from tests.helpers import ADDRESS, DESTINATION, shop_settings
from tests.journeys import pay_at_cashier

pytestmark = pytest.mark.django_db

_sources = itertools.count()


def template(**fields) -> CouponTemplate:
    fields = {"title": "满 100 减 20", "kind": "amount", "amount_fen": 2000, "per_member_limit": 5, **fields}
    categories, products = fields.pop("categories", []), fields.pop("products", [])
    made = CouponTemplate.objects.create(**fields)
    made.categories.set(categories)
    made.products.set(products)
    return made


def coupon_for(member, **template_fields) -> Coupon:
    """A coupon in the member's hands, as a campaign gives one."""
    return coupon_grant(template=template(**template_fields), member_id=member.pk, source_key=f"test:{next(_sources)}")


def place(client, lines, **extra):
    body = {"lines": [{"sku_id": sku.pk, "quantity": quantity} for sku, quantity in lines], "address": ADDRESS, **extra}
    return client.post("/api/v1/orders", body, format="json")


def placed(client, lines, **extra) -> dict:
    response = place(client, lines, **extra)
    assert response.status_code == 201, response.json()
    return response.json()


def fresh(coupon) -> Coupon:
    return Coupon.objects.get(pk=coupon.pk)


def stock(sku) -> int:
    return SKU.objects.get(pk=sku.pk).stock


# --- The maths -------------------------------------------------------------------------


def test_an_amount_coupon_takes_its_amount_but_never_more_than_the_lines_it_covers():
    twenty = CouponTemplate(kind="amount", amount_fen=2000)
    assert coupon_discount_fen(twenty, 15000) == 2000
    assert coupon_discount_fen(twenty, 1500) == 1500
    assert coupon_discount_fen(twenty, 0) == 0


def test_a_percent_coupon_rounds_down_to_the_fen_and_stops_at_its_cap():
    fifteen_off = CouponTemplate(kind="percent", percent_off=15, cap_fen=None)
    assert coupon_discount_fen(fifteen_off, 999) == 149  # 149.85 → 149
    capped = CouponTemplate(kind="percent", percent_off=15, cap_fen=3000)
    assert coupon_discount_fen(capped, 10000) == 1500
    assert coupon_discount_fen(capped, 100000) == 3000


def test_below_the_threshold_a_coupon_gives_nothing():
    over_100 = CouponTemplate(kind="amount", amount_fen=2000, threshold_fen=10000)
    assert coupon_discount_fen(over_100, 9999) == 0
    assert coupon_discount_fen(over_100, 10000) == 2000


def test_the_spread_is_proportional_to_the_fen_with_the_largest_remainders_taking_the_rest():
    assert discount_spread(100, [100, 100, 100]) == [34, 33, 33]
    assert discount_spread(500, [333, 333, 334]) == [167, 166, 167]  # a tie: the earlier line
    assert discount_spread(7, [1000, 2000, 4000]) == [1, 2, 4]
    assert discount_spread(10, [3, 0, 7]) == [3, 0, 7]
    assert discount_spread(0, [5, 5]) == [0, 0]
    with pytest.raises(ValueError):
        discount_spread(11, [5, 5])


@settings(max_examples=400, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(lambda xs: sum(xs) > 0),
    share=st.fractions(min_value=0, max_value=1),
)
def test_the_spread_always_adds_up_and_no_line_gets_more_than_it_costs(amounts, share):
    total = int(sum(amounts) * share)
    spread = discount_spread(total, amounts)
    assert sum(spread) == total
    assert all(0 <= part <= amount for part, amount in zip(spread, amounts))
    assert all(part == 0 for part, amount in zip(spread, amounts) if amount == 0)


# --- Applying a coupon at checkout ---------------------------------------------------------


def test_an_amount_coupon_comes_off_the_order_and_is_used_by_it(member_api, member):
    sku = SKUFactory(price_fen=6000, stock=10)
    coupon = coupon_for(member, amount_fen=2000, threshold_fen=10000)
    body = placed(member_api, [(sku, 2)], coupon_id=coupon.pk)
    assert (body["goods_fen"], body["shipping_fen"], body["discount_fen"], body["pay_fen"]) == (12000, 0, 2000, 10000)
    assert [(line["discount_fen"], line["pay_fen"]) for line in body["lines"]] == [(2000, 10000)]
    order = Order.objects.get(number=body["number"])
    coupon = fresh(coupon)
    assert (coupon.status, coupon.order_id) == ("used", order.pk) and coupon.used_at is not None
    assert stock(sku) == 8


def test_a_percent_coupon_is_capped(member_api, member):
    sku = SKUFactory(price_fen=30000)
    coupon = coupon_for(member, kind="percent", amount_fen=0, percent_off=20, cap_fen=5000)
    body = placed(member_api, [(sku, 1)], coupon_id=coupon.pk)
    assert (body["discount_fen"], body["pay_fen"]) == (5000, 25000)


def test_a_category_coupon_covers_its_sub_categories_and_nothing_else(member_api, member):
    clothes = CategoryFactory(name="服饰")
    shirts = CategoryFactory(name="衬衫", parent=clothes)
    silk = CategoryFactory(name="真丝", parent=shirts)
    shirt = SKUFactory(price_fen=8000, product=ProductFactory(category=silk))
    tea = SKUFactory(price_fen=9000)
    coupon = coupon_for(member, scope="categories", categories=[clothes], kind="percent", amount_fen=0, percent_off=10)
    body = placed(member_api, [(shirt, 1), (tea, 1)], coupon_id=coupon.pk)
    assert body["discount_fen"] == 800
    discounts = {line["sku_id"]: line["discount_fen"] for line in body["lines"]}
    assert discounts == {shirt.pk: 800, tea.pk: 0}


def test_the_threshold_counts_only_the_lines_the_coupon_covers(member_api, member):
    shirt = SKUFactory(price_fen=8000)
    tea = SKUFactory(price_fen=9000)
    coupon = coupon_for(member, scope="products", products=[shirt.product], threshold_fen=10000)
    response = place(member_api, [(shirt, 1), (tea, 1)], coupon_id=coupon.pk)  # 170.00 in all, 80.00 of it covered
    assert response.status_code == 409 and response.json()["code"] == "coupon_unavailable"
    assert "满 ¥100.00" in response.json()["detail"]
    body = placed(member_api, [(shirt, 2), (tea, 1)], coupon_id=coupon.pk)
    assert {line["sku_id"]: line["discount_fen"] for line in body["lines"]} == {shirt.pk: 2000, tea.pk: 0}


def test_the_discount_spreads_over_the_covered_lines_to_the_fen(member_api, member):
    a, b, c = SKUFactory(price_fen=333), SKUFactory(price_fen=333), SKUFactory(price_fen=334)
    coupon = coupon_for(member, amount_fen=1001)
    body = placed(member_api, [(a, 3), (b, 1), (c, 1)], coupon_id=coupon.pk)  # 999 + 333 + 334 = 1666
    lines = OrderLine.objects.filter(order__number=body["number"]).order_by("sku_id")
    assert [line.discount_fen for line in lines] == [600, 200, 201]
    assert sum(line.discount_fen for line in lines) == body["discount_fen"] == 1001
    assert all(line.pay_fen == line.price_fen * line.quantity - line.discount_fen for line in lines)


def test_a_coupon_worth_more_than_the_goods_leaves_the_shipping_to_pay(member_api, member):
    sku = SKUFactory(price_fen=1500)
    coupon = coupon_for(member, amount_fen=5000)
    body = placed(member_api, [(sku, 1)], coupon_id=coupon.pk)
    assert (body["goods_fen"], body["shipping_fen"], body["discount_fen"], body["pay_fen"]) == (1500, 1000, 1500, 1000)


def test_a_coupon_covering_everything_with_free_shipping_makes_a_paid_order(member_api, member):
    shop_settings(free_shipping_threshold_fen=0)
    sku = SKUFactory(price_fen=1500)
    body = placed(member_api, [(sku, 1)], coupon_id=coupon_for(member, amount_fen=5000).pk)
    assert (body["pay_fen"], body["status"]) == (0, "paid")


def test_the_balance_pays_what_is_left_after_the_coupon(member_api, member):
    balance_move(member_id=member.pk, amount_fen=10000, kind=BalanceKind.ADJUSTMENT, source_key="test:grant")
    sku = SKUFactory(price_fen=5000)  # + 10.00 shipping
    body = placed(member_api, [(sku, 1)], coupon_id=coupon_for(member, amount_fen=2000).pk, use_balance=True)
    assert (body["discount_fen"], body["balance_fen"], body["pay_fen"], body["status"]) == (2000, 4000, 0, "paid")
    assert Member.objects.get(pk=member.pk).balance_fen == 6000


def test_the_balance_part_never_covers_the_discount_twice(member_api, member):
    balance_move(member_id=member.pk, amount_fen=1000, kind=BalanceKind.ADJUSTMENT, source_key="test:grant")
    sku = SKUFactory(price_fen=5000)
    body = placed(member_api, [(sku, 1)], coupon_id=coupon_for(member, amount_fen=2000).pk, use_balance=True)
    assert (body["goods_fen"] + body["shipping_fen"] - body["discount_fen"] - body["balance_fen"], body["pay_fen"]) == (3000, 3000)


def test_commission_is_worked_out_on_what_was_paid_after_the_coupon():
    from distribution.services.binding import binding_apply

    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()  # A refers B, B refers C
    assert binding_apply(member=b, code=a.referral_code) and binding_apply(member=c, code=b.referral_code)
    sku = SKUFactory(price_fen=10000)
    coupon = coupon_for(c, amount_fen=3000)
    order = order_create(member=c, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)], coupon_id=coupon.pk)
    Order.objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now())
    order.refresh_from_db()
    commissions_earn(order=order)
    commissions = {row.level: row for row in Commission.objects.filter(order=order)}
    assert {level: (row.base_fen, row.amount_fen) for level, row in commissions.items()} == {1: (7000, 700), 2: (7000, 350)}


# --- What cannot be used: 409 coupon_unavailable, nothing changed ---------------------------


def expired(coupon) -> Coupon:
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=timezone.now() - timedelta(days=8), valid_until=timezone.now() - timedelta(seconds=1))
    return fresh(coupon)


@pytest.mark.parametrize(
    "which",
    ["unknown", "used", "expired", "not yet valid", "someone else's", "switched off", "inapplicable", "under the threshold"],
)
def test_a_coupon_that_cannot_be_used_is_409_and_nothing_changes(member_api, member, which):
    sku = SKUFactory(price_fen=5000, stock=10)
    coupon = coupon_for(member, threshold_fen=10000 if which == "under the threshold" else 0)
    if which == "unknown":
        coupon_id = coupon.pk + 1000
    else:
        coupon_id = coupon.pk
    if which == "used":
        placed(member_api, [(sku, 1)], coupon_id=coupon.pk)
    elif which == "expired":
        expired(coupon)
    elif which == "not yet valid":
        Coupon.objects.filter(pk=coupon.pk).update(valid_from=timezone.now() + timedelta(days=1))
    elif which == "someone else's":
        Coupon.objects.filter(pk=coupon.pk).update(member=MemberFactory())
    elif which == "switched off":
        CouponTemplate.objects.filter(pk=coupon.template_id).update(is_active=False)
    elif which == "inapplicable":
        coupon.template.scope = "products"
        coupon.template.save()
        coupon.template.products.set([ProductFactory()])
    before = (stock(sku), Order.objects.count(), fresh(coupon).status, fresh(coupon).order_id)

    response = place(member_api, [(sku, 1)], coupon_id=coupon_id)

    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "coupon_unavailable"
    assert (stock(sku), Order.objects.count(), fresh(coupon).status, fresh(coupon).order_id) == before


def test_a_malformed_coupon_id_is_a_400(member_api):
    sku = SKUFactory()
    for bad in ("5", 0, -1, 2.5, True):
        response = place(member_api, [(sku, 1)], coupon_id=bad)
        assert response.status_code == 400 and "coupon_id" in response.json()["fields"]


def test_null_coupon_id_means_no_coupon(member_api, member):
    body = placed(member_api, [(SKUFactory(price_fen=5000), 1)], coupon_id=None)
    assert body["discount_fen"] == 0


def test_a_coupon_taken_meanwhile_is_refused_by_the_guarded_update(member):
    """The read said yes; the UPDATE is the last word (here the coupon was used between them)."""
    from mall.services.coupons import coupon_take

    sku = SKUFactory(price_fen=5000)
    coupon = coupon_for(member)
    first = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    coupon_take(coupon=coupon, order=first)
    second = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    with pytest.raises(CouponUnavailable):
        coupon_take(coupon=coupon, order=second)
    assert fresh(coupon).order_id == first.pk


# --- Given back exactly once ---------------------------------------------------------------


@pytest.fixture
def used(member_api, member):
    """An order of 50.00 + 10.00 shipping that used a 20.00 coupon."""
    sku = SKUFactory(price_fen=5000, stock=10)
    coupon = coupon_for(member, amount_fen=2000)
    order = Order.objects.get(number=placed(member_api, [(sku, 1)], coupon_id=coupon.pk)["number"])
    return order, coupon


def usable_again(coupon) -> bool:
    coupon = fresh(coupon)
    return (coupon.status, coupon.order_id, coupon.used_at) == ("unused", None, None)


def test_cancelling_the_order_gives_the_coupon_back(member_api, used):
    order, coupon = used
    assert member_api.post(f"/api/v1/orders/{order.number}/cancel").status_code == 200
    assert usable_again(coupon)


def test_an_order_expiring_unpaid_gives_the_coupon_back(used):
    order, coupon = used
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_cancel_expired() == 1
    assert usable_again(coupon)


def test_cancel_then_expiry_gives_it_back_once_and_never_takes_it_from_its_next_order(member_api, member, used):
    order, coupon = used
    order_cancel(order=order, actor=member)
    with pytest.raises(InvalidStatus):
        order_cancel(order=order, actor=member)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_cancel_expired() == 0
    nxt = Order.objects.get(number=placed(member_api, [(SKUFactory(price_fen=5000), 1)], coupon_id=coupon.pk)["number"])
    assert coupon_give_back([order.pk]) == 0  # the old order asking again
    assert (fresh(coupon).status, fresh(coupon).order_id) == ("used", nxt.pk)


def test_a_coupon_given_back_can_be_used_again(member_api, used):
    order, coupon = used
    member_api.post(f"/api/v1/orders/{order.number}/cancel")
    body = placed(member_api, [(SKUFactory(price_fen=5000), 1)], coupon_id=coupon.pk)
    assert body["discount_fen"] == 2000


def test_a_coupon_given_back_after_it_expired_is_not_usable(member_api, used):
    order, coupon = used
    expired(coupon)
    member_api.post(f"/api/v1/orders/{order.number}/cancel")
    assert usable_again(coupon)
    assert member_api.get("/api/v1/coupons?status=expired").json()["results"][0]["id"] == coupon.pk


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, is_superuser=True, openid=None)


def refund(api, order, operator, capture, **body):
    response = api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了", **body}, format="json")
    assert response.status_code == 201, response.json()
    with capture(execute=True):
        refund_approve(refund=Refund.objects.get(pk=response.json()["id"]), by=operator)
    order.refresh_from_db()
    return order


def test_a_full_refund_gives_the_coupon_back(member_api, used, operator, django_capture_on_commit_callbacks):
    order, coupon = used
    order = refund(member_api, pay_at_cashier(member_api, order), operator, django_capture_on_commit_callbacks)
    assert order.status == OrderStatus.REFUNDED and order.refunded_fen == 4000
    assert usable_again(coupon)


def test_a_partial_refund_keeps_the_coupon_used_until_the_rest_goes_back(member_api, used, operator, django_capture_on_commit_callbacks):
    order, coupon = used
    order = refund(member_api, pay_at_cashier(member_api, order), operator, django_capture_on_commit_callbacks, amount_fen=1000)
    assert order.status == OrderStatus.PAID and fresh(coupon).status == "used"
    order = refund(member_api, order, operator, django_capture_on_commit_callbacks)
    assert order.status == OrderStatus.REFUNDED and usable_again(coupon)
    assert Refund.objects.filter(order=order, status=RefundStatus.REFUNDED).count() == 2


# --- Claiming ---------------------------------------------------------------------------------


def claim(client, tmpl):
    return client.post(f"/api/v1/coupon-templates/{tmpl.pk}/claim")


def test_claiming_gives_a_coupon_valid_for_its_days(member_api, member):
    tmpl = template(valid_days=3, total=100)
    response = claim(member_api, tmpl)
    assert response.status_code == 201, response.json()
    body = response.json()
    coupon = Coupon.objects.get(pk=body["id"])
    assert (coupon.member_id, coupon.status, coupon.source_key) == (member.pk, "unused", f"claim:{tmpl.pk}:{member.pk}:1")
    assert coupon.valid_until - coupon.valid_from == timedelta(days=3)
    assert {"id", "title", "kind", "amount_fen", "threshold_fen", "valid_from", "valid_until", "status"} <= set(body)
    assert body["status"] == "unused" and body["valid_until"].endswith("+08:00")
    assert CouponTemplate.objects.get(pk=tmpl.pk).claimed == 1


def test_fixed_dates_are_the_templates_own(member):
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=10)
    coupon = coupon_claim(template=template(validity="fixed", valid_from=start, valid_until=end), member=member)
    assert (coupon.valid_from, coupon.valid_until) == (start, end)


def test_over_the_per_member_limit_is_claim_limit_reached(member_api, member):
    tmpl = template(per_member_limit=2)
    assert [claim(member_api, tmpl).status_code for _ in range(2)] == [201, 201]
    response = claim(member_api, tmpl)
    assert (response.status_code, response.json()["code"]) == (409, "claim_limit_reached")
    assert Coupon.objects.filter(member=member).count() == 2
    assert CouponTemplate.objects.get(pk=tmpl.pk).claimed == 2
    assert sorted(Coupon.objects.values_list("source_key", flat=True)) == [f"claim:{tmpl.pk}:{member.pk}:{n}" for n in (1, 2)]


def test_the_daily_limit_resets_on_the_next_shanghai_day(member):
    tmpl = template(per_member_limit=5, per_member_daily_limit=1)
    # 23:30 in Shanghai, then 00:30 the next day there (both the same UTC date).
    evening = timezone.localtime().replace(hour=23, minute=30, second=0, microsecond=0) + timedelta(days=1)
    coupon_claim(template=tmpl, member=member, now=evening)
    with pytest.raises(ClaimLimitReached):
        coupon_claim(template=tmpl, member=member, now=evening + timedelta(minutes=20))
    coupon_claim(template=tmpl, member=member, now=evening + timedelta(hours=1))
    days = dict(CouponClaimCount.objects.filter(member=member, day__isnull=False).values_list("day", "count"))
    assert days == {evening.date(): 1, evening.date() + timedelta(days=1): 1}
    assert CouponClaimCount.objects.get(member=member, day__isnull=True).count == 2


def test_none_left_is_sold_out_and_counts_nothing(api_for):
    tmpl = template(total=1)
    first, second = MemberFactory(), MemberFactory()
    assert claim(api_for(first), tmpl).status_code == 201
    response = claim(api_for(second), tmpl)
    assert (response.status_code, response.json()["code"]) == (409, "sold_out")
    assert CouponClaimCount.objects.filter(member=second, count__gt=0).count() == 0  # rolled back with the stock


def test_campaign_coupons_take_stock_but_not_the_claim_limits(member):
    tmpl = template(total=3, per_member_limit=1)
    coupon_grant(template=tmpl, member_id=member.pk, source_key="checkin:1")
    coupon_grant(template=tmpl, member_id=member.pk, source_key="checkin:2")
    coupon_claim(template=tmpl, member=member)  # the member's first claim, whatever campaigns gave
    with pytest.raises(SoldOut):
        coupon_claim(template=template(total=0), member=member)
    assert CouponTemplate.objects.get(pk=tmpl.pk).claimed == 3
    with pytest.raises(ClaimLimitReached):
        coupon_claim(template=tmpl, member=member)


def test_claiming_needs_a_login(api):
    response = claim(api, template())
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize(
    "fields, status, code",
    [
        ({"is_public": False}, 404, "not_found"),
        ({"is_active": False}, 404, "not_found"),
        ({"claim_starts_at": timezone.now() + timedelta(days=1)}, 409, "invalid_status"),
        ({"claim_ends_at": timezone.now() - timedelta(seconds=1)}, 409, "invalid_status"),
    ],
)
def test_only_what_the_coupon_centre_shows_can_be_claimed(member_api, fields, status, code):
    response = claim(member_api, template(**fields))
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Coupon.objects.exists()


def test_an_unknown_template_is_404(member_api):
    assert claim(member_api, CouponTemplate(pk=424242)).status_code == 404


def test_claims_are_rate_limited(member_api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "claim": {"member": "2/m", "ip": None}}
    tmpl = template(per_member_limit=10)
    assert [claim(member_api, tmpl).status_code for _ in range(3)] == [201, 201, 429]


# --- The coupon centre and my coupons -------------------------------------------------------


def test_the_coupon_centre_lists_what_can_be_claimed_now(member_api, member):
    now = timezone.now()
    unlimited = template(title="无限量")
    limited = template(title="限量", total=10, kind="percent", amount_fen=0, percent_off=15, cap_fen=3000, threshold_fen=5000)
    template(title="隐藏", is_public=False)
    template(title="停用", is_active=False)
    template(title="未开始", claim_starts_at=now + timedelta(hours=1))
    template(title="已结束", claim_ends_at=now - timedelta(hours=1))
    template(title="领完", total=1, claimed=1)
    template(title="过期", validity="fixed", valid_from=now - timedelta(days=9), valid_until=now - timedelta(days=1))
    coupon_claim(template=limited, member=member)

    response = member_api.get("/api/v1/coupon-templates")

    assert response.status_code == 200
    results = {row["title"]: row for row in response.json()["results"]}
    assert set(results) == {"无限量", "限量"}
    assert {key: results["限量"][key] for key in (
        "id", "title", "kind", "amount_fen", "percent_off", "cap_fen", "threshold_fen", "per_member_limit", "left"
    )} == {"id": limited.pk, "title": "限量", "kind": "percent", "amount_fen": 0, "percent_off": 15, "cap_fen": 3000,
           "threshold_fen": 5000, "per_member_limit": 5, "left": 9}
    assert results["无限量"]["left"] is None and results["无限量"]["cap_fen"] is None
    assert (results["限量"]["claimed_by_me"], results["无限量"]["claimed_by_me"]) == (1, 0)
    assert results["限量"]["rule"] == "满 50 8.5 折 最多减 30" and results["无限量"]["rule"] == "无门槛 减 20"
    assert unlimited.pk in {row["id"] for row in response.json()["results"]}


def test_the_coupon_centre_is_open_to_visitors(api):
    template()
    response = api.get("/api/v1/coupon-templates")
    assert response.status_code == 200 and response.json()["results"][0]["claimed_by_me"] == 0


def test_my_coupons_by_status(member_api, member):
    fresh_one = coupon_for(member, title="新券")
    old_one = expired(coupon_for(member, title="旧券"))
    spent = coupon_for(member, title="用过")
    placed(member_api, [(SKUFactory(price_fen=5000), 1)], coupon_id=spent.pk)
    coupon_for(MemberFactory(), title="别人的")

    def listed(status=""):
        response = member_api.get(f"/api/v1/coupons{'?status=' + status if status else ''}")
        assert response.status_code == 200
        return [(row["title"], row["status"]) for row in response.json()["results"]]

    assert listed("unused") == [("新券", "unused")]
    assert listed("used") == [("用过", "used")]
    assert listed("expired") == [("旧券", "expired")]
    assert sorted(listed()) == sorted([("新券", "unused"), ("旧券", "expired"), ("用过", "used")])
    row = member_api.get("/api/v1/coupons?status=unused").json()["results"][0]
    assert set(row) >= {"id", "title", "kind", "amount_fen", "threshold_fen", "valid_from", "valid_until", "status"}
    assert (row["id"], row["kind"], row["amount_fen"], row["threshold_fen"]) == (fresh_one.pk, "amount", 2000, 0)
    assert old_one.pk not in {r["id"] for r in member_api.get("/api/v1/coupons?status=unused").json()["results"]}


def test_an_unknown_status_is_a_400(member_api):
    response = member_api.get("/api/v1/coupons?status=gone")
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_my_coupons_need_a_login(api):
    assert api.get("/api/v1/coupons").status_code == 401


# --- The best one first ------------------------------------------------------------------------


def test_the_applicable_coupons_come_best_first_with_their_discount(member_api, member):
    sku = SKUFactory(price_fen=10000)
    ten = coupon_for(member, title="减 10", amount_fen=1000)
    thirty = coupon_for(member, title="减 30", amount_fen=3000, threshold_fen=10000)
    coupon_for(member, title="满 200", amount_fen=5000, threshold_fen=20000)  # not reached
    percent = coupon_for(member, title="7 折", kind="percent", amount_fen=0, percent_off=30, cap_fen=2500)
    expired(coupon_for(member, title="过期", amount_fen=9000))

    response = member_api.post("/api/v1/coupons/applicable", {"lines": [{"sku_id": sku.pk, "quantity": 1}]}, format="json")

    assert response.status_code == 200
    assert [(row["id"], row["discount_fen"]) for row in response.json()] == [(thirty.pk, 3000), (percent.pk, 2500), (ten.pk, 1000)]
    assert response.json()[0]["title"] == "减 30"


def test_the_applicable_coupons_of_the_cart(member_api, member):
    CartItemFactory(member=member, sku=SKUFactory(price_fen=4000), quantity=2)
    coupon = coupon_for(member, amount_fen=1000, threshold_fen=8000)
    response = member_api.post("/api/v1/coupons/applicable", {"from_cart": True}, format="json")
    assert [(row["id"], row["discount_fen"]) for row in response.json()] == [(coupon.pk, 1000)]


def test_the_applicable_coupons_take_a_fixed_number_of_queries(member):
    lines = [PricedLine(product_id=10**9, category_id=10**9, amount_fen=10000)]  # in no scope but "all"

    def one_of_each():
        coupon_for(member, scope="categories", categories=[CategoryFactory(), CategoryFactory()])
        coupon_for(member, scope="products", products=[ProductFactory()])
        coupon_for(member)

    one_of_each()
    with CaptureQueriesContext(connection) as few:
        assert len(coupons_applicable(member=member, lines=lines)) == 1
    for _ in range(5):
        one_of_each()
    with CaptureQueriesContext(connection) as many:
        assert len(coupons_applicable(member=member, lines=lines)) == 6
    assert len(many) == len(few) == 4  # coupons, products in scope, categories in scope, the category tree


def test_order_create_prices_the_coupon_as_the_preview_does(member):
    skus = [SKUFactory(price_fen=price) for price in (1234, 5678, 91)]
    coupon = coupon_for(member, kind="percent", amount_fen=0, percent_off=17)
    wanted = {sku.pk: n for sku, n in zip(skus, (1, 2, 3))}
    [offer] = coupons_applicable(member=member, lines=selectors.priced_lines(wanted=wanted))
    order = order_create(
        member=member, destination=DESTINATION, lines=[LineRequest(sku_id=k, quantity=v) for k, v in wanted.items()], coupon_id=coupon.pk
    )
    assert order.discount_fen == offer.discount_fen == (1234 + 5678 * 2 + 91 * 3) * 17 // 100


# --- Pages ---------------------------------------------------------------------------------------


def test_checkout_offers_the_coupons_with_the_best_chosen(client, member):
    client.force_login(member)
    sku = SKUFactory(price_fen=10000)
    coupon_for(member, title="减 10", amount_fen=1000)
    best = coupon_for(member, title="减 30", amount_fen=3000)
    page = client.get(f"/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert 'id="coupon"' in page
    assert f'<option value="{best.pk}" data-discount="3000" selected>' in page
    assert "减 10" in page and "不使用优惠券" in page


def test_checkout_without_coupons_says_so(client, member):
    client.force_login(member)
    page = client.get(f"/checkout/?sku={SKUFactory().pk}&qty=1").content.decode()
    assert "暂无可用优惠券" in page


def test_the_coupon_centre_page(client, member):
    template(title="新人专享券")
    template(title="藏起来的", is_public=False)
    page = client.get("/coupons/center/").content.decode()
    assert "领券中心" in page and "新人专享券" in page and "藏起来的" not in page
    assert page.count('class="coupon-value"') == 1  # the coupon's face: its value and threshold
    client.force_login(member)
    assert "data-claim" in client.get("/coupons/center/").content.decode()


def test_my_coupons_page_has_its_tabs(client, member):
    client.force_login(member)
    coupon_for(member, title="能用的券")
    expired(coupon_for(member, title="过期的券"))
    page = client.get("/coupons/").content.decode()
    assert "未使用" in page and "已使用" in page and "已过期" in page
    assert "能用的券" in page and "过期的券" not in page
    assert page.count('class="coupon-value"') == 1
    assert "过期的券" in client.get("/coupons/?status=expired").content.decode()


def test_my_coupons_page_needs_a_login(client):
    assert client.get("/coupons/").status_code == 302


def test_me_links_to_my_coupons(client, member):
    client.force_login(member)
    assert 'href="/coupons/"' in client.get("/me/").content.decode()


def test_stock_untouched_when_a_coupon_is_refused(member):
    sku = SKUFactory(stock=3)
    with pytest.raises(CouponUnavailable):
        order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)], coupon_id=999999)
    assert stock(sku) == 3 and not Order.objects.exists()


# --- The back office -------------------------------------------------------------------------


@pytest.fixture
def boss(client):
    account = MemberFactory(is_staff=True, is_superuser=True, openid=None)
    client.force_login(account)
    return account


def template_form(**overrides) -> dict:
    """The template add form as a browser posts it (yuan typed, dates split in two)."""
    now = timezone.localtime()
    data = {
        "title": "满 100 减 20", "kind": "amount", "amount_fen": "20", "percent_off": "0", "cap_fen": "", "threshold_fen": "100",
        "scope": "all", "validity": "days", "valid_days": "7", "valid_from_0": "", "valid_from_1": "", "valid_until_0": "",
        "valid_until_1": "", "total": "100", "per_member_limit": "1", "per_member_daily_limit": "", "is_public": "on",
        "claim_starts_at_0": now.strftime("%Y-%m-%d"), "claim_starts_at_1": now.strftime("%H:%M:%S"),
        "claim_ends_at_0": "", "claim_ends_at_1": "", "is_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_operator_adds_a_template_in_yuan(client, boss):
    response = client.post("/admin/mall/coupontemplate/add/", template_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    made = CouponTemplate.objects.get()
    assert (made.amount_fen, made.threshold_fen, made.total, made.percent_off, made.cap_fen) == (2000, 10000, 100, 0, None)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "percent", "percent_off": "0", "amount_fen": ""}, "percent_off"),
        ({"kind": "percent", "percent_off": "100", "amount_fen": ""}, "percent_off"),
        ({"amount_fen": "0"}, "amount_fen"),
        ({"amount_fen": ""}, "amount_fen"),
        ({"threshold_fen": "-1"}, "threshold_fen"),
        ({"validity": "fixed"}, "valid_until"),
        ({"validity": "fixed", "valid_from_0": "2030-01-02", "valid_from_1": "00:00:00", "valid_until_0": "2030-01-01", "valid_until_1": "00:00:00"}, "valid_until"),
        ({"claim_ends_at_0": "2000-01-01", "claim_ends_at_1": "00:00:00"}, "claim_ends_at"),
        ({"scope": "categories"}, "categories"),
        ({"scope": "products"}, "products"),
        ({"per_member_daily_limit": "3"}, "per_member_daily_limit"),
    ],
)
def test_a_template_that_makes_no_sense_is_refused_with_a_reason(client, boss, overrides, field):
    response = client.post("/admin/mall/coupontemplate/add/", template_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors, response.context["adminform"].form.errors
    assert not CouponTemplate.objects.exists()


def test_a_percent_template_keeps_its_percent_and_cap(client, boss):
    response = client.post("/admin/mall/coupontemplate/add/", template_form(kind="percent", amount_fen="", percent_off="15", cap_fen="30"))
    assert response.status_code == 302
    made = CouponTemplate.objects.get()
    assert (made.kind, made.percent_off, made.cap_fen, made.amount_fen) == ("percent", 15, 3000, 0)


def test_the_total_cannot_go_below_what_was_given(client, boss):
    made = template(total=10, claimed=6)
    form = template_form(total="5", title=made.title)
    response = client.post(f"/admin/mall/coupontemplate/{made.pk}/change/", form)
    assert "total" in response.context["adminform"].form.errors


def test_the_template_list_shows_claims_use_and_sales_in_one_query(client, boss, member_api, member):
    def sell(tmpl, price):
        coupon = coupon_grant(template=tmpl, member_id=member.pk, source_key=f"test:{next(_sources)}")
        order = Order.objects.get(number=placed(member_api, [(SKUFactory(price_fen=price), 1)], coupon_id=coupon.pk)["number"])
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
        return order

    tmpl = template(title="卖得好", total=100)
    sell(tmpl, 10000), sell(tmpl, 20000)  # 100 − 20 and 200 − 20, free shipping
    coupon_grant(template=tmpl, member_id=member.pk, source_key="test:unused")
    url = "/admin/mall/coupontemplate/"
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.status_code == 200
    row = next(r for r in page.context["cl"].result_list if r.pk == tmpl.pk)
    assert (row.claimed, row.used_count, row.order_count, row.sales_fen) == (3, 2, 2, 8000 + 18000)
    assert "3 / 100" in page.content.decode() and "260.00" in page.content.decode()
    for n in range(5):
        sell(template(title=f"券{n}"), 5000)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_coupon_list_filters_by_shown_status_and_exports(client, boss, member):
    coupon_for(member, title="能用")
    expired(coupon_for(member, title="过期了"))
    page = client.get("/admin/mall/coupon/?shown_status=expired")
    assert [c.template.title for c in page.context["cl"].result_list] == ["过期了"]
    assert "已过期" in page.content.decode()
    assert client.get("/admin/mall/coupon/add/").status_code == 403
    export = client.post("/admin/mall/coupon/", {"action": "export_csv", "_selected_action": list(Coupon.objects.values_list("pk", flat=True))})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "过期了" in text and "已过期" in text and "未使用" in text


def test_marketing_designs_coupons_and_only_looks_at_those_given_out():
    from django.contrib.auth.models import Permission

    held = set(Permission.objects.filter(group__name="营销运营", content_type__app_label="mall", codename__contains="coupon").values_list("codename", flat=True))
    assert held == {"add_coupontemplate", "change_coupontemplate", "delete_coupontemplate", "view_coupontemplate", "view_coupon"}
