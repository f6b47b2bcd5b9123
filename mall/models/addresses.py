from django.conf import settings
from django.db import models
from django.db.models import Q


class Address(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField("收货人", max_length=20)
    phone = models.CharField("手机号", max_length=20)
    province = models.CharField("省份", max_length=20)
    city = models.CharField("城市", max_length=20)
    district = models.CharField("区县", max_length=20, blank=True)
    detail = models.CharField("详细地址", max_length=120)
    is_default = models.BooleanField("默认地址", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "收货地址"
        verbose_name_plural = "收货地址"
        ordering = ["-is_default", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(is_default=True), name="address_one_default_per_member", violation_error_message="每位会员只能有一个默认地址"),
        ]

    def __str__(self):
        return f"{self.name} {self.full_text}"

    @property
    def full_text(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"
