"""Commission from an order: snapshot the chain when it is placed, earn (frozen) when it
is paid, void proportionally when it is refunded, release when it is completed and its
after-sales window has closed."""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Least
from django.utils import timezone

from distribution.models import (
    COMMISSION_FLOW,
    Account,
    Commission,
    CommissionStatus,
    DistributionSettings,
    Distributor,
    LedgerEntry,
    LedgerKind,
    OrderReferral,
    SkuCommission,
)
from distribution.selectors import active_distributor_ids
from distribution.services.binding import referral_chain
from distribution.services.ledger import book
from mall.models import OPEN_REFUND_STATUSES, Order, OrderStatus, Refund
from outbox.services import status_move

logger = logging.getLogger(__name__)

WHOLE = 10000  # basis points


def order_snapshot(*, order: Order) -> OrderReferral:
    """Who would earn from this order, fixed now (later rebinding changes nothing)."""
    level1, level2 = referral_chain(buyer=order.member, settings=DistributionSettings.get_solo())
    snapshot, _ = OrderReferral.objects.get_or_create(order=order, defaults={"level1_id": level1, "level2_id": level2})
    return snapshot


def commissions_earn(*, order: Order) -> list[Commission]:
    """Frozen commission for each line of a paid order, per level. Idempotent: an order
    earns once (and the unique key on line + beneficiary + level backs that up)."""
    settings = DistributionSettings.get_solo()
    with transaction.atomic():
        snapshot = order_snapshot(order=order)  # normally made at creation; this is the fallback
        snapshot = OrderReferral.objects.select_for_update().get(pk=snapshot.pk)
        if snapshot.earned_at is not None:
            return []
        if not settings.enabled:
            return _earned(snapshot, [], "分销未开启")
        chain = {1: snapshot.level1_id, 2: snapshot.level2_id if settings.levels >= 2 else None}
        if not any(chain.values()):
            return _earned(snapshot, [], "无推荐人")
        earners = active_distributor_ids({pk for pk in chain.values() if pk}, settings)
        if not earners:
            return _earned(snapshot, [], "推荐人不是分销员")
        grades = {
            d.member_id: d.grade
            for d in Distributor.objects.filter(member_id__in=earners, grade__isnull=False).select_related("grade")
        }
        lines = list(order.lines.all())
        fixed = {rule.sku_id: rule for rule in SkuCommission.objects.filter(sku_id__in=[line.sku_id for line in lines])}
        rows = []
        for line in lines:
            given = 0  # what this line already pays out: the levels together never exceed it
            for level in (1, 2):
                member_id = chain[level]
                if member_id not in earners:
                    continue
                rate_bp, amount = _commission(line, level, fixed.get(line.sku_id), grades.get(member_id), settings)
                amount = min(amount, line.pay_fen - given)
                if amount <= 0:
                    continue  # zero commissions are not recorded
                given += amount
                rows.append(
                    Commission(
                        order=order,
                        line=line,
                        beneficiary_id=member_id,
                        level=level,
                        base_fen=line.pay_fen,
                        rate_bp=rate_bp,
                        amount_fen=amount,
                    )
                )
        created = Commission.objects.bulk_create(rows)
        # Accounts are always locked in member id order (here, voiding, settlement).
        for commission in sorted(created, key=lambda c: (c.beneficiary_id, c.pk)):
            book(
                member_id=commission.beneficiary_id,
                kind=LedgerKind.EARNED,
                source_key=f"commission:{commission.pk}:earned",
                commission=commission,
                frozen=commission.amount_fen,
            )
        _void_for_refunds(Order.objects.get(pk=order.pk))  # money that went back before this ran
        return _earned(snapshot, created, f"{len(created)} 笔佣金" if created else "佣金为 0")


def _earned(snapshot: OrderReferral, created: list[Commission], outcome: str) -> list[Commission]:
    OrderReferral.objects.filter(pk=snapshot.pk).update(earned_at=timezone.now(), earn_outcome=outcome)
    return created


def _commission(line, level: int, fixed: SkuCommission | None, grade, settings: DistributionSettings) -> tuple[int, int]:
    """(rate_bp, amount): a fixed SKU commission beats the grade's rate, which beats the
    global rate. Amounts round down to the fen."""
    if fixed is not None:
        return 0, (fixed.level1_fen if level == 1 else fixed.level2_fen) * line.quantity
    if grade is not None:
        rate = grade.level1_rate_bp if level == 1 else grade.level2_rate_bp
    else:
        rate = settings.level1_rate_bp if level == 1 else settings.level2_rate_bp
    return rate, line.pay_fen * rate // WHOLE


def commissions_void(*, order: Order) -> int:
    """After a refund: void each frozen commission of the order in proportion to the goods
    refunded so far, exactly to the fen (all goods back voids all of it)."""
    with transaction.atomic():
        return _void_for_refunds(Order.objects.get(pk=order.pk))


def void_target(commission: Commission, order: Order) -> int:
    """How much of this commission the order's refunds so far must have voided."""
    # Refunds count against the goods first: shipping is not what commission was paid on.
    goods = order.paid_total_fen - order.shipping_fen
    refunded_goods = min(order.refunded_fen, goods)
    return commission.amount_fen if refunded_goods >= goods else commission.amount_fen * refunded_goods // goods


def _void_for_refunds(order: Order) -> int:
    if not order.refunded_fen:
        return 0
    voided = 0
    commissions = Commission.objects.select_for_update().filter(order=order)
    for commission in sorted(commissions, key=lambda c: (c.beneficiary_id, c.pk)):
        target = void_target(commission, order)
        extra = target - commission.voided_fen
        if extra <= 0:
            continue
        if commission.status != CommissionStatus.FROZEN:
            logger.error("refund after commission %s was released; not clawed back", commission.pk)
            continue
        still_frozen = Commission.objects.filter(pk=commission.pk, status=CommissionStatus.FROZEN)
        if target == commission.amount_fen:
            status_move(still_frozen, flow=COMMISSION_FLOW, to=CommissionStatus.VOID, voided_fen=target)
        else:
            still_frozen.update(voided_fen=target)  # part of it void: it stays frozen
        book(
            member_id=commission.beneficiary_id,
            kind=LedgerKind.VOIDED,
            commission=commission,
            source_key=f"commission:{commission.pk}:voided-to:{target}",
            frozen=-extra,
        )
        voided += extra
    return voided


def _due(now) -> "QuerySet[Commission]":  # noqa: F821
    cutoff = now - timedelta(days=DistributionSettings.get_solo().extra_freeze_days)
    open_refund = Refund.objects.filter(order=OuterRef("order"), status__in=OPEN_REFUND_STATUSES)
    return (
        Commission.objects.filter(
            status__in=COMMISSION_FLOW.sources(CommissionStatus.AVAILABLE),
            order__status=OrderStatus.COMPLETED,
            order__after_sales_deadline__lte=cutoff,
        )
        .filter(
            # Refunds are voided by a task after the refund lands; until it has run, the
            # commission waits (never released on money that went back). Same rule as void_target.
            # "Nothing refunded" first: the planner then sees that nearly every row passes and
            # walks the frozen commissions' index in id order for a batch, instead of joining
            # and sorting all of them in each batch (a third of them, it guessed from the
            # inequality alone).
            Q(order__refunded_fen=0)
            | Q(
                voided_fen__gte=F("amount_fen")
                * Least(F("order__refunded_fen"), F("order__pay_fen") + F("order__balance_fen") - F("order__shipping_fen"))
                / (F("order__pay_fen") + F("order__balance_fen") - F("order__shipping_fen"))
            ),
        )
        .exclude(Exists(open_refund))
    )


def commissions_release_due(*, now=None, batch_size: int | None = None) -> int:
    """Make frozen commissions available once their order is completed, its after-sales
    window (plus any extra freeze) has closed and no after-sales request is open.
    Set-based: on PostgreSQL each batch of 100,000 rows is one transaction of three
    statements (1,000,000 rows in about 24 s on two cores, bench/batch.py);
    elsewhere smaller ORM batches."""
    now = now or timezone.now()
    postgres = connection.vendor == "postgresql"
    release = _release_batch_postgres if postgres else _release_batch_portable
    batch_size = batch_size or (100_000 if postgres else 5_000)
    total, after_id = 0, 0
    while True:
        with transaction.atomic():
            released, after_id = release(now, batch_size, after_id)
        total += released
        if released < batch_size:
            return total


def _release_batch_postgres(now, batch_size: int, after_id: int) -> tuple[int, int]:
    """One batch, the next `batch_size` due commissions by id after `after_id`: the walk
    follows the frozen commissions' partial index instead of joining and sorting every one
    of them again in each batch. A row skipped as locked (a refund voiding it right now)
    waits for the next run. (released, the last id released)."""
    due = (
        _due(now)
        .filter(id__gt=after_id)
        .order_by("id")
        .select_for_update(skip_locked=True, of=("self",))
        .values("id")[:batch_size]
    )
    due_sql, due_params = due.query.sql_with_params()
    commission, ledger, account = Commission._meta.db_table, LedgerEntry._meta.db_table, Account._meta.db_table
    release = f"""
        WITH due AS ({due_sql}), released AS (
            UPDATE {commission} c SET status = %s, available_at = %s
            WHERE c.id = ANY(ARRAY(SELECT id FROM due))
            RETURNING c.id, c.beneficiary_id, c.amount_fen - c.voided_fen AS amount
        ), booked AS (
            INSERT INTO {ledger}
                (member_id, kind, commission_id, withdrawal_id, frozen_delta, available_delta,
                 withdrawing_delta, withdrawn_delta, source_key, created_at)
            SELECT beneficiary_id, %s, id, NULL, -amount, amount, 0, 0, 'commission:' || id || ':released', %s
            FROM released
        )
        SELECT beneficiary_id, SUM(amount), COUNT(*), MAX(id) FROM released GROUP BY beneficiary_id ORDER BY beneficiary_id
    """
    with connection.cursor() as cursor:
        # The batch's rows, sorted by sharer for their totals, then stay in memory instead of
        # spilling to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(release, [*due_params, CommissionStatus.AVAILABLE, now, LedgerKind.RELEASED, now])
        totals = cursor.fetchall()
        if not totals:
            return 0, after_id
        members = [member_id for member_id, _, _, _ in totals]
        # Lock the accounts in member id order, as every other path does: no deadlocks.
        cursor.execute(f"SELECT 1 FROM {account} WHERE member_id = ANY(%s) ORDER BY member_id FOR UPDATE", [members])
        cursor.execute(
            f"""UPDATE {account} a SET frozen_fen = a.frozen_fen - s.total, available_fen = a.available_fen + s.total
                FROM unnest(%s::bigint[], %s::bigint[]) AS s(member_id, total) WHERE a.member_id = s.member_id""",
            [members, [total for _, total, _, _ in totals]],
        )
    return sum(count for _, _, count, _ in totals), max(last for _, _, _, last in totals)


def _release_batch_portable(now, batch_size: int, after_id: int) -> tuple[int, int]:
    ids = list(_due(now).filter(id__gt=after_id).order_by("id").values_list("id", flat=True)[:batch_size])
    if not ids:
        return 0, after_id
    status_move(Commission.objects.filter(id__in=ids), flow=COMMISSION_FLOW, to=CommissionStatus.AVAILABLE, available_at=now)
    released = list(Commission.objects.filter(id__in=ids).values_list("id", "beneficiary_id", "amount_fen", "voided_fen"))
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                member_id=member_id,
                kind=LedgerKind.RELEASED,
                commission_id=pk,
                frozen_delta=-(amount - voided),
                available_delta=amount - voided,
                source_key=f"commission:{pk}:released",
                created_at=now,
            )
            for pk, member_id, amount, voided in released
        ]
    )
    per_member: dict[int, int] = {}
    for _, member_id, amount, voided in released:
        per_member[member_id] = per_member.get(member_id, 0) + amount - voided
    for member_id, total in sorted(per_member.items()):
        Account.objects.filter(member_id=member_id).update(
            frozen_fen=F("frozen_fen") - total, available_fen=F("available_fen") + total
        )
    return len(ids), ids[-1]


def commissions_mark_withdrawn(*, member_id: int) -> int:
    """Label, oldest first, the available commissions that paid-out withdrawals have
    now covered in full (a commission partly covered stays available)."""
    paid_out = Account.objects.filter(member_id=member_id).values_list("withdrawn_fen", flat=True).first() or 0
    labelled = (
        Commission.objects.filter(beneficiary_id=member_id, status=CommissionStatus.WITHDRAWN).aggregate(
            total=Sum(F("amount_fen") - F("voided_fen"))
        )["total"]
        or 0
    )
    room, marked = paid_out - labelled, []
    for pk, net in (
        Commission.objects.filter(beneficiary_id=member_id, status=CommissionStatus.AVAILABLE)
        .order_by("available_at", "id")
        .values_list("id", F("amount_fen") - F("voided_fen"))
    ):
        if net > room:
            break
        room -= net
        marked.append(pk)
    return status_move(Commission.objects.filter(id__in=marked), flow=COMMISSION_FLOW, to=CommissionStatus.WITHDRAWN)
