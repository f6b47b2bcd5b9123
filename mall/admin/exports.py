"""The CSV and Excel exports of the order and refund lists, with their item rows' own
relations fetched up front: an item row names its SKU's 货号 (or the order line it returns),
and a thousand rows must not cost a thousand queries."""

from functools import wraps

from django.db.models import Prefetch

from config.admin_tools import export_csv, export_xlsx


def exports_prefetching(*lookups: Prefetch) -> list:
    """export_csv and export_xlsx, each handed the queryset with `lookups` prefetched (a
    Prefetch of the ModelAdmin's `export_lines` relation replaces the plain one the export
    adds, so the related rows come with what their columns read)."""

    def prefetching(action):
        @wraps(action)
        def export(modeladmin, request, queryset):
            return action(modeladmin, request, queryset.prefetch_related(*lookups))

        return export

    return [prefetching(export_csv), prefetching(export_xlsx)]


def spec_text(spec: dict | None) -> str:
    """A line's spec as the exports write it: 「颜色:红 / 尺码:M」, names kept (a sheet has no
    product page beside it to say which value is which)."""
    return " / ".join(f"{name}:{value}" for name, value in (spec or {}).items())
