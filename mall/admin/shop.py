from django import forms
from django.contrib import admin

from config.admin_tools import SingletonAdmin, YuanField
from mall.models import ShopSettings


class ShopSettingsForm(forms.ModelForm):
    shipping_fee_fen = YuanField(label="运费（元）")
    free_shipping_threshold_fen = YuanField(label="包邮门槛（元）", required=False, help_text="商品金额达到此数包邮；留空表示从不包邮")

    class Meta:
        model = ShopSettings
        fields = "__all__"


@admin.register(ShopSettings)
class ShopSettingsAdmin(SingletonAdmin):
    """One settings object: the list page goes straight to it."""

    form = ShopSettingsForm
    fieldsets = [
        ("店铺", {"fields": ["shop_name", "service_phone"]}),
        ("运费", {"fields": ["shipping_fee_fen", "free_shipping_threshold_fen"]}),
        ("订单时限", {"fields": ["payment_window_minutes", "max_unpaid_orders", "auto_complete_days", "after_sales_days"]}),
        ("服务消息（公众号模板消息）", {"fields": ["paid_template_id", "shipped_template_id", "refunded_template_id"]}),
    ]

