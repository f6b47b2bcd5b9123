"""The shop's URLs, the limits (bench/limits.py, served without the shop's middleware by
bench/wsgi.py under /limit/) and their ceilings (the same views behind the shop's middleware
and DRF, bench/ceiling.py)."""

from django.urls import path

from bench import limits
from config.urls import urlpatterns as shop

urlpatterns = [
    path("limit/products/<int:product_id>", limits.product_detail),
    path("limit/products", limits.product_list),
    path("limit/cart/items", limits.cart_add),
    path("limit/orders", limits.order_create),
    path("limit/pay/notify", limits.payment_notify),
    path("limit/checkin", limits.checkin),
    path("limit/spin/<int:prize_id>", limits.spin),
    path("limit/grab/<int:packet_id>", limits.grab),
    path("ceiling/cart/items", limits.ceiling(limits.cart_add)),
    path("ceiling/orders", limits.ceiling(limits.order_create)),
    path("ceiling/checkin", limits.ceiling(limits.checkin)),
    path("ceiling/spin/<int:prize_id>", limits.ceiling(limits.spin)),
    path("plain/cart/items", limits.ceiling_without_drf(limits.cart_add)),
    path("plain/orders", limits.ceiling_without_drf(limits.order_create)),
    path("plain/checkin", limits.ceiling_without_drf(limits.checkin)),
    path("plain/spin/<int:prize_id>", limits.ceiling_without_drf(limits.spin)),
    *shop,
]
