"""Reads about members."""

from members.models import ProfileAttribute


def active_attributes() -> dict[str, ProfileAttribute]:
    """The profile fields the shop asks about now, by key (retired ones are kept, not asked)."""
    return {attribute.key: attribute for attribute in ProfileAttribute.objects.filter(is_active=True)}
