"""The checkout page takes the cart lines ticked in the cart (?from=cart&items=…): only
those are priced and shown; ticking the whole cart is the whole-cart order as before."""

import pytest

from tests.factories import AddressFactory, CartItemFactory, SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(client, member):
    client.force_login(member)
    AddressFactory(member=member, is_default=True)
    return [CartItemFactory(member=member, sku=SKUFactory(price_fen=fen, product__title=title))
            for fen, title in ((12000, "羊毛围巾"), (3000, "棉袜"))]


def test_the_ticked_lines_are_ordered_as_lines_and_then_leave_the_cart(client, cart):
    scarf, socks = cart
    html = client.get(f"/checkout/?from=cart&items={scarf.pk}").content.decode()
    assert "羊毛围巾" in html and "棉袜" not in html
    assert "¥120.00" in html
    assert 'data-from-cart=""' in html and f'data-cart-items="{scarf.pk}"' in html


def test_ticking_every_line_is_the_whole_cart(client, cart):
    html = client.get(f"/checkout/?from=cart&items={cart[1].pk},{cart[0].pk}").content.decode()
    assert "羊毛围巾" in html and "棉袜" in html
    assert 'data-from-cart="1"' in html and 'data-cart-items=""' in html


@pytest.mark.parametrize("items", ["", "x", "99999999", "1e9,²", ",".join(["7"] * 500)])
def test_a_selection_naming_nothing_in_my_cart_goes_back_to_the_cart(client, cart, items):
    response = client.get(f"/checkout/?from=cart&items={items}")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_another_members_cart_line_is_not_mine_to_order(client, cart):
    stranger = CartItemFactory()
    response = client.get(f"/checkout/?from=cart&items={stranger.pk}")
    assert response.status_code == 302 and response["Location"] == "/cart/"
