"""Admin building blocks every app uses: the unfold bases, export, yuan input for fen
columns, thumbnails, and the confirmation page in front of every money action."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import wraps

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from openpyxl import Workbook
from solo.admin import SingletonModelAdmin
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminDecimalFieldWidget

from config.exports import safe_cell
from config.money import format_yuan

# ModelAdmins that offer export declare `export_fields = [(header, attribute or callable), ...]`.
# They may add `export_lines = (relation, [(header, getter), ...])`: then the export has one
# row per related row (an order's lines), the object's own columns repeated on each, which
# is what an operator pastes into a warehouse sheet. The relation is prefetched, so the
# number of queries does not grow with the number of rows.
ExportField = tuple[str, str | Callable]


def _value(obj, getter):
    value = getter(obj) if callable(getter) else obj
    if not callable(getter):
        for part in getter.split("__"):
            value = getattr(value, part, "") if value is not None else ""
    return safe_cell(value)


def _rows(modeladmin, queryset) -> Iterable[list]:
    fields = modeladmin.export_fields
    relation, line_fields = getattr(modeladmin, "export_lines", None) or (None, [])
    yield [safe_cell(header) for header, _ in (*fields, *line_fields)]
    if relation:
        queryset = queryset.prefetch_related(relation)
    for obj in queryset.iterator(chunk_size=2000):
        own = [_value(obj, getter) for _, getter in fields]
        lines = list(getattr(obj, relation).all()) if relation else []
        if not lines:
            yield own + [""] * len(line_fields)
        for line in lines:
            yield own + [_value(line, getter) for _, getter in line_fields]


def _filename(modeladmin, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{modeladmin.model._meta.model_name}-{stamp}.{extension}"


class _Echo:
    def write(self, value):
        return value


@admin.action(description="导出所选为 CSV")
def export_csv(modeladmin, request, queryset):
    writer = csv.writer(_Echo())
    # The BOM makes Excel open the file as UTF-8, so Chinese reads correctly.
    lines = (writer.writerow(row) for row in _rows(modeladmin, queryset))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "csv")}"'
    return response


def _with_bom(lines):
    yield "\ufeff"
    yield from lines


@admin.action(description="导出所选为 Excel")
def export_xlsx(modeladmin, request, queryset):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(modeladmin.model._meta.verbose_name_plural))
    for row in _rows(modeladmin, queryset):
        sheet.append(row)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "xlsx")}"'
    workbook.save(response)
    return response


def exports_needing(permission: str) -> list:
    """The CSV and Excel exports, offered only to who holds `permission` (say, "export"
    for a list of people's phone numbers) instead of to everyone who may view the list."""

    def guarded(action):
        @wraps(action)
        def guarded_action(modeladmin, request, queryset):
            return action(modeladmin, request, queryset)

        guarded_action.allowed_permissions = (permission,)
        return guarded_action

    return [guarded(export_csv), guarded(export_xlsx)]


class YuanField(forms.DecimalField):
    """Operators type yuan ("12.5"); the model keeps integer fen (1250)."""

    widget = UnfoldAdminDecimalFieldWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("10000000"))
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_yuan(value)
        return value

    def clean(self, value):
        yuan = super().clean(value)
        if yuan is None:
            return None
        try:
            return int((yuan * 100).to_integral_exact())
        except InvalidOperation as exc:
            raise ValidationError("金额最多两位小数") from exc

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != initial
        except ValidationError:
            return True


def short_time(value) -> str:
    """A moment as list columns show it: local time to the minute, on one line."""
    return format_html('<span class="whitespace-nowrap">{}</span>', timezone.localtime(value).strftime("%Y-%m-%d %H:%M")) if value else "—"


def thumbnail(url: str, size: int = 48):
    if not url:
        return "—"
    return format_html('<img src="{}" width="{}" height="{}" style="object-fit:cover;border-radius:6px">', url, size, size)


class ReadOnlyAdmin(ModelAdmin):
    """History nobody edits by hand (money movements, messages sent, events received)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SettingsAdmin(SingletonModelAdmin, ModelAdmin):
    """An operator settings singleton (django-solo) in the back office's look: the list
    page goes straight to the one object; unfold's own change form, not solo's."""

    change_form_template = None
    object_history_template = None


class DashboardAdmin(ModelAdmin):
    """A page of figures in the sidebar instead of a list: its proxy model's view
    permission opens it, ?days= picks the period. Subclasses name the title and template
    and give the figures."""

    PERIODS = [(7, "近 7 天"), (30, "近 30 天"), (90, "近 90 天")]
    dashboard_title = ""
    dashboard_template = ""
    dashboard_figures: Callable[..., dict]  # (days=…) → the template's figures; a staticmethod of the subclass

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(f"{self.opts.app_label}.view_{self.opts.model_name}")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        choices = {str(value) for value, _ in self.PERIODS}
        days = int(request.GET["days"]) if request.GET.get("days") in choices else 30
        context = {
            **self.admin_site.each_context(request), "title": self.dashboard_title, "opts": self.opts, "periods": self.PERIODS,
            "days": days, **self.dashboard_figures(days=days),
        }
        return TemplateResponse(request, self.dashboard_template, context)


# --- Money actions: a confirmation page first ------------------------------------------


@dataclass(frozen=True)
class MoneyLine:
    """One row of a money confirmation: the object, what identifies it to an operator
    (number, member …, in the order of the page's headers), and the amount that moves."""

    pk: int
    cells: tuple
    amount_fen: int


def money_confirmation(modeladmin, request, *, action: str, title: str, intro: str, headers: list[str],
                       lines: list[MoneyLine], total_label: str, button: str, amount_header: str = "金额（元）",
                       skipped: int = 0, form=None):
    """The page between choosing a money action and doing it: every selected item with
    its amount, the total, and a confirm button that posts the action again with `apply`
    (and only the items shown). Nothing changes until that second post."""
    opts = modeladmin.model._meta
    table = {"headers": [*headers, amount_header], "rows": [[*line.cells, format_yuan(line.amount_fen)] for line in lines]}
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "action": action,
        "intro": intro,
        "table": table,
        "lines": lines,
        "total_label": total_label,
        "total_fen": sum(line.amount_fen for line in lines),
        "skipped": skipped,
        "form": form,
        "button": button,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/money_confirmation.html", context)
