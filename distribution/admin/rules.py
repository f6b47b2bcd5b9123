from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Count
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminDecimalFieldWidget

from config.admin_tools import SettingsAdmin, YuanField
from config.money import format_percent, format_yuan
from distribution.models import DistributionSettings, Grade, PayoutChannel


class RateField(forms.DecimalField):
    """Operators type a percentage ("10" or "12.5"); the model keeps basis points."""

    widget = UnfoldAdminDecimalFieldWidget

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), **kwargs)

    def prepare_value(self, value):
        return format_percent(value) if isinstance(value, int) else value

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else int(percent * 100)

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != initial
        except forms.ValidationError:
            return True


class SettingsForm(forms.ModelForm):
    level1_rate_bp = RateField(label="一级佣金比例（%）")
    level2_rate_bp = RateField(label="二级佣金比例（%）")
    withdrawal_fee_bp = RateField(label="提现手续费（%）", help_text="提现到商城余额不收手续费")
    spend_threshold_fen = YuanField(label="自动成为分销员的累计消费（元）")
    withdrawal_min_fen = YuanField(label="单次最低提现（元）")
    withdrawal_max_fen = YuanField(label="单次最高提现（元）")
    channels = forms.MultipleChoiceField(label="可用提现方式", choices=PayoutChannel.choices, widget=UnfoldAdminCheckboxSelectMultipleWidget)

    class Meta:
        model = DistributionSettings
        fields = "__all__"


@admin.register(DistributionSettings)
class DistributionSettingsAdmin(SettingsAdmin):
    form = SettingsForm
    fieldsets = [
        ("总开关", {"fields": ["enabled"]}),
        ("分销员资格", {"fields": ["eligibility", "spend_threshold_fen"]}),
        ("客户绑定", {"fields": ["binding_scope", "binding_validity", "binding_days", "protection_days"]}),
        ("佣金", {"fields": ["levels", "level1_rate_bp", "level2_rate_bp", "self_purchase", "extra_freeze_days"]}),
        ("提现", {"fields": ["withdrawal_min_fen", "withdrawal_max_fen", "withdrawal_fee_bp", "channels"]}),
    ]



class GradeForm(forms.ModelForm):
    level1_rate_bp = RateField(label="一级佣金比例（%）")
    level2_rate_bp = RateField(label="二级佣金比例（%）")
    min_own_spend_fen = YuanField(label="自购金额达到（元）")
    min_team_spend_fen = YuanField(label="团队消费达到（元）")

    class Meta:
        model = Grade
        fields = "__all__"


@admin.register(Grade)
class GradeAdmin(ModelAdmin):
    form = GradeForm
    list_display = ["rank", "name", "rates", "min_team_size", "conditions", "distributor_count"]
    list_display_links = ["rank", "name"]

    @admin.display(description="佣金比例")
    def rates(self, grade):
        return f"{format_percent(grade.level1_rate_bp)}% / {format_percent(grade.level2_rate_bp)}%"

    @admin.display(description="消费条件（元）")
    def conditions(self, grade):
        return f"自购 ≥ ¥{format_yuan(grade.min_own_spend_fen)}，团队 ≥ ¥{format_yuan(grade.min_team_spend_fen)}"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("distributors"))

    @admin.display(description="分销员数", ordering="members")
    def distributor_count(self, grade):
        return grade.members
