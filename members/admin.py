"""Operator accounts, groups and login locks (superusers only), and the profile fields
members fill in."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminTextareaWidget

from config.admin_tools import ReadOnlyAdmin
from config.money import format_yuan
from members.models import BalanceEntry, OperatorAccount, PointsEntry, ProfileAttribute


class SuperuserOnly:
    """Accounts and permissions: whatever the groups say, only superusers."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(OperatorAccount)
class OperatorAccountAdmin(SuperuserOnly, UserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "nickname", "job_groups", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "groups"]
    search_fields = ["username", "nickname", "email"]
    ordering = ["username"]
    # A handful of job groups: ticked, not moved between two boxes (which overflow a 1280 px screen).
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password", "nickname", "email"]}),
        ("岗位与权限", {"fields": ["is_active", "groups", "is_superuser"], "description": "按岗位加入运营组即可获得相应权限；超级管理员拥有全部权限，请谨慎授予。"}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2", "groups"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=True).prefetch_related("groups")

    def save_model(self, request, obj, form, change):
        obj.is_staff = True  # an operator account is staff by definition
        super().save_model(request, obj, form, change)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = UnfoldAdminCheckboxSelectMultipleWidget
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="运营组")
    def job_groups(self, account):
        return "、".join(group.name for group in account.groups.all()) or "—"


admin.site.unregister(Group)


@admin.register(Group)
class OperatorGroupAdmin(SuperuserOnly, GroupAdmin, ModelAdmin):
    """The job groups are kept in code (members/services/operator_groups.py) and re-synced
    on migrate, so this page is for reading them: a plain list of permissions, not the two
    moving boxes (which overflow a 1280 px screen)."""

    filter_horizontal = ()


# Login locks (django-axes) in the back office's look; no group holds their permissions,
# so only superusers see them, as before.
for record_model in (AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(record_model)


@admin.register(AccessAttempt)
class LoginLockAdmin(AccessAttemptAdmin, ModelAdmin):
    pass


@admin.register(AccessLog)
class LoginLogAdmin(AccessLogAdmin, ModelAdmin):
    pass


@admin.register(AccessFailureLog)
class LoginFailureAdmin(AccessFailureLogAdmin, ModelAdmin):
    pass


class ChoicesField(forms.CharField):
    """Options typed one per line or comma-separated, kept as a list."""

    widget = UnfoldAdminTextareaWidget(attrs={"rows": 2, "placeholder": "干性, 油性, 混合, 敏感"})

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value):
        text = (super().clean(value) or "").replace("，", ",").replace("\n", ",")
        options = [option.strip() for option in text.split(",") if option.strip()]
        if len(set(options)) != len(options):
            raise forms.ValidationError("选项有重复")
        return options


class ProfileAttributeForm(forms.ModelForm):
    choices = ChoicesField(label="可选值", required=False, help_text="单选类型的选项，用逗号分隔")

    class Meta:
        model = ProfileAttribute
        fields = "__all__"


@admin.register(ProfileAttribute)
class ProfileAttributeAdmin(ModelAdmin):
    form = ProfileAttributeForm
    list_display = ["label", "key", "kind", "choice_list", "unit", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["kind", "is_active"]
    search_fields = ["label", "key"]

    @admin.display(description="可选值")
    def choice_list(self, attribute):
        return "、".join(attribute.choices) or "—"


@admin.register(BalanceEntry)
class BalanceEntryAdmin(ReadOnlyAdmin):
    """Every movement of members' store balance: read only, like all money history."""

    list_display = ["created_at", "member", "kind", "amount_yuan", "balance_after_yuan", "source_key", "note"]
    list_filter = ["kind", "created_at"]
    search_fields = ["member__nickname", "=member__phone", "source_key"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount_yuan(self, entry):
        return format_yuan(entry.amount_fen)

    @admin.display(description="变动后余额（元）")
    def balance_after_yuan(self, entry):
        return format_yuan(entry.balance_after_fen)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    """Every movement of members' points (check-ins, make-ups, spins, shopping, refunds):
    read only; the points on a member are their sum."""

    list_display = ["created_at", "member", "reason", "amount", "balance_after", "source_key", "note"]
    list_filter = ["reason", "created_at"]
    search_fields = ["member__nickname", "=member__phone", "source_key"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"
