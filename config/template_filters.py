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
