import pytest
from django.core.management import call_command

from mall.models import SKU, Banner, Category, Order, Product, ProductImage
from members.models import Member

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
