import pytest
from django.db import transaction
from django.utils import timezone

from mall.models import ActorKind, OrderStatus, ShopSettings
from mall.services.orders import Destination, LineRequest, order_cancel, order_create
from mall.services.transitions import order_transition
from tests.factories import (
    AddressFactory,
    CartItemFactory,
    CategoryFactory,
    MemberFactory,
    ProductImageFactory,
    SKUFactory,
)
from tests.helpers import queries_to_get

pytestmark = pytest.mark.django_db


def catalogue(n):
    root = CategoryFactory()
    for i in range(n):
        sku = SKUFactory(product__category=CategoryFactory(parent=root), product__is_featured=i % 2 == 0)
        ProductImageFactory(product=sku.product)
    return root


@pytest.mark.parametrize("path", ["/", "/categories/", "/products/", "/products/?q=商品&ordering=-sales"])
def test_store_pages_open_for_everyone_in_chinese(client, path):
    catalogue(3)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    assert "csrftoken" in response.cookies


def test_product_page_embeds_specs_and_skus(client):
    sku = SKUFactory(spec={"颜色": "红"}, product__specs=[{"name": "颜色", "values": ["红"]}])
    html = client.get(f"/products/{sku.product_id}/").content.decode()
    assert "加入购物车" in html and '"颜色"' in html and str(sku.price_fen) in html


@pytest.mark.parametrize("path", ["/cart/", "/checkout/?from=cart", "/orders/", "/addresses/", "/me/"])
def test_member_pages_send_strangers_to_wechat_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/wechat/login/?next=")


def test_member_pages_open_when_logged_in(client, member):
    client.force_login(member)
    sku = SKUFactory(price_fen=1000)
    address = AddressFactory(member=member, is_default=True)
    CartItemFactory(member=member, sku=sku, quantity=2)
    order = order_create(member=member, destination=Destination(name="a", phone="13800138000", province="p", city="c", district="", detail="d"),
                         lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    for path in ("/cart/", "/checkout/?from=cart", f"/checkout/?sku={sku.pk}&qty=2", "/orders/", f"/orders/{order.number}/",
                 "/addresses/", "/addresses/new/", f"/addresses/{address.pk}/edit/", "/me/"):
        assert client.get(path).status_code == 200, path
    checkout = client.get("/checkout/?from=cart").content.decode()
    assert "30.00" in checkout  # 20.00 goods + 10.00 shipping


def test_a_cancelled_order_page_says_why(client, member):
    client.force_login(member)
    order = order_create(member=member, destination=Destination(name="a", phone="13800138000", province="p", city="c", district="", detail="d"),
                         lines=[LineRequest(sku_id=SKUFactory().pk, quantity=1)])
    order_cancel(order=order, actor=member, reason="买家取消订单")
    page = client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert "你已取消订单" in page.content.decode()


WECHAT_REASON = "微信支付成功（通知，4200020261202866666006227452）"


def paid_order(member):
    order = order_create(member=member, destination=Destination(name="a", phone="13800138000", province="p", city="c", district="", detail="d"),
                         lines=[LineRequest(sku_id=SKUFactory().pk, quantity=1)])
    with transaction.atomic():  # the reason payments.py writes when WeChat's notification lands
        order_transition(order=order, to=OrderStatus.PAID, actor=None, actor_kind=ActorKind.WECHAT, reason=WECHAT_REASON, paid_at=timezone.now())
    return order


def test_the_shoppers_timeline_is_plain_words_without_wechat_ids(client, member):
    client.force_login(member)
    order = paid_order(member)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert "订单已提交，等待付款" in html and "已付款，等待发货" in html
    assert "4200020261202866666006227452" not in html and "微信支付成功" not in html


def test_operators_keep_the_full_reason_in_the_admin(client, member):
    order = paid_order(member)
    client.force_login(MemberFactory(is_staff=True, is_superuser=True))
    assert WECHAT_REASON in client.get(f"/admin/mall/order/{order.pk}/change/").content.decode()


def test_another_members_order_page_is_not_found(client, member):
    other = SKUFactory()
    order = order_create(member=AddressFactory().member, destination=Destination(name="a", phone="13800138000", province="p", city="c", district="", detail="d"),
                         lines=[LineRequest(sku_id=other.pk, quantity=1)])
    client.force_login(member)
    assert client.get(f"/orders/{order.number}/").status_code == 404


def test_home_and_list_pages_keep_a_fixed_query_count(client):
    ShopSettings.get_solo()
    catalogue(2)
    few_home, few_list = queries_to_get(client, "/"), queries_to_get(client, "/products/")
    catalogue(25)
    assert queries_to_get(client, "/") == few_home
    assert queries_to_get(client, "/products/") == few_list
