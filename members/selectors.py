"""Reads about members."""

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from members.models import BalanceEntry, Member, PointsEntry, ProfileAttribute


def active_attributes() -> dict[str, ProfileAttribute]:
    """The profile fields the shop asks about now, by key (retired ones are kept, not asked)."""
    return {attribute.key: attribute for attribute in ProfileAttribute.objects.filter(is_active=True)}


def balance_differences() -> list[tuple[int, int, int]]:
    """(member id, balance on the member, sum of their ledger) wherever the two differ."""
    return _differences(BalanceEntry, "amount_fen", "balance_fen")


def points_differences() -> list[tuple[int, int, int]]:
    """(member id, points on the member, sum of their points ledger) wherever the two differ."""
    return _differences(PointsEntry, "amount", "points")


def _differences(entries, amount: str, total: str) -> list[tuple[int, int, int]]:
    booked = entries.objects.filter(member=OuterRef("pk")).order_by().values("member").annotate(total=Sum(amount)).values("total")
    rows = Member.objects.annotate(booked=Coalesce(Subquery(booked), 0)).exclude(**{total: F("booked")})
    return list(rows.order_by("pk").values_list("pk", total, "booked"))
