"""The hot paths' SKU read (mall.services.cart.skus_with_products): what the ORM would
have given, in one hand-written statement."""

import pytest

from mall.services.cart import skus_with_products
from tests.factories import ProductFactory, ProductImageFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_the_skus_come_with_their_products_and_first_thumbnail_as_the_orm_reads_them(django_assert_num_queries):
    limited = ProductFactory(purchase_limit=3, is_on_sale=False)
    second = ProductImageFactory(product=limited, position=2)
    first = ProductImageFactory(product=limited, position=1)
    plain = SKUFactory(spec={"颜色": "红"}, price_fen=1234, stock=7)
    hidden = SKUFactory(product=limited, is_active=False)

    with django_assert_num_queries(1):
        read = skus_with_products([hidden.pk, plain.pk, hidden.pk, 10**12])
        shown = [(sku.pk, sku.spec, sku.price_fen, sku.stock, sku.is_active, sku.first_thumbnail, sku.product.pk,
                  sku.product.title, sku.product.category_id, sku.product.purchase_limit, sku.product.is_on_sale)
                 for sku in read.values()]

    assert list(read) == sorted([plain.pk, hidden.pk])
    assert shown == [
        (plain.pk, {"颜色": "红"}, 1234, 7, True, None, plain.product_id, plain.product.title, plain.product.category_id, None, True),
        (hidden.pk, hidden.spec, hidden.price_fen, hidden.stock, False, first.thumbnail.name, limited.pk, limited.title,
         limited.category_id, 3, False),
    ]
    assert second.thumbnail.name != first.thumbnail.name
