"""The shop's URLs, the campaign benchmark's bare views (behind the shop's middleware) and
the limits (bench/limits.py, served without it by bench/wsgi.py under /limit/)."""

from django.urls import path

from bench import bare, limits
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
    path("bench/bare/checkin", bare.checkin),
    path("bench/bare/spin/<int:prize_id>", bare.spin),
    path("bench/bare/grab/<int:packet_id>", bare.grab),
    *shop,
]
