"""The lucky wheel (大转盘): a spin — quotas, points cost, the draw, the prize's stock and
its delivery, all in one transaction — and a physical prize's way to the winner.

Every limit is held by the database, never by reading and then writing: the quotas are
counter rows moved by guarded UPDATEs (`count < limit`), a prize's stock is
`given < stock` in the UPDATE that takes it, the points cost is the ledger's guarded
UPDATE. However many spins arrive at once, no quota is overrun and no stock goes below
zero; a spin that lands on a prize that ran out gets the consolation slot instead.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from campaigns.errors import CampaignNotActive, DailyLimitReached
from campaigns.models import Play, PrizeKind, PrizeShipment, ShipmentStatus, Spin, SpinCount, Wheel, WheelPrize
from campaigns.selectors import campaign_is_running
from campaigns.services.participation import audience_check, play_with_participation
from config.errors import InvalidStatus
from mall.errors import SoldOut
from mall.models import Address
from mall.services.coupons import coupon_grant
from members.models import BalanceKind, PointsReason
from members.services.balance import balance_move
from members.services.points import points_move

CONSOLATION_NAME = "谢谢参与"

# The draw's random source: `secrets`, so nobody can predict a spin from earlier ones.
# Tests put a seeded generator here to check the weights statistically.
randbelow = secrets.randbelow


@dataclass(frozen=True)
class SpinOutcome:
    spin: Spin  # its prize is None for a plain 谢谢参与 (a wheel without a `none` slot)
    spins_left_today: int
    points: int | None  # the member's points after the spin's cost or points prize; None when neither moved them


def wheel_spin(*, wheel: Wheel, member, now=None) -> SpinOutcome:
    """One spin of `wheel` (its campaign loaded with it) by `member`: CampaignNotActive,
    DailyLimitReached (today's or the campaign's quota) or InsufficientPoints, and then
    nothing changed; otherwise the spin, its prize given, and what is left of today's quota."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    if wheel.campaign.play != Play.WHEEL or not campaign_is_running(wheel.campaign, now=now):
        raise CampaignNotActive()
    audience_check(campaign=wheel.campaign, member=member)
    points = None
    with transaction.atomic():
        today = _quota_take(wheel=wheel, member_id=member.pk, day=day, limit=wheel.spins_per_day, message=None)
        left = wheel.spins_per_day - today
        if wheel.spins_per_campaign is not None:
            overall = _quota_take(
                wheel=wheel, member_id=member.pk, day=None, limit=wheel.spins_per_campaign, message="本次活动的抽奖次数已用完"
            )
            left = min(left, wheel.spins_per_campaign - overall)
        if wheel.cost_points:
            # Named by the day's spin number: unique per spin, known before the draw, so the
            # cost is paid before any prize could pay for it.
            points = points_move(
                member_id=member.pk,
                amount=-wheel.cost_points,
                reason=PointsReason.WHEEL_COST,
                source_key=f"wheel_cost:{wheel.pk}:{member.pk}:{day.isoformat()}:{today}",
                note=f"大转盘「{wheel}」",
            ).balance_after
        prizes = list(wheel.prizes.all())
        drawn = prize_draw(prizes)
        spin = None
        if drawn is not None and drawn.kind != PrizeKind.NONE:
            spin, won_points = _prize_win(wheel=wheel, member_id=member.pk, day=day, prize=drawn)
            points = won_points if won_points is not None else points
        if spin is None:
            consolation = next((prize for prize in prizes if prize.kind == PrizeKind.NONE), None)
            spin = _spin_record(wheel=wheel, member_id=member.pk, day=day, prize=consolation, kind=PrizeKind.NONE)
    return SpinOutcome(spin=spin, spins_left_today=max(left, 0), points=points)


def _quota_take(*, wheel: Wheel, member_id: int, day: date | None, limit: int, message: str | None) -> int:
    """One from a quota (the day's row, or with day None the campaign's), or DailyLimitReached:
    one upsert that counts only below the limit (the day's also records the member's
    participation). The member's count after it: the row stays locked by us until commit,
    so it is ours."""
    if limit < 1:
        raise DailyLimitReached(message)
    table = SpinCount._meta.db_table
    target = "(wheel_id, member_id, day)" if day is not None else "(wheel_id, member_id) WHERE day IS NULL"
    with connection.cursor() as cursor:
        row = play_with_participation(
            cursor,
            f"""INSERT INTO {table} (wheel_id, member_id, day, count) VALUES (%s, %s, %s, 1)
                ON CONFLICT {target} DO UPDATE SET count = {table}.count + 1 WHERE {table}.count < %s
                RETURNING count""",
            [wheel.pk, member_id, connection.ops.adapt_datefield_value(day), limit],
            # The day's quota records the member's participation: every spin takes it first.
            campaign_id=wheel.campaign_id if day is not None else None,
            member_id=member_id,
        )
    if row is None:
        raise DailyLimitReached(message)
    return row[0]


def prize_draw(prizes: list[WheelPrize]) -> WheelPrize | None:
    """A prize at random, each as likely as its weight says — over all the slots, stock or
    none: a prize that ran out turns into the consolation when its stock is taken, so the
    odds an operator set never shift as prizes run out."""
    total = sum(prize.weight for prize in prizes)
    if total <= 0:
        return None
    ticket = randbelow(total)
    for prize in prizes:
        if ticket < prize.weight:
            return prize
        ticket -= prize.weight
    return None  # not reached: the tickets are 0 … total-1


def _prize_win(*, wheel: Wheel, member_id: int, day: date, prize: WheelPrize) -> tuple[Spin | None, int | None]:
    """The prize taken from its stock, the spin recorded and the prize given, with the
    member's points after a points prize; (None, None) when it ran out: the wheel's stock,
    or the coupons behind a coupon prize, and then its savepoint took everything back. Only
    a coupon can run out after its stock was taken, so only a coupon pays for a savepoint."""
    if prize.kind != PrizeKind.COUPON:
        return _prize_take(wheel=wheel, member_id=member_id, day=day, prize=prize)
    try:
        with transaction.atomic():
            return _prize_take(wheel=wheel, member_id=member_id, day=day, prize=prize)
    except SoldOut:
        return None, None


def _prize_take(*, wheel: Wheel, member_id: int, day: date, prize: WheelPrize) -> tuple[Spin | None, int | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {WheelPrize._meta.db_table} SET given = given + 1 WHERE id = %s AND (stock IS NULL OR given < stock)",
            [prize.pk],
        )
        if not cursor.rowcount:
            return None, None
    spin = _spin_record(wheel=wheel, member_id=member_id, day=day, prize=prize, kind=prize.kind)
    return spin, _prize_give(spin=spin, prize=prize, member_id=member_id)


def _spin_record(*, wheel: Wheel, member_id: int, day: date, prize: WheelPrize | None, kind: str) -> Spin:
    # Written out: the ORM's compile of this INSERT cost more than running it.
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Spin._meta.db_table} (wheel_id, member_id, day, prize_id, prize_kind, cost_points, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                wheel.pk,
                member_id,
                connection.ops.adapt_datefield_value(day),
                prize.pk if prize else None,
                kind,
                wheel.cost_points,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        spin = Spin(
            pk=cursor.fetchone()[0],
            wheel=wheel,
            member_id=member_id,
            day=day,
            prize=prize,
            prize_kind=kind,
            cost_points=wheel.cost_points,
            created_at=now,
        )
    spin._state.adding = False
    return spin


def _prize_give(*, spin: Spin, prize: WheelPrize, member_id: int) -> int | None:
    """Hand the prize over; the member's points after it when it was points."""
    source_key = f"wheel:{spin.pk}"  # one spin, one prize: the ledgers' and coupons' unique keys hold it
    note = f"大转盘「{spin.wheel}」：{prize.name}"
    if prize.kind == PrizeKind.POINTS:
        return points_move(
            member_id=member_id, amount=prize.points, reason=PointsReason.WHEEL_PRIZE, source_key=source_key, note=note
        ).balance_after
    if prize.kind == PrizeKind.COUPON:
        coupon_grant(template=prize.coupon_template, member_id=member_id, source_key=source_key)
    elif prize.kind == PrizeKind.RED_PACKET:
        balance_move(
            member_id=member_id, amount_fen=prize.balance_fen, kind=BalanceKind.ADJUSTMENT, source_key=source_key, note=note
        )
    elif prize.kind == PrizeKind.PHYSICAL:
        PrizeShipment.objects.create(spin=spin)
    return None


# --- Reads beside the spin -----------------------------------------------------------------


def wheel_running(*, wheel: Wheel, now=None) -> bool:
    return campaign_is_running(wheel.campaign, now=now)


def my_spins(*, wheel: Wheel, member) -> QuerySet[Spin]:
    """A member's spins of a wheel, newest first, with what each needs to be shown."""
    return Spin.objects.filter(wheel=wheel, member=member).select_related("prize", "shipment").order_by("-id")


def wheel_spins_left(*, wheel: Wheel, member_id: int, day: date | None = None) -> int:
    """Spins the member has left today: the day's quota, within the campaign's when it has one."""
    day = day or timezone.localdate()
    counts = dict(
        SpinCount.objects.filter(Q(day=day) | Q(day__isnull=True), wheel=wheel, member_id=member_id).values_list("day", "count")
    )
    left = wheel.spins_per_day - counts.get(day, 0)
    if wheel.spins_per_campaign is not None:
        left = min(left, wheel.spins_per_campaign - counts.get(None, 0))
    return max(left, 0)


# --- Physical prizes -----------------------------------------------------------------------

ADDRESS_OPEN = [ShipmentStatus.AWAITING_ADDRESS, ShipmentStatus.TO_SHIP]


def prize_shipment_address(*, shipment: PrizeShipment, address: Address) -> PrizeShipment:
    """Where the winner wants the prize: a copy of an address from their book. It may change
    until the parcel leaves (InvalidStatus after)."""
    moved = PrizeShipment.objects.filter(pk=shipment.pk, status__in=ADDRESS_OPEN).update(
        status=ShipmentStatus.TO_SHIP,
        receiver_name=address.name,
        receiver_phone=address.phone,
        address=address.full_text[:200],
    )
    if not moved:
        raise InvalidStatus("奖品已发货，收货地址不能再修改")
    shipment.refresh_from_db()
    return shipment


def prize_shipment_ship(*, shipment: PrizeShipment, carrier: str, tracking_number: str, now=None) -> PrizeShipment:
    """The operator sent the parcel: only a prize with an address and not yet shipped (InvalidStatus)."""
    moved = PrizeShipment.objects.filter(pk=shipment.pk, status=ShipmentStatus.TO_SHIP).update(
        status=ShipmentStatus.SHIPPED,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=now or timezone.now(),
    )
    if not moved:
        raise InvalidStatus("只有已填地址、未发货的奖品可以发货")
    shipment.refresh_from_db()
    return shipment
