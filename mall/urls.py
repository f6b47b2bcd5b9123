from django.urls import path

from mall import converters  # noqa: F401  (converters registers <order_number:>)
from mall.views import pages as views

app_name = "mall"
urlpatterns = [
    path("", views.home, name="home"),
    path("categories/", views.categories, name="categories"),
    path("products/", views.product_list, name="product_list"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("cart/", views.cart, name="cart"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<order_number:number>/", views.order_detail, name="order_detail"),
    path("orders/<order_number:number>/refund/", views.refund_request, name="refund_request"),
    path("addresses/", views.address_list, name="address_list"),
    path("addresses/new/", views.address_form, name="address_new"),
    path("addresses/<int:address_id>/edit/", views.address_form, name="address_edit"),
    path("coupons/", views.coupon_list, name="coupon_list"),
    path("coupons/center/", views.coupon_center, name="coupon_center"),
]
