"""The lucky wheel (大转盘): a spin — quotas, points cost, the draw, the prize's stock and
its delivery, all or nothing (on PostgreSQL one statement, campaigns/services/chain.py) —
and a physical prize's way to the winner.

Every limit is held by the database, never by reading and then writing: the quotas are
counter rows moved by guarded upserts (`count < limit`), a prize's stock is
`given < stock` in the UPDATE that takes it, the points cost is read under the member's
row lock and taken by the ledger's guarded UPDATE. However many spins arrive at once, no
quota is overrun and no stock goes below zero; a spin that lands on a prize that ran out
gets the consolation slot instead.
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
from campaigns.services.chain import Step, chain_run, chain_transaction
from campaigns.services.participation import audience_check, participation_step
from config.errors import InvalidStatus
from mall.errors import SoldOut
from mall.models import Address
from mall.services.coupons import coupon_grant
from members.errors import InsufficientPoints
from members.models import BalanceKind, Member, PointsReason
from members.services.balance import balance_move
from members.services.ledgers import BALANCE, POINTS, Movement, Sql, ledger_moves_steps
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
    if wheel.spins_per_day < 1:
        raise DailyLimitReached()
    if wheel.spins_per_campaign is not None and wheel.spins_per_campaign < 1:
        raise DailyLimitReached(CAMPAIGN_USED_UP)
    prizes = list(wheel.prizes.all())
    drawn = prize_draw(prizes)
    won = drawn if drawn is not None and drawn.kind != PrizeKind.NONE else None
    consolation = next((prize for prize in prizes if prize.kind == PrizeKind.NONE), None)
    # A coupon can run out after its stock was taken (the template's own stock), so a coupon
    # prize is taken after the chain, under its savepoint (_prize_win).
    chained = won if won is None or won.kind != PrizeKind.COUPON else None
    created_at = timezone.now()
    spin_steps = _spin_steps(
        wheel=wheel,
        member_id=member.pk,
        day=day,
        prize=chained,
        consolation=consolation,
        record=won is chained,
        created_at=created_at,
    )
    # One statement, without a transaction, unless a step can fail after another wrote: the
    # campaign's quota after the day's, or a coupon prize after the spin's cost.
    with chain_transaction(one_statement=wheel.spins_per_campaign is None and won is chained):
        rows = chain_run(spin_steps)
        if rows["today"] is not None and wheel.spins_per_campaign is not None and rows["overall"] is None:
            raise DailyLimitReached(CAMPAIGN_USED_UP)  # the day's count taken back with the transaction
        moved = dict(zip(_returns(spin_steps, "moved"), rows.get("moved") or (), strict=False))
        points = moved.get("points") if wheel.cost_points else None
        spin = None
        if rows["today"] is not None:
            if won is chained:
                taken = chained is not None and rows["prize"] is not None
                prize = chained if taken else consolation
                spin = _spin_of(
                    wheel=wheel,
                    member_id=member.pk,
                    day=day,
                    spin_id=rows["spin"][0],
                    prize=prize,
                    kind=prize.kind if taken else PrizeKind.NONE,
                    created_at=created_at,
                )
                if taken and chained.kind == PrizeKind.POINTS:
                    points = moved["points"]
                elif taken and chained.kind == PrizeKind.PHYSICAL:
                    _shipment_of(spin, row=rows["shipment"])
            else:
                spin, _ = _prize_win(wheel=wheel, member_id=member.pk, day=day, prize=won)
                if spin is None:
                    spin = _spin_record(wheel=wheel, member_id=member.pk, day=day, prize=consolation, kind=PrizeKind.NONE)
    if spin is None:
        raise _why_not_spun(wheel=wheel, member_id=member.pk, day=day, paid=wheel.cost_points == 0 or rows["payer"] is not None)
    left = wheel.spins_per_day - rows["today"][0]
    if wheel.spins_per_campaign is not None:
        left = min(left, wheel.spins_per_campaign - rows["overall"][0])
    return SpinOutcome(spin=spin, spins_left_today=max(left, 0), points=points)


CAMPAIGN_USED_UP = "本次活动的抽奖次数已用完"


def _spin_steps(
    *, wheel: Wheel, member_id: int, day: date, prize: WheelPrize | None, consolation: WheelPrize | None, record: bool, created_at
) -> list[Step]:
    """A spin as one chain: the member's row held when the spin costs points and they have
    them (the quota is taken only then, so a spin refused for its cost leaves no count),
    the day's quota (with the member's participation), the campaign's, then — with `prize`,
    the one drawn — its stock, the spin row (the consolation when the stock ran out), the
    member's points or balance moved once for the cost and the prize with a ledger row
    each, and a physical prize's shipment. Without `record` the chain stops after the cost
    (a coupon prize follows it).

    The member's row comes first because the cost and a points prize move it in one UPDATE
    that comes after the prize (whose stock decides the amount), and a guard that failed
    there, after the quota and the stock were taken, could not be undone in a statement
    without a transaction: held first, the points it read (after the wait) are the points
    the UPDATE finds. Every later step is an upsert or an UPDATE, which read the rows as
    they are after any wait, never as the statement's snapshot has them."""
    member_table, counts = Member._meta.db_table, SpinCount._meta.db_table
    ops = connection.ops
    common = {"wheel": wheel.pk, "member": member_id, "day": ops.adapt_datefield_value(day)}
    steps, quota_from = [], "WHERE true"
    if wheel.cost_points:
        lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_update else ""
        steps.append(
            Step(
                "payer",
                f"SELECT id FROM {member_table} WHERE id = %(member)s AND points >= %(cost)s{lock}",
                {"member": member_id, "cost": wheel.cost_points},
                ("id",),
            )
        )
        quota_from = "FROM payer WHERE true"
    steps.append(
        Step(
            "today",
            f"""INSERT INTO {counts} (wheel_id, member_id, day, count) SELECT %(wheel)s, %(member)s, %(day)s, 1 {quota_from}
                ON CONFLICT (wheel_id, member_id, day) DO UPDATE SET count = {counts}.count + 1 WHERE {counts}.count < %(limit)s
                RETURNING count""",
            {**common, "limit": wheel.spins_per_day},
            ("count",),
            ("payer",) if wheel.cost_points else (),
        )
    )
    steps.append(participation_step(campaign_id=wheel.campaign_id, member_id=member_id, after="today"))
    go = "today"
    if wheel.spins_per_campaign is not None:
        steps.append(
            Step(
                "overall",
                f"""INSERT INTO {counts} (wheel_id, member_id, day, count) SELECT %(wheel)s, %(member)s, NULL, 1 FROM today WHERE true
                    ON CONFLICT (wheel_id, member_id) WHERE day IS NULL DO UPDATE SET count = {counts}.count + 1
                    WHERE {counts}.count < %(limit)s RETURNING count""",
                {**common, "limit": wheel.spins_per_campaign},
                ("count",),
                ("today",),
            )
        )
        go = "overall"
    if prize is not None:
        steps.append(
            Step(
                "prize",
                f"UPDATE {WheelPrize._meta.db_table} SET given = given + 1 "
                f"WHERE id = %(prize)s AND (stock IS NULL OR given < stock) AND EXISTS (SELECT 1 FROM {go}) RETURNING id",
                {"prize": prize.pk},
                ("id",),
                (go,),
            )
        )
    if record:
        won = "EXISTS (SELECT 1 FROM prize)"
        steps.append(
            Step(
                "spin",
                f"INSERT INTO {Spin._meta.db_table} (wheel_id, member_id, day, prize_id, prize_kind, cost_points, created_at) "
                + (
                    f"SELECT %(wheel)s, %(member)s, %(day)s, COALESCE((SELECT id FROM prize), %(consolation)s), "
                    f"CASE WHEN {won} THEN %(kind)s ELSE %(none)s END, "
                    if prize is not None
                    else "SELECT %(wheel)s, %(member)s, %(day)s, %(consolation)s, %(none)s, "
                )
                + f"%(cost)s, %(now)s FROM {go} RETURNING id",
                {
                    **common,
                    "consolation": consolation.pk if consolation else None,
                    "kind": prize.kind if prize is not None else None,
                    "none": PrizeKind.NONE,
                    "cost": wheel.cost_points,
                    "now": ops.adapt_datetimefield_value(created_at),
                },
                ("id",),
                (go,),
            )
        )
    steps += _spin_moves(wheel=wheel, member_id=member_id, day=day, prize=prize, go=go)
    if prize is not None and prize.kind == PrizeKind.PHYSICAL:
        steps.append(
            Step(
                "shipment",
                f"INSERT INTO {PrizeShipment._meta.db_table} (spin_id, status, receiver_name, receiver_phone, address, carrier, "
                "tracking_number, shipped_at, created_at) "
                "SELECT id, %(status)s, '', '', '', '', '', NULL, %(now)s FROM spin WHERE EXISTS (SELECT 1 FROM prize) RETURNING id",
                {"status": ShipmentStatus.AWAITING_ADDRESS, "now": ops.adapt_datetimefield_value(created_at)},
                ("id",),
                ("spin", "prize"),
            )
        )
    return steps


def _spin_moves(*, wheel: Wheel, member_id: int, day: date, prize: WheelPrize | None, go: str) -> list[Step]:
    """The cost, named by the day's spin number (unique per spin, known before the draw, so
    the cost is paid before any prize could pay for it), and a points or balance prize,
    named by its spin (one spin, one prize: the ledgers' unique keys hold it), moved once."""
    movements = []
    if wheel.cost_points:
        movements.append(
            Movement(
                POINTS,
                amount=-wheel.cost_points,
                kind=PointsReason.WHEEL_COST,
                source_key=Sql("SELECT %(key)s || count FROM today"),
                note=f"大转盘「{wheel}」",
                params={"key": f"wheel_cost:{wheel.pk}:{member_id}:{day.isoformat()}:"},
            )
        )
    if prize is not None and prize.kind in (PrizeKind.POINTS, PrizeKind.RED_PACKET):
        ledger, amount, kind = (
            (POINTS, prize.points, PointsReason.WHEEL_PRIZE)
            if prize.kind == PrizeKind.POINTS
            else (BALANCE, prize.balance_fen, BalanceKind.ADJUSTMENT)
        )
        movements.append(
            Movement(
                ledger,
                amount=amount,
                kind=kind,
                source_key=Sql("SELECT %(key)s || id FROM spin"),
                note=f"大转盘「{wheel}」：{prize.name}",
                when="EXISTS (SELECT 1 FROM prize)",
                params={"key": "wheel:"},
            )
        )
    if not movements:
        return []
    paid_for = go if wheel.cost_points else "prize"
    moves = ledger_moves_steps(
        member_id=member_id, movements=movements, when=f"EXISTS (SELECT 1 FROM {paid_for})", needs=(paid_for,)
    )
    return [Step(*step) for step in moves]


def _returns(steps: list[Step], name: str) -> tuple[str, ...]:
    return next((step.returns for step in steps if step.name == name), ())


def _spin_of(*, wheel: Wheel, member_id: int, day: date, spin_id: int, prize: WheelPrize | None, kind: str, created_at) -> Spin:
    spin = Spin(
        pk=spin_id,
        wheel=wheel,
        member_id=member_id,
        day=day,
        prize=prize,
        prize_kind=kind,
        cost_points=wheel.cost_points,
        created_at=created_at,
    )
    spin._state.adding = False
    return spin


def _shipment_of(spin: Spin, *, row: tuple) -> PrizeShipment:
    """The shipment the chain inserted, cached on its spin: the answer shows it without a query."""
    shipment = PrizeShipment(pk=row[0], spin=spin, status=ShipmentStatus.AWAITING_ADDRESS, created_at=spin.created_at)
    shipment._state.adding = False
    return shipment


def _why_not_spun(*, wheel: Wheel, member_id: int, day: date, paid: bool) -> Exception:
    """Why a spin's chain took nothing: the quotas come first, as the member sees them (a
    refusal's one more query), then the points."""
    counts = dict(
        SpinCount.objects.filter(Q(day=day) | Q(day__isnull=True), wheel=wheel, member_id=member_id).values_list("day", "count")
    )
    if counts.get(day, 0) >= wheel.spins_per_day:
        return DailyLimitReached()
    if wheel.spins_per_campaign is not None and counts.get(None, 0) >= wheel.spins_per_campaign:
        return DailyLimitReached(CAMPAIGN_USED_UP)
    return DailyLimitReached() if paid else InsufficientPoints()


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
        spin_id = cursor.fetchone()[0]
    return _spin_of(wheel=wheel, member_id=member_id, day=day, spin_id=spin_id, prize=prize, kind=kind, created_at=now)


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
