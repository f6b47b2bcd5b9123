"""Binding a shopper to the sharer who brought them, under the operator's rules:
who can be bound, for how long, the protection period, no self-binding, no cycles."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from distribution.errors import BindingRefused
from distribution.models import (
    REFERRAL_BOUND,
    BindingScope,
    BindingValidity,
    DistributionSettings,
    Referral,
    ReferralChange,
)
from distribution.selectors import member_is_distributor
from distribution.services.distributors import member_by_code
from outbox.services import publish

# Binding changes are rare and their rule (no cycles) spans many rows; one advisory lock
# serialises them all on PostgreSQL. SQLite serialises writers anyway.
BINDING_LOCK = 7_205_301


def _lock_graph() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BINDING_LOCK])


def current_referrer_id(member_id: int, now=None) -> int | None:
    now = now or timezone.now()
    referral = Referral.objects.filter(member_id=member_id).values("referrer_id", "expires_at").first()
    if referral is None or (referral["expires_at"] is not None and referral["expires_at"] <= now):
        return None
    return referral["referrer_id"]


def _ancestors(member_id: int, limit: int = 1000) -> set[int]:
    """Every member above this one in the referral tree (walks all links, not just two)."""
    found, current = set(), member_id
    while current is not None and len(found) < limit:
        current = Referral.objects.filter(member_id=current).values_list("referrer_id", flat=True).first()
        if current is None or current in found:
            break
        found.add(current)
    return found


def binding_apply(*, member, code: str, source: str = Referral.Source.LINK) -> bool:
    """Bind `member` to the sharer with referral code `code`, if the rules allow.
    Returns whether the binding changed; a link that may not bind is simply ignored."""
    referrer = member_by_code(code)
    if referrer is None or referrer.pk == member.pk:
        return False
    settings = DistributionSettings.get_solo()
    if not settings.enabled or not member_is_distributor(member=referrer, settings=settings):
        return False
    try:
        return _bind(member=member, referrer=referrer, source=source, settings=settings, actor=None, reason="")
    except BindingRefused:
        return False


def binding_set(*, member, referrer, by, reason: str) -> None:
    """The operator rebinds (or unbinds, with referrer None) by hand, with an audit row.
    Only the hard rules apply: no self-binding, no cycles."""
    with transaction.atomic():
        _lock_graph()
        if referrer is None:
            old = Referral.objects.filter(member=member).first()
            if old is not None:
                old.delete()
                ReferralChange.objects.create(member=member, old_referrer_id=old.referrer_id, source=Referral.Source.OPERATOR, actor=by, reason=reason)
            return
        _bind(member=member, referrer=referrer, source=Referral.Source.OPERATOR, settings=None, actor=by, reason=reason)


@transaction.atomic
def _bind(*, member, referrer, source, settings: DistributionSettings | None, actor, reason: str) -> bool:
    _lock_graph()
    if referrer.pk == member.pk:
        raise BindingRefused("不能绑定自己为推荐人")
    if member.pk in _ancestors(referrer.pk):
        raise BindingRefused("不能绑定到自己的下级名下")
    now = timezone.now()
    existing = Referral.objects.select_for_update().filter(member=member).first()
    lapsed = existing is not None and existing.expires_at is not None and existing.expires_at <= now
    if existing is not None and existing.referrer_id == referrer.pk and not lapsed and settings is not None:
        return False  # already theirs (a renewal only once it lapsed)
    if settings is not None and not _may_rebind(existing, lapsed, member, settings, now):
        return False

    expires_at = protected_until = None
    if settings is not None:
        if settings.binding_validity == BindingValidity.DAYS:
            expires_at = now + timedelta(days=settings.binding_days)
        if settings.protection_days:
            protected_until = now + timedelta(days=settings.protection_days)
    old_referrer_id = existing.referrer_id if existing else None
    Referral.objects.update_or_create(
        member=member,
        defaults={"referrer": referrer, "source": source, "bound_at": now, "expires_at": expires_at, "protected_until": protected_until},
    )
    ReferralChange.objects.create(
        member=member, old_referrer_id=old_referrer_id, new_referrer=referrer, source=source, actor=actor, reason=reason
    )
    # A new customer can lift the sharer to a higher grade (team size).
    publish(REFERRAL_BOUND, member_id=member.pk, referrer_id=referrer.pk)
    return True


def _may_rebind(existing: Referral | None, lapsed: bool, member, settings: DistributionSettings, now) -> bool:
    if settings.binding_scope == BindingScope.NEW_MEMBERS and _has_ordered(member):
        return False  # only shoppers who never ordered can be brought by someone
    if existing is None or lapsed:
        return True  # nobody holds this customer (any longer): protection ends with the binding
    if existing.protected_until and existing.protected_until > now:
        return False
    return settings.binding_validity == BindingValidity.LATEST


def _has_ordered(member) -> bool:
    return member.orders.exists()


def referral_chain(*, buyer, settings: DistributionSettings) -> tuple[int | None, int | None]:
    """Who earns from this buyer's order now: (level 1, level 2) member ids."""
    now = timezone.now()
    first = buyer.pk if settings.self_purchase and member_is_distributor(member=buyer, settings=settings) else current_referrer_id(buyer.pk, now)
    second = current_referrer_id(first, now) if first is not None and settings.levels >= 2 else None
    return first, second
