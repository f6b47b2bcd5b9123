"""Throttled abuse: rate limits per member and per IP on what costs stock, money or CPU,
a cap on unpaid orders, admin logins locked after failures, and referral links that cost
no database session."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from mall.models import SKU, Order, OrderStatus
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS, deliver_events, shop_settings

pytestmark = pytest.mark.django_db


def order_body(sku) -> dict:
    return {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS}


def assert_rate_limited(response):
    assert response.status_code == 429, response.content[:300]
    assert response.json()["code"] == "rate_limited" and response.json()["detail"]
    assert int(response["Retry-After"]) >= 1


@pytest.fixture(autouse=True)
def one_window(request, monkeypatch):
    """Limits count in fixed windows; a test must not straddle the edge of one (and then
    see its count start again), so each counter keeps the window it started in."""
    if "across_processes" not in request.node.name:
        import django_ratelimit.core

        real, windows = django_ratelimit.core._get_window, {}
        monkeypatch.setattr(django_ratelimit.core, "_get_window", lambda value, period: windows.setdefault((value, period), real(value, period)))


@pytest.fixture
def limits(settings):
    """Small limits, so a test needs few requests to cross them."""

    def set_limits(**scopes):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **scopes}

    return set_limits


def test_a_member_placing_orders_in_a_burst_is_stopped_and_holds_no_more_stock(member_api, limits):
    limits(order_create={"member": "3/m", "ip": "100/m"})
    shop_settings(max_unpaid_orders=50)
    sku = SKUFactory(stock=100)
    assert [member_api.post("/api/v1/orders", order_body(sku), format="json").status_code for _ in range(3)] == [201] * 3
    assert_rate_limited(member_api.post("/api/v1/orders", order_body(sku), format="json"))
    assert SKU.objects.get(pk=sku.pk).stock == 97 and Order.objects.count() == 3


def test_many_members_from_one_address_are_stopped_too(api_for, limits):
    limits(order_create={"member": "10/m", "ip": "2/m"})
    sku = SKUFactory(stock=100)
    answers = [api_for(MemberFactory()).post("/api/v1/orders", order_body(sku), format="json") for _ in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [201, 201]
    assert_rate_limited(answers[2])


def test_the_default_limit_stops_a_member_at_ten_orders_a_minute(member_api):
    shop_settings(max_unpaid_orders=50)
    sku = SKUFactory(stock=100)
    statuses = [member_api.post("/api/v1/orders", order_body(sku), format="json").status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]


@pytest.fixture
def paid_order(member_api):
    from tests.journeys import pay_at_cashier, place_order

    return pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=10000, stock=10)))


@pytest.mark.parametrize("scope, method, path", [
    ("order_pay", "post", "/api/v1/orders/{number}/pay"),
    ("refund_request", "post", "/api/v1/orders/{number}/refunds"),
    ("withdrawal_request", "post", "/api/v1/distribution/withdrawals"),
    ("poster", "get", "/api/v1/distribution/poster"),
])
def test_each_costly_action_is_limited(member_api, paid_order, limits, scope, method, path):
    limits(**{scope: {"member": "2/m", "ip": "100/m", **({"methods": ("GET",)} if method == "get" else {})}})
    url = path.format(number=paid_order.number)
    call = lambda: getattr(member_api, method)(url, {"reason": "不想要了", "amount_fen": 0}, format="json")  # noqa: E731
    first = [call().status_code for _ in range(2)]
    assert 429 not in first
    assert_rate_limited(call())


def test_logins_from_one_address_are_limited(client, limits):
    limits(login={"ip": "3/m", "methods": ("GET",)})
    assert [client.get("/wechat/login/?next=/").status_code for _ in range(3)] == [302] * 3
    refused = client.get("/wechat/login/?next=/")
    assert refused.status_code == 429 and "登录太频繁" in refused.content.decode() and refused["Retry-After"]


def test_a_member_holds_at_most_five_unpaid_orders(member_api, member):
    sku = SKUFactory(stock=100)
    for _ in range(5):
        assert member_api.post("/api/v1/orders", order_body(sku), format="json").status_code == 201
    refused = member_api.post("/api/v1/orders", order_body(sku), format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_unpaid_orders"
    assert SKU.objects.get(pk=sku.pk).stock == 95
    first = Order.objects.filter(member=member).order_by("id").first()
    assert member_api.post(f"/api/v1/orders/{first.number}/cancel").status_code == 200
    assert member_api.post("/api/v1/orders", order_body(sku), format="json").status_code == 201


def test_the_unpaid_order_cap_is_the_operators_setting(member_api):
    shop_settings(max_unpaid_orders=1)
    sku = SKUFactory(stock=100)
    assert member_api.post("/api/v1/orders", order_body(sku), format="json").status_code == 201
    assert member_api.post("/api/v1/orders", order_body(sku), format="json").json()["code"] == "too_many_unpaid_orders"


def test_paid_orders_do_not_count_against_the_cap(member_api, member):
    sku = SKUFactory(stock=100)
    for _ in range(5):
        member_api.post("/api/v1/orders", order_body(sku), format="json")
    Order.objects.filter(member=member).update(status=OrderStatus.PAID)
    assert member_api.post("/api/v1/orders", order_body(sku), format="json").status_code == 201


# --- Admin login --------------------------------------------------------------------


def operator_failing(client, username: str, failures: int) -> None:
    operator = MemberFactory(is_staff=True, openid=None, username=username)
    operator.set_password("Right-password-1")
    operator.save()
    for _ in range(failures):
        client.post("/admin/login/?next=/admin/", {"username": username, "password": "wrong"})


def test_the_admin_login_locks_after_repeated_failures_even_for_the_right_password(client):
    operator_failing(client, "kefu", 5)
    locked = client.post("/admin/login/?next=/admin/", {"username": "kefu", "password": "Right-password-1"})
    assert locked.status_code == 429 and "登录已暂时锁定" in locked.content.decode()
    assert client.get("/admin/").status_code == 302  # still not logged in
    # Another address is locked out of that account too: the lock is per account as well.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/admin/login/?next=/admin/", {"username": "kefu", "password": "Right-password-1"}).status_code == 429


def test_a_right_password_before_the_limit_logs_in(client):
    operator_failing(client, "caiwu", 3)
    assert client.post("/admin/login/?next=/admin/", {"username": "caiwu", "password": "Right-password-1"}).status_code == 302
    assert client.get("/admin/").status_code == 200


# --- Referral links -----------------------------------------------------------------


def test_referral_visits_from_new_browsers_create_no_sessions():
    sharer = MemberFactory()
    for _ in range(20):
        response = Client().get(f"/?ref={sharer.referral_code}")
        assert response.status_code == 200 and response.cookies["mm_ref"]["httponly"]
    assert Session.objects.count() == 0


def test_the_remembered_referral_binds_at_login_and_is_then_forgotten(client):
    from urllib.parse import urlencode

    from distribution.models import Referral

    sharer = MemberFactory()
    client.get(f"/products/?ref={sharer.referral_code}&src=poster")
    login = client.get("/wechat/login/?next=/")["Location"]
    callback = client.get(f"{login}&{urlencode({'openid': 'o_friend_1'})}")["Location"]
    response = client.get(callback)
    deliver_events()
    referral = Referral.objects.get(member__openid="o_friend_1")
    assert (referral.referrer, referral.source) == (sharer, "poster")
    assert response.cookies["mm_ref"].value == ""  # deleted


def test_a_forged_referral_cookie_is_ignored(client):
    from urllib.parse import urlencode

    from distribution.models import Referral

    sharer = MemberFactory()
    client.cookies["mm_ref"] = f'{{"code": "{sharer.referral_code}", "source": "link"}}'
    login = client.get("/wechat/login/?next=/")["Location"]
    client.get(client.get(f"{login}&{urlencode({'openid': 'o_friend_2'})}")["Location"])
    deliver_events()
    assert not Referral.objects.filter(member__openid="o_friend_2").exists()


# --- Across processes ---------------------------------------------------------------


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server on 127.0.0.1:6379 (CI has it)")
def test_limits_count_across_processes_on_the_shared_cache(settings, member_api, member, limits):
    """Another process (a second gunicorn worker) spends the member's allowance; this one
    then refuses, because both count in the same Redis."""
    redis_url = "redis://127.0.0.1:6379/15"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    limits(order_create={"member": "3/d", "ip": "100/d"})  # a day's window: the two processes read real clocks
    from django.core.cache import cache

    cache.clear()
    spend = (
        "from django.test import RequestFactory\n"
        "from django.conf import settings\n"
        "from config.throttling import rate_limited\n"
        f"settings.RATE_LIMITS['order_create'] = {{'member': '3/d', 'ip': '100/d'}}\n"
        "request = RequestFactory().post('/api/v1/orders')\n"
        f"request.user = type('U', (), {{'is_authenticated': True, 'pk': {member.pk}}})()\n"
        "print([rate_limited(request, name='order_create') for _ in range(3)])\n"
    )
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "CACHE_URL": redis_url}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", spend], cwd=root, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[None, None, None]"
    sku = SKUFactory(stock=10)
    assert_rate_limited(member_api.post("/api/v1/orders", order_body(sku), format="json"))
    cache.clear()


def test_a_locked_admin_login_never_stops_a_shoppers_wechat_login(client):
    from urllib.parse import urlencode

    operator_failing(client, "dianzhang", 6)
    login = client.get("/wechat/login/?next=/me/")["Location"]
    callback = client.get(f"{login}&{urlencode({'openid': 'o_shopper_same_ip'})}")["Location"]
    assert client.get(callback).status_code == 302
    assert client.get("/api/v1/me").json()["openid"] == "o_shopper_same_ip"


@pytest.mark.parametrize("header, value, seen", [
    ("HTTP_X_REAL_IP", "203.0.113.7", "203.0.113.7"),
    ("HTTP_X_FORWARDED_FOR", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client wrote 1.2.3.4; our proxy appended the rest
    ("HTTP_X_FORWARDED_FOR", "not-an-ip", "127.0.0.1"),
])
def test_the_client_address_is_the_one_our_proxy_saw(settings, rf, header, value, seen):
    from config.client_ip import client_ip

    settings.CLIENT_IP_HEADER = header
    assert client_ip(rf.get("/", **{header: value})) == seen


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(settings, client, limits):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    limits(login={"ip": "2/m", "methods": ("GET",)})
    statuses = [client.get("/wechat/login/", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7").status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def test_a_referral_link_loaded_as_an_image_binds_nobody(client):
    from distribution.models import Referral

    sharer, viewer = MemberFactory(), MemberFactory()
    client.force_login(viewer)
    client.get(f"/?ref={sharer.referral_code}", HTTP_SEC_FETCH_DEST="image")
    deliver_events()
    assert not Referral.objects.filter(member=viewer).exists()
    client.get(f"/?ref={sharer.referral_code}", HTTP_SEC_FETCH_DEST="document")
    deliver_events()
    assert Referral.objects.get(member=viewer).referrer == sharer


@pytest.fixture
def plays(db):
    """A running check-in, a wheel, a red packet and a public coupon: the four campaign taps."""
    from tests.campaigns.test_checkin import checkin_campaign
    from tests.campaigns.test_red_packets import make_packet
    from tests.campaigns.test_wheel import make_wheel
    from tests.mall.test_coupons import template

    checkin_campaign()
    wheel = make_wheel(spins_per_day=100)
    packet = make_packet(total_fen=10_000, shares=100)
    return {"checkin": "/api/v1/checkin", "spin": f"/api/v1/wheels/{wheel.pk}/spin",
            "grab": f"/api/v1/red-packets/{packet.pk}/grab", "claim": f"/api/v1/coupon-templates/{template(per_member_limit=100).pk}/claim"}


@pytest.mark.parametrize("scope", ["checkin", "spin", "grab", "claim"])
def test_each_campaign_tap_is_limited_per_member(member_api, plays, limits, scope):
    limits(**{scope: {"member": "2/m", "ip": "100/m"}})
    first = [member_api.post(plays[scope]).status_code for _ in range(2)]
    assert 429 not in first  # (a second check-in or grab is refused by the rules, 409, not the limit)
    assert_rate_limited(member_api.post(plays[scope]))


@pytest.mark.parametrize("scope", ["checkin", "spin", "grab", "claim"])
def test_each_campaign_tap_is_limited_per_address(api_for, plays, limits, scope):
    limits(**{scope: {"member": "100/m", "ip": "2/m"}})
    answers = [api_for(MemberFactory()).post(plays[scope]) for _ in range(3)]
    assert 429 not in [answer.status_code for answer in answers[:2]]
    assert_rate_limited(answers[2])
