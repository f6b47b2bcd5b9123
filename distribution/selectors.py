"""Reads for sharers and operators."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from distribution.models import (
    Account,
    Commission,
    DistributionSettings,
    Distributor,
    DistributorStatus,
    Eligibility,
    Referral,
)
from mall.models import Order


def member_is_distributor(*, member, settings: DistributionSettings | None = None) -> bool:
    """Active distributors, and in "everyone" mode every member nobody revoked."""
    if member is None or not member.is_authenticated or not member.is_active:
        return False
    settings = settings or DistributionSettings.get_solo()
    if not settings.enabled:
        return False
    status = Distributor.objects.filter(member=member).values_list("status", flat=True).first()
    if status is not None:
        return status == DistributorStatus.ACTIVE
    return settings.eligibility == Eligibility.EVERYONE


def active_distributor_ids(member_ids: set[int], settings: DistributionSettings) -> set[int]:
    """Which of these members may earn commission now (one query)."""
    if not settings.enabled or not member_ids:
        return set()
    statuses = dict(Distributor.objects.filter(member_id__in=member_ids).values_list("member_id", "status"))
    everyone = settings.eligibility == Eligibility.EVERYONE
    return {pk for pk in member_ids if statuses.get(pk) == DistributorStatus.ACTIVE or (pk not in statuses and everyone)}


def _spend(orders) -> int:
    """What these orders were paid, less what went back."""
    return orders.filter(paid_at__isnull=False).aggregate(total=Sum(F("pay_fen") - F("refunded_fen")))["total"] or 0


def member_paid_spend(*, member) -> int:
    return _spend(Order.objects.filter(member=member))


def team_paid_spend(*, member) -> int:
    """What the sharer's current level-1 team has spent."""
    return _spend(Order.objects.filter(member__in=team(member=member, level=1)))


def live_bindings(prefix: str = "") -> Q:
    """Bindings that have not lapsed (permanent ones have no expiry)."""
    return Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": timezone.now()})


def balances(*, member) -> dict[str, int]:
    account = Account.objects.filter(member=member).values("frozen_fen", "available_fen", "withdrawing_fen", "withdrawn_fen").first()
    return account or dict.fromkeys(("frozen_fen", "available_fen", "withdrawing_fen", "withdrawn_fen"), 0)


def referrer_of(*, member):
    referral = Referral.objects.filter(member=member).select_related("referrer").first()
    if referral is None or (referral.expires_at is not None and referral.expires_at <= timezone.now()):
        return None
    return referral.referrer


def team(*, member, level: int) -> QuerySet:
    """Members I referred (level 1), or whom they referred (level 2), by live bindings."""
    members = get_user_model().objects.filter(is_active=True).filter(live_bindings("referral__"))
    if level == 1:
        return members.filter(referral__referrer=member).order_by("-referral__bound_at")
    return members.filter(live_bindings("referral__referrer__referral__"), referral__referrer__referral__referrer=member).order_by(
        "-referral__bound_at"
    )


def team_counts(*, member) -> tuple[int, int]:
    return team(member=member, level=1).count(), team(member=member, level=2).count()


def member_commissions(*, member, status: str | None = None) -> QuerySet[Commission]:
    commissions = Commission.objects.filter(beneficiary=member).select_related("order")
    return commissions.filter(status=status) if status else commissions


def sharer_summary(*, member) -> dict:
    """What the sharer center shows: my code and links, who brought me, my team, my money."""
    referrer = referrer_of(member=member)
    level1, level2 = team_counts(member=member)
    application = getattr(getattr(member, "distributor", None), "status", None)
    return {
        "is_distributor": member_is_distributor(member=member),
        "referral_code": member.referral_code,
        "share_url": f"{settings.SITE_URL}/?ref={member.referral_code}",
        "poster_url": f"{settings.SITE_URL}/api/v1/distribution/poster",
        "referrer": {"nickname": referrer.display_name} if referrer else None,
        "team_level1": level1,
        "team_level2": level2,
        **balances(member=member),
        "application_status": application if application != DistributorStatus.ACTIVE else None,
    }


def sharers_earning_without_row(*, limit: int = 50) -> tuple[int, list[Account]]:
    """In "everyone" mode members earn without a Distributor row (rows come only from
    applications, appointments, grades and revocations): the operators' distributor list
    shows these beside it. (how many, the top `limit` by commission earned)."""
    earners = (
        Account.objects.filter(member__distributor__isnull=True)
        .annotate(earned_fen=F("frozen_fen") + F("available_fen") + F("withdrawing_fen") + F("withdrawn_fen"))
        .filter(earned_fen__gt=0)
    )
    return earners.count(), list(earners.select_related("member").order_by("-earned_fen", "member_id")[:limit])
