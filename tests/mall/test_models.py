import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mall.models import SKU, Order, ShopSettings
from tests.factories import (
    AddressFactory,
    CartItemFactory,
    CategoryFactory,
    MemberFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db


def test_database_refuses_negative_stock():
    sku = SKUFactory(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SKU.objects.filter(pk=sku.pk).update(stock=-1)


def test_spec_key_is_canonical_and_unique_per_product():
    sku = SKUFactory(spec={"尺码": "M", "颜色": "红"})
    assert sku.spec_key == "尺码:M|颜色:红"
    with pytest.raises(IntegrityError), transaction.atomic():
        SKUFactory(product=sku.product, spec={"颜色": "红", "尺码": "M"})


def test_same_spec_is_allowed_on_another_product():
    sku = SKUFactory(spec={"颜色": "红"})
    other = SKUFactory(spec={"颜色": "红"})
    assert sku.spec_key == other.spec_key


def test_cart_keeps_one_row_per_sku_and_positive_quantity():
    item = CartItemFactory(quantity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CartItemFactory(member=item.member, sku=item.sku)
    with pytest.raises(IntegrityError), transaction.atomic():
        CartItemFactory(quantity=0)


def test_a_member_has_at_most_one_default_address():
    address = AddressFactory(is_default=True)
    AddressFactory(member=address.member, is_default=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(member=address.member, is_default=True)


def test_order_amounts_must_add_up():
    member = MemberFactory()
    fields = dict(member=member, receiver_name="a", receiver_phone="13800138000", province="p", city="c",
                  address_detail="d", expires_at="2030-01-01T00:00:00+08:00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(goods_fen=1000, shipping_fen=100, discount_fen=0, pay_fen=999, **fields)
    Order.objects.create(goods_fen=1000, shipping_fen=100, discount_fen=100, pay_fen=1000, **fields)


def test_category_cannot_be_its_own_ancestor():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    root.parent = child
    with pytest.raises(ValidationError):
        root.clean()


def test_shop_settings_is_a_single_row_with_documented_defaults():
    first = ShopSettings.get_solo()
    second = ShopSettings.get_solo()
    assert first.pk == second.pk == 1
    assert ShopSettings.objects.count() == 1
    assert first.payment_window_minutes == 30
    assert first.after_sales_days == 7
    assert first.auto_complete_days == 10


@pytest.mark.parametrize(
    "fee, threshold, goods, expected",
    [(1000, 9900, 9899, 1000), (1000, 9900, 9900, 0), (1000, None, 10**6, 1000), (0, None, 100, 0)],
)
def test_shipping_is_a_flat_fee_until_the_free_shipping_threshold(fee, threshold, goods, expected):
    settings = ShopSettings(shipping_fee_fen=fee, free_shipping_threshold_fen=threshold)
    assert settings.shipping_fee_for(goods) == expected


def test_new_members_get_distinct_referral_codes():
    codes = {MemberFactory().referral_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 8 for code in codes)
