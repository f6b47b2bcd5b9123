from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from solo.models import SingletonModel


class ShopSettings(SingletonModel):
    """The operator's settings for the storefront: one row, edited in the admin, read
    through the cache (django-solo: `ShopSettings.get_solo()`, refreshed on save)."""

    shop_name = models.CharField("店铺名称", max_length=40, default="Micromall 微商城")
    service_phone = models.CharField("客服电话", max_length=20, blank=True)
    shipping_fee_fen = models.PositiveIntegerField("运费（分）", default=1000)
    free_shipping_threshold_fen = models.PositiveIntegerField(
        "包邮门槛（分）", null=True, blank=True, default=9900, help_text="商品金额达到此数包邮；留空表示从不包邮"
    )
    payment_window_minutes = models.PositiveIntegerField(
        "支付时限（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    auto_complete_days = models.PositiveIntegerField(
        "发货后自动确认收货（天）", default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    after_sales_days = models.PositiveIntegerField(
        "售后期（天）", default=7, help_text="从订单完成起算", validators=[MaxValueValidator(90)]
    )
    # Stock is held from order to payment: without a cap one shopper could hold it all.
    max_unpaid_orders = models.PositiveSmallIntegerField(
        "每人待付款订单上限", default=5, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="会员同时持有的待付款订单数达到此数后，需先支付或取消才能再下单",
    )

    # Service messages (模板消息): the template ids chosen in the official account's
    # template library; blank means that message is not sent.
    paid_template_id = models.CharField("支付成功通知模板 ID", max_length=64, blank=True)
    shipped_template_id = models.CharField("发货通知模板 ID", max_length=64, blank=True)
    refunded_template_id = models.CharField("退款成功通知模板 ID", max_length=64, blank=True)

    class Meta:
        verbose_name = "店铺设置"
        verbose_name_plural = "店铺设置"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="shop_settings_singleton", violation_error_message="店铺设置只有一份")]

    def __str__(self):
        return "店铺设置"


    def shipping_fee_for(self, goods_fen: int) -> int:
        if self.free_shipping_threshold_fen is not None and goods_fen >= self.free_shipping_threshold_fen:
            return 0
        return self.shipping_fee_fen
