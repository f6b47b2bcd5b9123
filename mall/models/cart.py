from django.conf import settings
from django.db import models
from django.db.models import Q

from mall.models.catalog import SKU


class CartItem(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_items")
    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField("数量")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "购物车商品"
        verbose_name_plural = "购物车商品"
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "sku"], name="cart_one_row_per_sku", violation_error_message="购物车里已有这个规格"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive", violation_error_message="数量至少为 1"),
        ]
