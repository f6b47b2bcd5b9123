from mall.models.addresses import Address
from mall.models.cart import CartItem
from mall.models.catalog import (
    SKU,
    Banner,
    Category,
    Product,
    ProductImage,
    spec_key_of,
)
from mall.models.orders import (
    ActorKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    new_order_number,
)
from mall.models.shop import ShopSettings

__all__ = [
    "SKU",
    "ActorKind",
    "Address",
    "Banner",
    "CartItem",
    "Category",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Product",
    "ProductImage",
    "ShopSettings",
    "new_order_number",
    "spec_key_of",
]
