"""Filters every template has without {% load %} (TEMPLATES builtins in settings)."""

from django import template
from django.utils.safestring import mark_safe

from config.money import format_percent, format_yuan
from config.rich_text import clean_rich_text

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return format_yuan(fen)


@register.filter
def sub_fen(a, b) -> int:
    return int(a) - int(b)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def bp(basis_points) -> str:
    """1000 -> "10%", 1250 -> "12.5%": commission rates are kept in basis points."""
    return f"{format_percent(basis_points)}%"


@register.filter
def rich_text(html) -> str:
    """Operator-written HTML, cleaned (config/rich_text.py) and then trusted."""
    return mark_safe(clean_rich_text(str(html or "")))  # noqa: S308 — nh3 just removed everything unsafe
