"""Who may share for commission: the operator's eligibility mode, applications,
appointments, revocation, and grades that rise with team size and spend."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import InvalidStatus
from config.money import format_yuan
from distribution.errors import DistributionOff
from distribution.models import DistributionSettings, Distributor, DistributorStatus, Eligibility, Grade
from distribution.selectors import active_distributor_ids, member_paid_spend, team, team_paid_spend


@transaction.atomic
def distributor_apply(*, member) -> Distributor:
    """Become a distributor, or a pending application, per the operator's mode."""
    settings = DistributionSettings.get_solo()
    if not settings.enabled:
        raise DistributionOff()
    distributor, created = Distributor.objects.select_for_update().get_or_create(
        member=member, defaults={"status": DistributorStatus.PENDING, "applied_at": timezone.now()}
    )
    if distributor.status == DistributorStatus.ACTIVE:
        return distributor
    if distributor.status == DistributorStatus.REVOKED:
        raise InvalidStatus("您的分销资格已被取消，请联系客服")
    if settings.eligibility == Eligibility.APPOINTED:
        raise InvalidStatus("分销员由店铺指定，暂不开放申请")
    if settings.eligibility == Eligibility.SPEND and _own_spend(member) < settings.spend_threshold_fen:
        raise InvalidStatus(f"累计消费满 {format_yuan(settings.spend_threshold_fen)} 元即可成为分销员")
    active = settings.eligibility in (Eligibility.EVERYONE, Eligibility.SPEND)
    distributor.status = DistributorStatus.ACTIVE if active else DistributorStatus.PENDING
    distributor.applied_at = distributor.applied_at or timezone.now()
    if active:
        distributor.reviewed_at = timezone.now()
    distributor.save()
    return distributor


def _own_spend(member) -> int:
    return member_paid_spend(member=member)


def distributor_review(*, distributor: Distributor, approve: bool, by) -> Distributor:
    """Approve or reject an application (or appoint / revoke an existing distributor)."""
    target = DistributorStatus.ACTIVE if approve else DistributorStatus.REJECTED
    allowed = [DistributorStatus.PENDING] if not approve else [DistributorStatus.PENDING, DistributorStatus.REJECTED, DistributorStatus.REVOKED]
    updated = Distributor.objects.filter(pk=distributor.pk, status__in=allowed).update(
        status=target, reviewed_at=timezone.now(), reviewed_by=by
    )
    if not updated:
        raise InvalidStatus("该分销员状态已变化")
    distributor.refresh_from_db()
    return distributor


def distributor_appoint(*, member, by) -> Distributor:
    distributor, _ = Distributor.objects.get_or_create(member=member, defaults={"status": DistributorStatus.PENDING})
    if distributor.status != DistributorStatus.ACTIVE:
        distributor = distributor_review(distributor=distributor, approve=True, by=by)
    return distributor


def distributor_revoke(*, distributor: Distributor, by) -> Distributor:
    """Revoked: no new commission, no new customers, and (as for any non-distributor)
    no withdrawals. The balance stays on the books; restoring the status frees it."""
    Distributor.objects.filter(pk=distributor.pk).update(status=DistributorStatus.REVOKED, reviewed_at=timezone.now(), reviewed_by=by)
    distributor.refresh_from_db()
    return distributor


def distributor_promote_by_spend(*, member) -> None:
    """Spend mode: crossing the threshold makes a member a distributor by itself."""
    settings = DistributionSettings.get_solo()
    if settings.eligibility != Eligibility.SPEND or not settings.enabled:
        return
    if _own_spend(member) >= settings.spend_threshold_fen:
        Distributor.objects.get_or_create(member=member, defaults={"status": DistributorStatus.ACTIVE, "reviewed_at": timezone.now()})
        Distributor.objects.filter(member=member, status=DistributorStatus.PENDING).update(status=DistributorStatus.ACTIVE)


def distributors_upgrade(*, member_ids: set[int]) -> int:
    """Raise each active distributor to the highest grade whose conditions they meet now
    (team size and spend read live; grades only ever rise)."""
    grades = list(Grade.objects.order_by("-rank"))
    if not grades:
        return 0
    settings = DistributionSettings.get_solo()
    upgraded = 0
    for member in get_user_model().objects.filter(pk__in=active_distributor_ids(set(member_ids), settings)):
        current = Distributor.objects.filter(member=member, grade__isnull=False).values_list("grade__rank", flat=True).first()
        candidates = [grade for grade in grades if current is None or grade.rank > current]
        if not candidates:
            continue
        size, team_spend, own_spend = team(member=member, level=1).count(), team_paid_spend(member=member), member_paid_spend(member=member)
        earned = next((g for g in candidates if size >= g.min_team_size and own_spend >= g.min_own_spend_fen and team_spend >= g.min_team_spend_fen), None)
        if earned is None:
            continue
        # In "everyone" mode a sharer may have no row yet: the first grade creates it.
        distributor, _ = Distributor.objects.get_or_create(member=member, defaults={"status": DistributorStatus.ACTIVE})
        upgraded += Distributor.objects.filter(pk=distributor.pk).filter(Q(grade__isnull=True) | Q(grade__rank__lt=earned.rank)).update(grade=earned)
    return upgraded


def member_by_code(code: str):
    return get_user_model().objects.filter(referral_code=code.strip().upper()[:16], is_active=True).first() if code else None
