from django import forms
from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask
from solo.admin import SingletonModelAdmin

from config.admin_tools import YuanField
from mall.models import ShopSettings


class ShopSettingsForm(forms.ModelForm):
    shipping_fee_fen = YuanField(label="运费（元）")
    free_shipping_threshold_fen = YuanField(label="包邮门槛（元）", required=False, help_text="商品金额达到此数包邮；留空表示从不包邮")

    class Meta:
        model = ShopSettings
        fields = "__all__"


@admin.register(ShopSettings)
class ShopSettingsAdmin(SingletonModelAdmin):
    """One settings object: the list page goes straight to it."""

    form = ShopSettingsForm
    fieldsets = [
        ("店铺", {"fields": ["shop_name", "service_phone"]}),
        ("运费", {"fields": ["shipping_fee_fen", "free_shipping_threshold_fen"]}),
        ("订单时限", {"fields": ["payment_window_minutes", "max_unpaid_orders", "auto_complete_days", "after_sales_days"]}),
        ("服务消息（公众号模板消息）", {"fields": ["paid_template_id", "shipped_template_id", "refunded_template_id"]}),
    ]



admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ScheduledJobAdmin(PeriodicTaskAdmin):
    """The shop's scheduled jobs. The manager switches them on and off, changes when they
    run and runs them now; which task runs, with which arguments, is the superuser's: a
    task name and arguments typed here would run any code path without its checks."""

    job_fieldsets = [
        (None, {"fields": ["name", "task", "enabled", "description"]}),
        ("运行时间", {"fields": ["interval", "crontab", "crontab_translation", "solar", "clocked", "start_time", "last_run_at"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        return super().get_fieldsets(request, obj) if request.user.is_superuser else self.job_fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, "name", "task"]

    def get_form(self, request, obj=None, **kwargs):
        if not request.user.is_superuser:
            kwargs["form"] = forms.ModelForm  # beat's own form insists on a task field
        return super().get_form(request, obj, **kwargs)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
