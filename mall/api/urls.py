from django.urls import path

from mall import converters  # noqa: F401  (registers <order_number:>)
from mall.api import addresses, cart, catalog, coupons, orders, share

urlpatterns = [
    path("categories", catalog.CategoryListApi.as_view(), name="api-categories"),
    path("products", catalog.ProductListApi.as_view(), name="api-products"),
    path("products/<int:product_id>", catalog.ProductDetailApi.as_view(), name="api-product"),
    path("cart", cart.CartApi.as_view(), name="api-cart"),
    path("cart/items", cart.CartItemCreateApi.as_view(), name="api-cart-items"),
    path("cart/items/<int:item_id>", cart.CartItemApi.as_view(), name="api-cart-item"),
    path("addresses", addresses.AddressListApi.as_view(), name="api-addresses"),
    path("addresses/<int:address_id>", addresses.AddressApi.as_view(), name="api-address"),
    path("orders", orders.OrderListApi.as_view(), name="api-orders"),
    path("orders/<order_number:number>", orders.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<order_number:number>/cancel", orders.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<order_number:number>/pay", orders.OrderPayApi.as_view(), name="api-order-pay"),
    path("orders/<order_number:number>/confirm-receipt", orders.OrderConfirmReceiptApi.as_view(), name="api-order-confirm"),
    path("orders/<order_number:number>/refunds", orders.OrderRefundApi.as_view(), name="api-order-refunds"),
    path("share-config", share.ShareConfigApi.as_view(), name="api-share-config"),
    path("coupon-templates", coupons.CouponTemplateListApi.as_view(), name="api-coupon-templates"),
    path("coupon-templates/<int:template_id>/claim", coupons.CouponClaimApi.as_view(), name="api-coupon-claim"),
    path("coupons", coupons.CouponListApi.as_view(), name="api-coupons"),
    path("coupons/applicable", coupons.CouponApplicableApi.as_view(), name="api-coupons-applicable"),
]
