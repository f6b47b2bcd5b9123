from django import forms
from django.contrib import admin
from django.utils import timezone
from django_celery_beat.admin import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    PeriodicTaskAdmin,
    PeriodicTaskForm,
    TaskSelectWidget,
)
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from config.admin_tools import SettingsAdmin, YuanField, short_time
from mall.models import ShopSettings


class ShopSettingsForm(forms.ModelForm):
    shipping_fee_fen = YuanField(label="运费（元）")
    free_shipping_threshold_fen = YuanField(label="包邮门槛（元）", required=False, help_text="商品金额达到此数包邮；留空表示从不包邮")

    class Meta:
        model = ShopSettings
        fields = "__all__"


@admin.register(ShopSettings)
class ShopSettingsAdmin(SettingsAdmin):
    """One settings object: the list page goes straight to it."""

    form = ShopSettingsForm
    fieldsets = [
        ("店铺", {"fields": ["shop_name", "service_phone"]}),
        ("运费", {"fields": ["shipping_fee_fen", "free_shipping_threshold_fen"]}),
        ("订单时限", {"fields": ["payment_window_minutes", "max_unpaid_orders", "auto_complete_days", "after_sales_days"]}),
        ("服务消息（公众号模板消息）", {"fields": ["paid_template_id", "shipped_template_id", "refunded_template_id"]}),
    ]


# --- Scheduled jobs (django-celery-beat), in the operators' words ----------------------

SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
WEEKDAYS = "日一二三四五六日"


def interval_in_words(interval: IntervalSchedule) -> str:
    seconds = interval.every * SECONDS.get(interval.period, 0)
    if not seconds:
        return f"每 {interval.every} {interval.get_period_display()}"
    for unit, size, one in (("天", 86400, "每天"), ("小时", 3600, "每小时"), ("分钟", 60, None), ("秒", 1, None)):
        if seconds % size == 0:
            count = seconds // size
            return one if count == 1 and one else f"每 {count} {unit}"
    return ""  # unreachable: every whole number of seconds divides by 1


def crontab_in_words(crontab: CrontabSchedule) -> str:
    minute, hour, day, month, weekday = crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week
    at = f"{int(hour):02d}:{int(minute):02d}" if minute.isdigit() and hour.isdigit() else None
    if at and day == month == "*":
        if weekday == "*":
            return f"每天 {at}"
        if weekday.isdigit():
            return f"每周{WEEKDAYS[int(weekday) % 8]} {at}"
    if at and day.isdigit() and month == weekday == "*":
        return f"每月 {day} 日 {at}"
    if minute.startswith("*/") and hour == day == month == weekday == "*":
        return f"每 {minute[2:]} 分钟"
    if minute.isdigit() and hour == day == month == weekday == "*":
        return f"每小时第 {minute} 分"
    return f"Cron：{minute} {hour} {day} {month} {weekday}"


def schedule_in_words(job: PeriodicTask) -> str:
    if job.interval_id:
        words = interval_in_words(job.interval)
    elif job.crontab_id:
        words = crontab_in_words(job.crontab)
    elif job.solar_id:
        words = f"每天{job.solar.get_event_display()}"
    elif job.clocked_id:
        words = f"{timezone.localtime(job.clocked.clocked_time):%Y-%m-%d %H:%M}"
    else:
        words = "—"
    return f"{words}（仅一次）" if job.one_off else words


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, TaskSelectWidget):
    pass


class JobForm(PeriodicTaskForm):
    """Beat's own form (the superuser's: task and arguments) with the back office's widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ScheduledJobAdmin(PeriodicTaskAdmin, ModelAdmin):
    """The shop's scheduled jobs. The manager switches them on and off, changes when they
    run and runs them now; which task runs, with which arguments, is the superuser's: a
    task name and arguments typed here would run any code path without its checks."""

    form = JobForm
    list_display = ["name", "enabled_label", "schedule", "last_run", "total_run_count"]
    list_filter = ["enabled", "one_off"]
    date_hierarchy = None
    job_fieldsets = [
        (None, {"fields": ["name", "task", "enabled", "description"]}),
        ("运行时间", {"fields": ["interval", "crontab", "crontab_translation", "solar", "clocked", "start_time", "last_run_at"]}),
    ]
    # Beat's own fieldsets, titled in Chinese: the superuser also chooses the task and its arguments.
    fieldsets = [
        (None, {"fields": ["name", "regtask", "task", "enabled", "description"]}),
        ("运行时间", {"fields": ["interval", "crontab", "crontab_translation", "solar", "clocked", "start_time", "last_run_at", "one_off"]}),
        ("参数", {"fields": ["args", "kwargs"], "classes": ["collapse"]}),
        ("执行选项", {"fields": ["expires", "expire_seconds", "queue", "exchange", "routing_key", "priority", "headers"], "classes": ["collapse"]}),
    ]

    @display(description="状态", ordering="enabled", label={True: "success", False: "danger"})
    def enabled_label(self, job):
        return job.enabled, "启用" if job.enabled else "停用"

    @admin.display(description="运行频率")
    def schedule(self, job):
        return schedule_in_words(job)

    @admin.display(description="上次运行", ordering="last_run_at")
    def last_run(self, job):
        return short_time(job.last_run_at) if job.last_run_at else "从未"

    @admin.display(description="Cron 含义")
    def crontab_translation(self, job):
        return crontab_in_words(job.crontab) if job.crontab_id else "—"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Beat's own view says what each crontab means in English; the page says it in ours.
        readable = {crontab.pk: crontab_in_words(crontab) for crontab in CrontabSchedule.objects.all()}
        return ModelAdmin.changeform_view(self, request, object_id, form_url, {**(extra_context or {}), "readable_crontabs": readable})

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


class JobsOnScheduleInline(TabularInline):
    model = PeriodicTask
    fields = ["name", "task", "enabled"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = True
    verbose_name = verbose_name_plural = "按此计划运行的任务"

    def has_add_permission(self, request, obj=None):
        return False


for schedule_model in (IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(schedule_model)


@admin.register(IntervalSchedule)
class IntervalAdmin(ModelAdmin):
    list_display = ["words", "every", "period"]
    inlines = [JobsOnScheduleInline]

    @admin.display(description="含义")
    def words(self, interval):
        return interval_in_words(interval)


@admin.register(CrontabSchedule)
class CronAdmin(CrontabScheduleAdmin, ModelAdmin):
    list_display = ["words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week"]
    inlines = [JobsOnScheduleInline]

    @admin.display(description="含义")
    def words(self, crontab):
        return crontab_in_words(crontab)


@admin.register(SolarSchedule)
class SolarAdmin(ModelAdmin):
    list_display = ["event", "latitude", "longitude"]
    inlines = [JobsOnScheduleInline]


@admin.register(ClockedSchedule)
class ClockedAdmin(ClockedScheduleAdmin, ModelAdmin):
    inlines = [JobsOnScheduleInline]
