from mall.models.addresses import Address
from mall.models.cart import CartItem
from mall.models.catalog import SKU, Banner, Category, Product, ProductImage, spec_key_of
from mall.models.orders import (
    ORDER_CANCELLED,
    ORDER_COMPLETED,
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_REFUNDED,
    ORDER_SHIPPED,
    ActorKind,
    Carrier,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    new_order_number,
)
from mall.models.payments import OPEN_REFUND_STATUSES, Payment, PaymentState, Refund, RefundKind, RefundStatus, RefusedNotice
from mall.models.shop import ShopSettings

__all__ = [
    "ORDER_CANCELLED",
    "ORDER_COMPLETED",
    "ORDER_CREATED",
    "ORDER_PAID",
    "ORDER_REFUNDED",
    "ORDER_SHIPPED",
    "OPEN_REFUND_STATUSES",
    "SKU",
    "ActorKind",
    "Address",
    "Banner",
    "Carrier",
    "CartItem",
    "Category",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentState",
    "Product",
    "ProductImage",
    "Refund",
    "RefundKind",
    "RefundStatus",
    "RefusedNotice",
    "ShopSettings",
    "new_order_number",
    "spec_key_of",
]
