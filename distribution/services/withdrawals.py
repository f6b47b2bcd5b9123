"""Withdrawals: hold the money when asked (a guarded UPDATE: two requests at one instant
cannot both take it), pay out on approval through the chosen channel exactly once,
give it back on rejection or failure."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from config.errors import InvalidInput, InvalidStatus
from config.money import format_yuan
from config.numbers import new_withdrawal_number
from distribution.errors import AboveMaximum, BelowMinimum, InsufficientBalance, NotDistributor, NotEnoughBalance
from distribution.models import WITHDRAWAL_FLOW, DistributionSettings, LedgerKind, PayoutChannel, Withdrawal, WithdrawalStatus
from distribution.selectors import member_is_distributor
from distribution.services.commissions import commissions_mark_withdrawn
from distribution.services.ledger import book
from members.models import BalanceKind
from members.services.balance import balance_move
from outbox.services import status_move
from wechat import payouts

logger = logging.getLogger(__name__)

WHOLE = 10000


@transaction.atomic
def withdrawal_request(*, member, amount_fen: int, channel: str) -> Withdrawal:
    settings = DistributionSettings.get_solo()
    if not member_is_distributor(member=member, settings=settings):
        raise NotDistributor()
    if channel not in settings.channels:
        raise InvalidInput("不支持该提现方式", fields={"channel": [f"可选：{'、'.join(settings.channels)}"]})
    if amount_fen < settings.withdrawal_min_fen:
        raise BelowMinimum(f"最低提现 {format_yuan(settings.withdrawal_min_fen)} 元")
    if settings.withdrawal_max_fen and amount_fen > settings.withdrawal_max_fen:
        raise AboveMaximum(f"单次最多提现 {format_yuan(settings.withdrawal_max_fen)} 元")
    fee = 0 if channel == PayoutChannel.BALANCE else amount_fen * settings.withdrawal_fee_bp // WHOLE
    if fee >= amount_fen:
        raise BelowMinimum("扣除手续费后金额为零")
    withdrawal = Withdrawal.objects.create(member=member, number=new_withdrawal_number(), amount_fen=amount_fen, fee_fen=fee, channel=channel)
    try:
        book(member_id=member.pk, kind=LedgerKind.HELD, withdrawal=withdrawal, source_key=f"withdrawal:{withdrawal.pk}:held",
             available=-amount_fen, withdrawing=amount_fen)
    except NotEnoughBalance as exc:
        raise InsufficientBalance() from exc  # the transaction rolls the withdrawal row back too
    return withdrawal


def withdrawal_approve(*, withdrawal: Withdrawal, by, reference: str = "") -> Withdrawal:
    """Approve and pay out. Approving twice pays once: only one call moves the status
    from pending to paying, and WeChat pays one partner_trade_no once."""
    if not _withdrawal_move(withdrawal, WithdrawalStatus.PAYING, reviewed_by=by, reviewed_at=timezone.now()):
        raise InvalidStatus("该提现已处理")
    withdrawal.refresh_from_db()
    return withdrawal_pay(withdrawal=withdrawal, reference=reference)


def withdrawal_pay(*, withdrawal: Withdrawal, reference: str = "") -> Withdrawal:
    """Send the money of a withdrawal in `paying`. Safe to call again after a crash."""
    if withdrawal.channel == PayoutChannel.MANUAL and not reference:
        return withdrawal  # waits for the operator to record the transfer they made
    if withdrawal.channel == PayoutChannel.WECHAT:
        try:
            reference = payouts.pay_to_wallet(
                partner_trade_no=withdrawal.number, openid=withdrawal.member.openid or "", amount_fen=withdrawal.net_fen,
                description=f"佣金提现 {withdrawal.number}",
            )
        except payouts.PayoutUnsure as exc:
            logger.warning("payout %s unsure, will be retried: %s", withdrawal.number, exc)
            raise
        except payouts.PayoutRefused as exc:
            return _withdrawal_fail(withdrawal, str(exc))
    return _withdrawal_paid(withdrawal, reference or withdrawal.channel)


@transaction.atomic
def _withdrawal_paid(withdrawal: Withdrawal, reference: str) -> Withdrawal:
    if not _withdrawal_move(withdrawal, WithdrawalStatus.PAID, paid_at=timezone.now(), payout_reference=reference[:64]):
        return withdrawal
    book(member_id=withdrawal.member_id, kind=LedgerKind.PAID, withdrawal=withdrawal, source_key=f"withdrawal:{withdrawal.pk}:paid",
         withdrawing=-withdrawal.amount_fen, withdrawn=withdrawal.amount_fen)
    if withdrawal.channel == PayoutChannel.BALANCE:
        balance_move(member_id=withdrawal.member_id, amount_fen=withdrawal.net_fen, kind=BalanceKind.WITHDRAWAL,
                     source_key=f"withdrawal:{withdrawal.pk}", note=f"佣金提现 {withdrawal.number}")
    commissions_mark_withdrawn(member_id=withdrawal.member_id)
    withdrawal.refresh_from_db()
    return withdrawal


@transaction.atomic
def _withdrawal_fail(withdrawal: Withdrawal, reason: str) -> Withdrawal:
    if _withdrawal_move(withdrawal, WithdrawalStatus.FAILED, failure_reason=reason[:200]):
        _give_back(withdrawal, "failed")
    withdrawal.refresh_from_db()
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, by, reason: str) -> Withdrawal:
    if not _withdrawal_move(withdrawal, WithdrawalStatus.REJECTED, reviewed_by=by, reviewed_at=timezone.now(), reject_reason=reason[:200]):
        raise InvalidStatus("该提现已处理")
    _give_back(withdrawal, "rejected")
    withdrawal.refresh_from_db()
    return withdrawal


def _withdrawal_move(withdrawal: Withdrawal, to: str, **fields) -> int:
    return status_move(
        Withdrawal.objects.filter(pk=withdrawal.pk), flow=WITHDRAWAL_FLOW, to=to,
        event=f"withdrawal.{to}", payload={"withdrawal_id": withdrawal.pk, "member_id": withdrawal.member_id}, **fields,
    )


def _give_back(withdrawal: Withdrawal, why: str) -> None:
    book(member_id=withdrawal.member_id, kind=LedgerKind.RETURNED, withdrawal=withdrawal,
         source_key=f"withdrawal:{withdrawal.pk}:returned", withdrawing=-withdrawal.amount_fen, available=withdrawal.amount_fen)


def withdrawal_record_manual(*, withdrawal: Withdrawal, by, reference: str) -> Withdrawal:
    """The operator paid a manual withdrawal outside the system and records the proof."""
    if withdrawal.status == WithdrawalStatus.PENDING:
        withdrawal = withdrawal_approve(withdrawal=withdrawal, by=by, reference=reference)
    elif withdrawal.status == WithdrawalStatus.PAYING:
        withdrawal = withdrawal_pay(withdrawal=withdrawal, reference=reference)
    else:
        raise InvalidStatus("该提现已处理")
    return withdrawal


def withdrawals_pay_stuck(*, older_than_minutes: int = 5) -> int:
    """WeChat payouts left in `paying` (an unsure answer, a crash): try again with the
    same partner_trade_no, which WeChat pays at most once."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stuck = Withdrawal.objects.filter(status=WithdrawalStatus.PAYING, channel=PayoutChannel.WECHAT, reviewed_at__lte=cutoff)
    done = 0
    for withdrawal in stuck.select_related("member"):
        try:
            withdrawal_pay(withdrawal=withdrawal)
            done += 1
        except payouts.PayoutUnsure:
            continue
    return done
