"""Money in: JSAPI payments, their notifications, and the query that catches a lost one.

A payment notification may arrive many times, at once, or after the order was cancelled;
it is the only proof of payment. Idempotency comes from the unique `transaction_id` and
from changing the order's status only under its row lock.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import InvalidStatus
from config.rows import ModelRows
from mall.errors import PaymentUnavailable, RejectedNotification, WeChatLoginRequired
from mall.models import (
    ActorKind,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentState,
    Refund,
    RefundKind,
    RefundStatus,
    RefusedNotice,
    ShopSettings,
)
from mall.services.aftersales import refund_submit_after_commit
from mall.services.transitions import order_move_at_once, order_transition, sales_count, sales_count_sql
from outbox.services import writes_in_with
from wechat import pay as wechat_pay

logger = logging.getLogger(__name__)

PREPAY_LIFETIME = timedelta(hours=2)  # how long WeChat keeps a prepay_id usable
PREPAY_REUSE_MARGIN = timedelta(minutes=5)
MIN_TIME_TO_PAY = timedelta(minutes=1)  # WeChat refuses a time_expire closer than this
QUERY_AFTER = timedelta(minutes=3)  # a notification normally arrives within seconds
CLOSE_AFTER = timedelta(minutes=5)  # WeChat refuses to close an order younger than this
QUERY_EVERY = timedelta(minutes=1)

ORDER_ROWS = ModelRows(Order)


def notify_url() -> str:
    return f"{settings.SITE_URL}/wechat/pay/notify/"


@dataclass(frozen=True)
class PaymentStart:
    out_trade_no: str
    prepay_id: str
    jsapi: dict  # the signed parameters for getBrandWCPayRequest


def payment_start(*, order: Order, client_ip: str) -> PaymentStart:
    """The JSAPI parameters to pay this order. A second call reuses the prepay, or places
    the same out_trade_no again (WeChat then returns the same prepay): one charge at most."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise InvalidStatus(f"订单{order.get_status_display()}，无需支付")
    now = timezone.now()
    if order.expires_at - now < MIN_TIME_TO_PAY:
        raise InvalidStatus("支付时间已过，订单即将自动取消")
    openid = order.member.openid
    if not openid:
        raise WeChatLoginRequired()
    payment, _ = Payment.objects.get_or_create(
        order=order,
        defaults={"out_trade_no": order.number, "amount_fen": order.pay_fen, "body": _body(order), "client_ip": client_ip},
    )
    if payment.state != PaymentState.OPEN:
        raise InvalidStatus("该订单的支付已关闭，请重新下单")

    prepay_id = payment.prepay_id
    if not prepay_id or payment.prepay_expires_at < now + PREPAY_REUSE_MARGIN:
        try:
            prepay_id = wechat_pay.create_jsapi_payment(
                out_trade_no=payment.out_trade_no,
                body=payment.body,
                total_fee=payment.amount_fen,
                openid=openid,
                client_ip=payment.client_ip,
                notify_url=notify_url(),
                starts_at=order.created_at,
                expires_at=order.expires_at,
            )
        except wechat_pay.PayError as exc:
            logger.warning("unified order for %s failed: %s", order.number, exc)
            if exc.code == "ORDERPAID":
                _record_if_paid(payment)
                raise InvalidStatus("订单已支付") from exc
            raise PaymentUnavailable() from exc
        # WeChat keeps a prepay usable for two hours; the order's own window (time_expire)
        # still bounds when it can be paid.
        Payment.objects.filter(pk=payment.pk, state=PaymentState.OPEN).update(
            prepay_id=prepay_id, prepay_expires_at=now + PREPAY_LIFETIME
        )
    return PaymentStart(out_trade_no=payment.out_trade_no, prepay_id=prepay_id, jsapi=wechat_pay.jsapi_params(prepay_id))


def _record_if_paid(payment: Payment) -> None:
    try:
        payment_check(payment=payment)
    except (wechat_pay.PayError, RejectedNotification) as exc:
        logger.warning("checking %s after ORDERPAID failed: %s", payment.out_trade_no, exc)
        raise PaymentUnavailable() from exc


def _body(order: Order) -> str:
    lines = list(order.lines.all())
    first = lines[0].title if lines else "商品"
    more = f"等{len(lines)}件" if len(lines) > 1 else ""
    return f"{ShopSettings.get_solo().shop_name}-{first}{more}"[:40]


def payment_confirm(*, notice: wechat_pay.PaymentNotice, source: str = "通知") -> str:
    """Record a payment WeChat confirmed (by notification or by query). Idempotent:
    the same transaction again changes nothing. Returns what happened.

    WeChat repeats a notification until it hears SUCCESS, so a repeat is answered from one
    read: a payment's transaction id, once written, never changes. A first delivery for an
    order still waiting for it is one more statement (_paid_at_once); anything else (a
    cancelled order, a delivery that lost the race to another) is decided under the order's
    row lock. The reads and UPDATEs are hand-written: the ORM's compile of them cost more
    CPU than the database spent answering."""
    payment_table = Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, order_id, amount_fen, transaction_id FROM {payment_table} WHERE out_trade_no = %s",  # noqa: S608 — names only
            [notice.out_trade_no],
        )
        found = cursor.fetchone()
    if found is None:
        raise RejectedNotification(f"unknown out_trade_no {notice.out_trade_no}")
    payment_id, order_id, amount_fen, transaction_id = found
    if notice.total_fee != amount_fen:
        raise RejectedNotification(f"{notice.out_trade_no}: paid {notice.total_fee}, due {amount_fen}")
    if transaction_id:
        return _paid_already(notice, transaction_id)

    paid_at = notice.paid_at or timezone.now()
    reason = f"微信支付成功（{source}，{notice.transaction_id}）"
    if _paid_at_once(order_id=order_id, payment_id=payment_id, notice=notice, paid_at=paid_at, reason=reason):
        return "paid"

    with transaction.atomic():
        order = _order_locked(order_id)  # the order first, like every path
        late = order.status != OrderStatus.PENDING_PAYMENT
        recorded, params = _payment_recorded_sql(payment_id=payment_id, notice=notice, paid_at=paid_at, late=late)
        with connection.cursor() as cursor:
            cursor.execute(recorded, params)
            if not cursor.rowcount:  # a delivery that held the order's lock before us recorded it
                cursor.execute(f"SELECT transaction_id FROM {payment_table} WHERE id = %s", [payment_id])  # noqa: S608 — names only
                return _paid_already(notice, cursor.fetchone()[0])
        if not late:
            order = order_transition(
                order=order,
                already_locked=True,
                to=OrderStatus.PAID,
                actor=None,
                actor_kind=ActorKind.WECHAT,
                reason=reason,
                paid_at=paid_at,
            )
            sales_count(order)
            return "paid"

        # The money came for an order no longer waiting for it (its window closed and it
        # was cancelled): keep the record and send the money back.
        OrderEvent.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            actor_kind=ActorKind.WECHAT,
            reason=f"订单{order.get_status_display()}后收到微信支付（{notice.transaction_id}），已自动全额退款",
        )
        refund = Refund.objects.create(
            order=order,
            kind=RefundKind.LATE_PAYMENT,
            amount_fen=amount_fen,
            reason="订单已取消，退还付款",
            status=RefundStatus.APPROVED,
            order_status_before=order.status,
            reviewed_at=timezone.now(),
        )
        refund_submit_after_commit(refund.pk)
        return "refunding late payment"


def _paid_at_once(*, order_id: int, payment_id: int, notice: wechat_pay.PaymentNotice, paid_at, reason: str) -> bool:
    """The common case in one statement: the order moved from pending_payment to paid (its
    UPDATE takes the order's row lock and checks the status again under it), and, chained on
    that move, the payment recorded, the order event row, "order.paid" with its deliveries,
    and the sales count (products locked in id order, after the order, like every payment).
    Whether it applied; when the order was not waiting for payment nothing was written, and
    where writes cannot share a statement (SQLite) nothing is tried.

    The payment is recorded unconditionally once the order moved: a payment is only ever
    recorded by a transaction that holds its order's row and takes it out of pending_payment
    (or finds it cancelled already), so an order still pending has an unrecorded payment.

    Alone, the statement is a transaction of its own (autocommit: all of it or nothing, no
    BEGIN and COMMIT round trips); inside a caller's transaction (a job, a test), a savepoint
    keeps a refusal (a transaction id another order has) from spoiling the caller's."""
    if not writes_in_with():
        return False
    recorded, recorded_params = _payment_recorded_sql(
        payment_id=payment_id, notice=notice, paid_at=paid_at, late=False, once="EXISTS (SELECT FROM moved)"
    )
    counted, count = sales_count_sql("(SELECT id FROM moved)")
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        return order_move_at_once(
            order_id=order_id,
            from_status=OrderStatus.PENDING_PAYMENT,
            to=OrderStatus.PAID,
            actor=None,
            actor_kind=ActorKind.WECHAT,
            reason=reason,
            also=[(f"payment AS ({recorded})", recorded_params), (f"{counted},\n        sales AS ({count})", [])],
            paid_at=paid_at,
        )


def _payment_recorded_sql(
    *, payment_id: int, notice: wechat_pay.PaymentNotice, paid_at, late: bool, once: str = ""
) -> tuple[str, list]:
    """The payment's guarded UPDATE: written by the first transaction id only (and only if the
    SQL condition `once` holds)."""
    sql = f"""UPDATE {Payment._meta.db_table} SET state = %s, transaction_id = %s, paid_at = %s, payer_openid = %s, arrived_after_cancel = %s
              WHERE id = %s AND transaction_id IS NULL{f" AND {once}" if once else ""}"""  # noqa: S608 — names only
    params = [
        PaymentState.PAID,
        notice.transaction_id,
        connection.ops.adapt_datetimefield_value(paid_at),
        notice.openid,
        late,
        payment_id,
    ]
    return sql, params


def _paid_already(notice: wechat_pay.PaymentNotice, transaction_id: str) -> str:
    if transaction_id != notice.transaction_id:
        raise RejectedNotification(f"{notice.out_trade_no} already paid by {transaction_id}")
    return "duplicate"


def _order_locked(order_id: int) -> Order:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ORDER_ROWS.columns()} FROM {Order._meta.db_table} WHERE id = %s{lock}", [order_id])  # noqa: S608 — names only
        return ORDER_ROWS.build(cursor.fetchone())


def payment_check(*, payment: Payment) -> str:
    """Ask WeChat about one open payment and act on the answer."""
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
    state = wechat_pay.query_order(payment.out_trade_no)
    if state.notice is not None:
        return payment_confirm(notice=state.notice, source="查单")
    order_open = Order.objects.filter(pk=payment.order_id, status=OrderStatus.PENDING_PAYMENT).exists()
    if order_open and state.state in ("NOTPAY", "USERPAYING"):
        return "waiting"
    if state.state in ("NOTPAY", "USERPAYING"):
        # The order was cancelled: close the WeChat order so it can no longer be paid.
        if payment.created_at > timezone.now() - CLOSE_AFTER:
            return "waiting to close"
        try:
            wechat_pay.close_order(payment.out_trade_no)
        except wechat_pay.PayError as exc:
            if exc.code == "ORDERPAID":
                return "paid meanwhile; next check records it"
            raise
    Payment.objects.filter(pk=payment.pk, state=PaymentState.OPEN).update(state=PaymentState.CLOSED)
    return "closed"


def payments_check_open(*, now=None, limit: int = 200) -> dict[str, int]:
    """The fallback for lost notifications: ask WeChat about payments still open a few
    minutes after their prepay, and close those whose order was cancelled."""
    now = now or timezone.now()
    due = (
        Payment.objects.filter(state=PaymentState.OPEN, created_at__lte=now - QUERY_AFTER)
        .exclude(prepay_id="")
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=now - QUERY_EVERY))
        .order_by("id")[:limit]
    )
    outcomes: dict[str, int] = {}
    for payment in due:
        try:
            outcome = payment_check(payment=payment)
        except (wechat_pay.PayError, RejectedNotification) as exc:
            logger.warning("checking payment %s failed: %s", payment.out_trade_no, exc)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def notice_refusal_record(*, kind: str, notice, reason: str) -> None:
    """Keep a genuine notification we refused where an operator sees it; WeChat's
    repeats of it count up on the same row."""
    is_refund = kind == RefusedNotice.Kind.REFUND
    key = {
        "kind": kind,
        "reference": (notice.out_refund_no if is_refund else notice.out_trade_no)[:64],
        "wechat_id": ((notice.refund_id if is_refund else notice.transaction_id) or "")[:64],
    }
    now = timezone.now()
    if RefusedNotice.objects.filter(**key).update(times=F("times") + 1, last_at=now, reason=reason[:200]):
        return
    try:
        with transaction.atomic():
            amount = notice.refund_fee if is_refund else notice.total_fee
            RefusedNotice.objects.create(**key, amount_fen=amount, reason=reason[:200], last_at=now)
    except IntegrityError:  # the same repeat, recorded by a parallel delivery a moment ago
        RefusedNotice.objects.filter(**key).update(times=F("times") + 1, last_at=now)
