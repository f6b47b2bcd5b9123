"""The product page is drawn once for what it shows and served again with only each
request's own parts filled in (config/drawn_pages.py): those parts are every visitor's own,
and anything the page shows that changes draws it anew."""

import re

import pytest
from django.conf import settings
from django.test.signals import template_rendered

from mall.models import SKU, CartItem, ShopSettings
from tests.factories import MemberFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    product = ProductFactory(title="高山乌龙茶")
    SKUFactory(product=product, price_fen=12800, stock=7)
    return product


@pytest.fixture
def drawings():
    """The templates rendered while the test runs."""
    drawn = []

    def record(sender, template, **kwargs):
        drawn.append(template.name)

    template_rendered.connect(record)
    yield drawn
    template_rendered.disconnect(record)


def page(client, product) -> str:
    response = client.get(f"/products/{product.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def badge(html: str) -> str:
    return re.search(r'<span class="badge([^"]*)" data-cart-badge>([^<]*)</span>', html).groups()


def csrf(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]*)">', html).group(1)


def share_link(html: str) -> str:
    return re.search(r'<meta name="share:link" content="([^"]*)">', html).group(1)


def test_a_page_seen_again_is_not_drawn_again(client, product, drawings):
    page(client, product)
    drawn_first = len(drawings)
    page(client, product)
    assert drawn_first > 0 and len(drawings) == drawn_first


def test_each_visitor_gets_their_own_badge_share_link_and_csrf_token(client, product):
    alice, bob = MemberFactory(), MemberFactory()
    CartItem.objects.create(member=alice, sku=product.skus.get(), quantity=3)
    SKU.objects.bulk_create([SKU(product=ProductFactory(), spec={}, spec_key=f"x{n}", price_fen=100, stock=1) for n in range(2)])
    for sku in SKU.objects.exclude(product=product):
        CartItem.objects.create(member=bob, sku=sku, quantity=1)

    anonymous = page(client, product)
    client.force_login(alice)
    as_alice = page(client, product)
    client.force_login(bob)
    as_bob = page(client, product)

    assert badge(anonymous) == (" hidden", "0")
    assert badge(as_alice) == ("", "1")
    assert badge(as_bob) == ("", "2")
    assert f"ref={alice.referral_code}" in share_link(as_alice) and f"ref={bob.referral_code}" in share_link(as_bob)
    assert "ref=" not in share_link(anonymous)
    assert csrf(as_alice) and csrf(as_bob) and csrf(as_alice) != csrf(as_bob)
    assert csrf(anonymous) == ""  # a first visit: nothing to send before logging in


def test_a_visitor_holding_a_csrf_cookie_gets_a_token_for_it_and_a_first_visit_sets_none(client, product):
    first = client.get(f"/products/{product.pk}/")
    assert settings.CSRF_COOKIE_NAME not in first.cookies
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    held = client.get(f"/products/{product.pk}/")
    assert len(csrf(held.content.decode())) == 64  # masked, for the secret in the cookie


def test_the_share_link_carries_the_page_query_escaped(client, product):
    client.force_login(MemberFactory())
    html = page(client, product) and client.get(f"/products/{product.pk}/?from=<b>&x=1").content.decode()
    assert "<b>" not in share_link(html) and "from=%3Cb%3E" in share_link(html)


def test_stock_and_price_changes_draw_the_page_anew(client, product):
    assert '"stock": 7' in page(client, product)
    for sku in SKU.objects.filter(product=product):  # as the admin saves them
        sku.stock, sku.price_fen = 2, 9900
        sku.save()
    html = page(client, product)
    assert '"stock": 2' in html and "99.00" in html


def shipping(html: str) -> str:
    return re.search(r'<span class="k">运费</span>\s*<span class="v">([^<]*)</span>', html).group(1)


def test_a_settings_save_shows_at_once(client, product):
    assert shipping(page(client, product)) == "¥10.00，满 ¥99.00 包邮"
    shop = ShopSettings.get_solo()
    shop.shipping_fee_fen = 0
    shop.save()
    assert shipping(page(client, product)) == "包邮"


def test_visitors_with_and_without_a_cart_take_turns_without_redrawing(client, product, drawings):
    shopper = MemberFactory()
    CartItem.objects.create(member=shopper, sku=product.skus.get(), quantity=1)
    shopper_client = type(client)()
    shopper_client.force_login(shopper)
    page(client, product)
    page(shopper_client, product)
    drawn = len(drawings)
    for _ in range(3):
        page(client, product)
        page(shopper_client, product)
    assert len(drawings) == drawn
