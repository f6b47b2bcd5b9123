"""After-sales: a shopper asks for money back, an operator decides, WeChat Pay refunds,
and its refund notification closes the case.

    requested ──approve──► approved ──WeChat accepts──► processing ──notification──► refunded
        │                     ▲                              │
        └──reject──► rejected  └──────retry──── failed ◄──────┘ (WeChat refused)

The order sits in `refunding` while a request is open. A full refund ends it `refunded`;
a partial one returns it to the status it had, with `refunded_fen` counting exactly.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.errors import InvalidInput, InvalidStatus
from config.money import format_yuan
from mall.errors import AfterSalesClosed, RefundRejected
from mall.models import (
    OPEN_REFUND_STATUSES,
    ORDER_REFUNDED,
    REFUND_FLOW,
    ActorKind,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    Refund,
    RefundKind,
    RefundStatus,
)
from mall.services.transitions import coupon_give_back, order_transition, stock_give_back
from members.models import BalanceKind
from members.services.balance import balance_move_once
from outbox.services import publish, status_move
from wechat import pay as wechat_pay

logger = logging.getLogger(__name__)

def refund_notify_url() -> str:
    return f"{settings.SITE_URL}/wechat/pay/refund-notify/"


@transaction.atomic
def refund_request(*, order: Order, member, reason: str, amount_fen: int | None = None) -> Refund:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.after_sales_open:
        if locked.status == OrderStatus.COMPLETED and locked.refundable_fen > 0:
            raise AfterSalesClosed()
        raise InvalidStatus(f"订单{locked.get_status_display()}，不能申请退款")
    refundable = locked.refundable_fen
    amount = refundable if amount_fen is None else amount_fen
    if amount > refundable:
        raise InvalidInput(f"最多可退 ¥{format_yuan(refundable)}", fields={"amount_fen": [f"不能超过可退金额 {refundable} 分"]})
    try:
        refund = Refund.objects.create(
            order=locked,
            amount_fen=amount,
            balance_fen=_balance_part(locked, amount),
            reason=reason,
            requested_by=member,
            order_status_before=locked.status,
            # Everything back before it left the warehouse: the goods go back on the shelf.
            restock=locked.status == OrderStatus.PAID and amount == refundable,
        )
    except IntegrityError as exc:  # the one-open-request constraint; the status check makes this rare
        raise InvalidStatus("已有处理中的售后申请") from exc
    order_transition(
        order=locked,
        to=OrderStatus.REFUNDING,
        actor=member,
        actor_kind=ActorKind.SHOPPER,
        reason=f"申请退款 ¥{format_yuan(amount)}：{reason}",
    )
    return refund


def _balance_part(order: Order, amount: int) -> int:
    """WeChat Pay's part goes back first; what is left of the amount returns to the balance."""
    wechat_left = order.pay_fen - (order.refunded_fen - order.balance_refunded_fen)
    return max(0, amount - wechat_left)


def refund_approve(*, refund: Refund, by) -> Refund:
    with transaction.atomic():
        approved = _refund_move(refund, RefundStatus.APPROVED, only_from={RefundStatus.REQUESTED}, reviewed_by=by, reviewed_at=timezone.now())
        if not approved:
            raise InvalidStatus("该申请已处理")
        refund_submit_after_commit(refund.pk)
    refund.refresh_from_db()
    return refund


def refund_retry(*, refund: Refund, by) -> Refund:
    """Send a refund WeChat refused once more (same out_refund_no: it cannot pay twice)."""
    with transaction.atomic():
        if not _refund_move(refund, RefundStatus.APPROVED, only_from={RefundStatus.FAILED}, reviewed_by=by, reviewed_at=timezone.now(), failure_reason=""):
            raise InvalidStatus("只有退款失败的申请可以重试")
        refund_submit_after_commit(refund.pk)
    refund.refresh_from_db()
    return refund


def _refund_move(refund: Refund, to: str, *, only_from=None, **fields) -> int:
    """A refund's status moves as REFUND_FLOW allows; each move is recorded as "refund.<status>"."""
    return status_move(
        Refund.objects.filter(pk=refund.pk), flow=REFUND_FLOW, to=to, only_from=only_from,
        event=f"refund.{to}", payload={"refund_id": refund.pk, "order_id": refund.order_id}, **fields,
    )


def refund_submit_after_commit(refund_id: int) -> None:
    from mall.tasks import submit_refund  # here: mall.tasks imports this module

    # robust: if the broker is down, the refund stays approved and submit_pending_refunds sends it
    transaction.on_commit(lambda: submit_refund.delay(refund_id), robust=True)


@transaction.atomic
def refund_reject(*, refund: Refund, by, reason: str) -> Refund:
    """Refuse a request (or give up a failed refund): the order returns to where it was."""
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    if not _refund_move(refund, RefundStatus.REJECTED, reviewed_by=by, reviewed_at=timezone.now(), reject_reason=reason):
        raise InvalidStatus("该申请已处理")
    if order.status == OrderStatus.REFUNDING:
        order_transition(
            order=order,
            only_from={OrderStatus.REFUNDING},
            to=refund.order_status_before,
            actor=by,
            actor_kind=ActorKind.OPERATOR,
            reason=f"拒绝退款：{reason}",
        )
    refund.refresh_from_db()
    return refund


def refund_submit(*, refund_id: int) -> str:
    """Hand an approved refund to WeChat Pay. Safe to run again: only an `approved`
    refund is sent, and WeChat refunds one out_refund_no once. A refund with nothing to
    send through WeChat (all of it back to the balance) completes here and now."""
    refund = Refund.objects.select_related("order").filter(pk=refund_id, status=RefundStatus.APPROVED).first()
    if refund is None:
        return "not approved"
    if refund.wechat_fen == 0:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=refund.order_id)
            refund = Refund.objects.select_for_update().get(pk=refund.pk)
            if refund.status != RefundStatus.APPROVED:
                return "not approved"
            _refund_complete(order, refund, refunded_at=timezone.now())
        return "refunded to balance"
    payment = Payment.objects.get(order_id=refund.order_id)
    try:
        refund_id_at_wechat = wechat_pay.refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            total_fee=payment.amount_fen,
            refund_fee=refund.wechat_fen,
            reason=refund.reason,
            notify_url=refund_notify_url(),
        )
    except wechat_pay.PayError as exc:
        if not exc.code or exc.code in ("SYSTEMERROR", "FREQUENCY_LIMITED"):
            raise  # WeChat busy or unreachable: the task retries
        _refund_move(refund, RefundStatus.FAILED, only_from={RefundStatus.APPROVED}, failure_reason=str(exc)[:200])
        logger.warning("refund %s refused by WeChat: %s", refund.out_refund_no, exc)
        return "failed"
    _refund_move(refund, RefundStatus.PROCESSING, only_from={RefundStatus.APPROVED}, submitted_at=timezone.now())
    # The notification may already have marked it refunded; the id is worth keeping anyway.
    Refund.objects.filter(pk=refund.pk, wechat_refund_id__isnull=True).update(wechat_refund_id=refund_id_at_wechat)
    return "submitted"


def refunds_submit_pending(*, older_than_seconds: int = 120) -> int:
    """Approved refunds whose submission never ran (a worker was down): send them now."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    due = list(Refund.objects.filter(status=RefundStatus.APPROVED, reviewed_at__lte=cutoff).values_list("pk", flat=True))
    for refund_id in due:
        try:
            refund_submit(refund_id=refund_id)
        except wechat_pay.PayError as exc:
            logger.warning("refund %s still cannot be submitted: %s", refund_id, exc)
    return len(due)


def refund_confirm(*, notice: wechat_pay.RefundNotice) -> str:
    """Record WeChat's verdict on a refund. Idempotent: a second notification is a no-op."""
    refund = Refund.objects.filter(out_refund_no=notice.out_refund_no).first()
    if refund is None:
        raise RefundRejected(f"unknown out_refund_no {notice.out_refund_no}")
    if notice.refund_fee != refund.wechat_fen:
        raise RefundRejected(f"{notice.out_refund_no}: refunded {notice.refund_fee}, asked {refund.wechat_fen}")

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.REFUNDED:
            return "duplicate"
        if notice.status != "SUCCESS":
            # Given up already (rejected): the operator's word stands.
            _refund_move(refund, RefundStatus.FAILED, failure_reason=f"微信退款未成功（{notice.status}）")
            return "failed"
        # The money went back, whatever we thought before (even a refund given up after
        # WeChat reported it abnormal can succeed later, once the merchant fixes it).
        _refund_complete(order, refund, refunded_at=notice.succeeded_at or timezone.now(), wechat_refund_id=notice.refund_id)
        return "refunded"


def _refund_complete(order: Order, refund: Refund, **fields) -> None:
    """The money is back (WeChat said so, or it all went to the balance): record it, return
    the balance part, the stock if due, move the order on and announce it. Under the
    order's and the refund's row locks."""
    was_open = refund.status in OPEN_REFUND_STATUSES
    _refund_move(refund, RefundStatus.REFUNDED, **fields)
    Order.objects.filter(pk=order.pk).update(
        refunded_fen=F("refunded_fen") + refund.amount_fen, balance_refunded_fen=F("balance_refunded_fen") + refund.balance_fen
    )
    if refund.balance_fen:
        balance_move_once(member_id=order.member_id, amount_fen=refund.balance_fen, kind=BalanceKind.REFUND,
                          source_key=f"refund:{refund.pk}:balance", note=f"退款 {refund.out_refund_no}")
    order.refresh_from_db()
    if refund.restock:
        stock_give_back([order.pk])
    order = _after_refund(order, refund, was_open=was_open)
    publish(ORDER_REFUNDED, order_id=order.pk, refund_id=refund.pk)


def _after_refund(order: Order, refund: Refund, *, was_open: bool) -> Order:
    """Where the order goes once money went back: `refunded` when all of it did, else
    back to the status it had before the request. A refund that had been given up moves
    the order only if it completes the refund (and never out of another open request)."""
    amount = f"¥{format_yuan(refund.amount_fen)}"
    fully = order.refunded_fen == order.paid_total_fen
    if fully:
        coupon_give_back([order.pk])  # all the money went back: so does the coupon (once; a no-op if cancelled before)
    moves = was_open or (fully and order.status != OrderStatus.REFUNDING)
    if refund.kind == RefundKind.LATE_PAYMENT or not moves:
        OrderEvent.objects.create(
            order=order, from_status=order.status, to_status=order.status, actor_kind=ActorKind.WECHAT,
            reason=f"{'取消后到账的付款已退回' if refund.kind == RefundKind.LATE_PAYMENT else '微信退款成功'} {amount}",
        )
        return order
    return order_transition(
        order=order,
        to=OrderStatus.REFUNDED if fully else refund.order_status_before,
        actor=None,
        actor_kind=ActorKind.WECHAT,
        reason=f"{'全额' if fully else '部分'}退款成功 {amount}",
    )


def open_refund(order: Order) -> Refund | None:
    return order.refunds.filter(status__in=OPEN_REFUND_STATUSES).first()
