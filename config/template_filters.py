"""Filters every template has without {% load %} (TEMPLATES builtins in settings)."""

from django import template

from config.money import format_yuan

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
    return f"{int(basis_points) / 100:g}%"
