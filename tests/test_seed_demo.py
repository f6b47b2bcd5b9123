import pytest
from django.core.management import call_command
from django.db.models import Sum
from rest_framework.test import APIClient

from campaigns.models import RedPacket, Wheel
from mall.models import SKU, Banner, Category, CouponTemplate, Order, Product, ProductImage
from members.models import Member
from tests.factories import MemberFactory
from tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Category, Product, SKU, ProductImage, Banner, Member, Order)]


def test_seed_demo_fills_a_believable_shop_and_is_idempotent(client):
    call_command("seed_demo", verbosity=0)
    first = counts()
    categories, products, skus, images, banners, members, orders = first
    assert products >= 30 and skus > products and images >= 3 * products and banners >= 3
    assert all(p.images.first().thumbnail for p in Product.objects.all()[:5])
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    # Through the login page, like the operator: django-axes guards it and wants the request.
    assert client.post("/admin/login/", {"username": "operator", "password": "micromall", "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert Member.objects.filter(openid="o_emu_xiaohong").exists()


def test_createsuperuser_noinput_works_with_djangos_variables(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-Pass")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")
    call_command("createsuperuser", interactive=False, verbosity=0)
    boss = Member.objects.get(username="boss")
    assert boss.is_superuser and boss.check_password("s3cret-Pass") and boss.referral_code


def test_a_newcomer_can_play_every_demo_campaign_and_spend_the_coupon(settings):
    """What a first visitor to `make run` does: check in, spin, grab, claim, then pay less."""
    settings.RATELIMIT_ENABLE = False
    call_command("seed_demo", verbosity=0)
    newcomer = MemberFactory()
    api = APIClient()
    api.force_login(newcomer)

    kinds = {entry["kind"]: entry["id"] for entry in api.get("/api/v1/campaigns").json()}
    assert {"checkin", "wheel", "red_packet", "coupon", "share_packet", "follow_gift", "referral_gift"} <= set(kinds)

    assert api.post("/api/v1/checkin").status_code == 201
    wheel = Wheel.objects.get(campaign__title="幸运大转盘")
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").status_code == 200
    packet = RedPacket.objects.get(campaign__title="冬日红包雨")
    assert api.post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200

    template = CouponTemplate.objects.get(title="新人无门槛 5 元券")
    claimed = api.post(f"/api/v1/coupon-templates/{template.pk}/claim")
    assert claimed.status_code == 201
    sku = SKU.objects.filter(product__purchase_limit=None, stock__gt=0).order_by("price_fen").first()
    order = api.post(
        "/api/v1/orders",
        {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "coupon_id": claimed.json()["id"]},
        format="json",
    )
    assert order.status_code == 201, order.json()
    assert order.json()["discount_fen"] == 500
    newcomer.refresh_from_db()
    assert newcomer.points == newcomer.points_entries.aggregate(total=Sum("amount"))["total"]


def test_the_demo_crowd_answers_the_readme_segment_and_afang_is_in_it():
    """The walk-through's segment — 广东, 女, bought skincare, not in the last 30 days —
    finds members on the demo data, 阿芳 (an emulator user who follows the account) among them."""
    from crm.models import PurchaseStats
    from crm.selectors.segments import segment_members

    call_command("seed_demo", verbosity=0)
    skincare = Category.objects.get(name="护肤")
    rules = {"match": "all", "rules": [
        {"field": "province", "op": "eq", "value": "广东"},
        {"field": "gender", "op": "eq", "value": 2},
        {"field": "categories", "op": "any", "value": [skincare.pk]},
        {"field": "last_paid_days", "op": "gt", "value": 30},
    ]}
    found = segment_members(rules)
    assert found.filter(openid="o_emu_afang", is_subscribed=True).exists()
    assert found.count() >= 3
    assert PurchaseStats.objects.exclude(rfm_group="").exists()  # RFM scored on the history
