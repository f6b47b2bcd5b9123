"""After-sales: a shopper asks for money back, an operator decides, WeChat Pay refunds,
and its refund notification closes the case.

    requested ──approve──► approved ──WeChat accepts──► processing ──notification──► refunded
        │   │                 ▲  ▲                           │
        │   └─approve─► returning (退货退款: the goods come back first)
        └──reject──► rejected  └──────retry──── failed ◄──────┘ (WeChat refused)

The order sits in `refunding` while a request is open. A full refund ends it `refunded`;
a partial one returns it to the status it had, with `refunded_fen` counting exactly.
"""

import io
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

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
    RefundLine,
    RefundPhoto,
    RefundStatus,
    RefundType,
)
from mall.services.transitions import coupon_give_back, order_transition, stock_give_back
from members.models import BalanceKind
from members.services.balance import balance_move_once
from outbox.services import publish, status_move
from wechat import pay as wechat_pay

logger = logging.getLogger(__name__)

def refund_notify_url() -> str:
    return f"{settings.SITE_URL}/wechat/pay/refund-notify/"


# Goods must have left the warehouse before they can be sent back.
RETURNABLE_STATUSES = {OrderStatus.SHIPPED, OrderStatus.COMPLETED}


MAX_REFUND_PHOTOS = 3
MAX_REFUND_PHOTO_BYTES = 2 * 1024 * 1024
# A small file can still claim a huge canvas (a decompression bomb); a phone photo is ~12 MP.
MAX_REFUND_PHOTO_PIXELS = 50_000_000
REFUND_PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}


@dataclass(frozen=True)
class RefundItem:
    order_line_id: int
    quantity: int


@transaction.atomic
def refund_request(
    *,
    order: Order,
    member,
    reason: str,
    amount_fen: int | None = None,
    refund_type: str = RefundType.REFUND_ONLY,
    items: list[RefundItem] = (),
    note: str = "",
    photos: list[bytes] = (),
) -> Refund:
    """A shopper asks for money back, for some of the items or (without items) for an
    amount of the order. The amount defaults to what the chosen items paid and may not
    exceed it; under the order's row lock, so two requests never claim the same items."""
    if len(photos) > MAX_REFUND_PHOTOS:
        raise InvalidInput(f"最多上传 {MAX_REFUND_PHOTOS} 张图片", fields={"photos": [f"最多 {MAX_REFUND_PHOTOS} 张"]})
    photo_files = [_refund_photo(raw, position) for position, raw in enumerate(photos, 1)]  # before the lock: decoding takes time
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.after_sales_open:
        if locked.status == OrderStatus.COMPLETED and locked.refundable_fen > 0:
            raise AfterSalesClosed()
        raise InvalidStatus(f"订单{locked.get_status_display()}，不能申请退款")
    if refund_type == RefundType.RETURN_AND_REFUND and locked.status not in RETURNABLE_STATUSES:
        raise InvalidInput("商品尚未发货，请申请仅退款", fields={"refund_type": ["未发货的订单只能申请仅退款"]})
    refundable = locked.refundable_fen
    cap = _items_cap(locked, items) if items else refundable
    amount = cap if amount_fen is None else amount_fen
    if amount > cap:
        raise InvalidInput(f"最多可退 ¥{format_yuan(cap)}", fields={"amount_fen": [f"不能超过可退金额 {cap} 分"]})
    try:
        refund = Refund.objects.create(
            order=locked,
            refund_type=refund_type,
            amount_fen=amount,
            balance_fen=_balance_part(locked, amount),
            reason=reason,
            note=note,
            requested_by=member,
            order_status_before=locked.status,
            # Everything back before it left the warehouse: the goods go back on the shelf.
            restock=locked.status == OrderStatus.PAID and amount == refundable,
        )
    except IntegrityError as exc:  # the one-open-request constraint; the status check makes this rare
        raise InvalidStatus("已有处理中的售后申请") from exc
    RefundLine.objects.bulk_create(RefundLine(refund=refund, order_line_id=item.order_line_id, quantity=item.quantity) for item in items)
    for photo in photo_files:
        RefundPhoto.objects.create(refund=refund, image=photo)
    order_transition(
        order=locked,
        to=OrderStatus.REFUNDING,
        actor=member,
        actor_kind=ActorKind.SHOPPER,
        reason=f"申请{refund.get_refund_type_display()} ¥{format_yuan(amount)}：{reason}",
    )
    return refund


def _refund_photo(raw: bytes, position: int) -> ContentFile:
    """A shopper's photo, kept as sent once Pillow confirms it is a whole JPEG or PNG."""
    error = InvalidInput(f"第 {position} 张图片不是有效的 JPEG 或 PNG 图片", fields={"photos": [f"第 {position} 张图片无效"]})
    if len(raw) > MAX_REFUND_PHOTO_BYTES:
        raise InvalidInput(f"第 {position} 张图片超过 2 MB", fields={"photos": [f"第 {position} 张图片过大"]})
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in REFUND_PHOTO_FORMATS or image.width * image.height > MAX_REFUND_PHOTO_PIXELS:
                raise error
            extension = REFUND_PHOTO_FORMATS[image.format]
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise error from exc
    return ContentFile(raw, name=f"{uuid.uuid4().hex}.{extension}")


def refund_quantities_left(order: Order) -> dict[int, int]:
    """How many of each order line may still be asked for: items in a request that was
    not rejected are spoken for."""
    taken = dict(
        RefundLine.objects.filter(order_line__order=order).exclude(refund__status=RefundStatus.REJECTED)
        .order_by().values_list("order_line_id").annotate(Sum("quantity"))
    )
    return {line.pk: line.quantity - taken.get(line.pk, 0) for line in order.lines.all()}


def _items_cap(order: Order, items: list[RefundItem]) -> int:
    """What the chosen items paid (their share of each line's pay_fen), at most what is
    still refundable; all the items not yet asked for bring the whole rest (shipping too)."""
    lines = {line.pk: line for line in order.lines.all()}
    left = refund_quantities_left(order)
    if len({item.order_line_id for item in items}) != len(items):
        raise InvalidInput("同一商品请只选一次", fields={"items": ["同一商品重复出现"]})
    items_fen = 0
    for item in items:
        line = lines.get(item.order_line_id)
        if line is None:
            raise InvalidInput("所选商品不在该订单中", fields={"items": [f"订单商品 {item.order_line_id} 不存在"]})
        if item.quantity > left[line.pk]:
            raise InvalidInput(f"「{line.title}」最多可申请 {left[line.pk]} 件", fields={"items": [f"订单商品 {line.pk} 最多 {left[line.pk]} 件"]})
        items_fen += line.pay_fen * item.quantity // line.quantity
    asked = {item.order_line_id: item.quantity for item in items}
    everything_left = all(asked.get(pk, 0) == quantity for pk, quantity in left.items())
    return order.refundable_fen if everything_left else min(items_fen, order.refundable_fen)


def _balance_part(order: Order, amount: int) -> int:
    """WeChat Pay's part goes back first; what is left of the amount returns to the balance."""
    wechat_left = order.pay_fen - (order.refunded_fen - order.balance_refunded_fen)
    return max(0, amount - wechat_left)


def refund_approve(*, refund: Refund, by) -> Refund:
    """Agree to a request: the money goes out now, or, for a return, once the goods are back."""
    returning = refund.refund_type == RefundType.RETURN_AND_REFUND
    with transaction.atomic():
        approved = _refund_move(
            refund, RefundStatus.RETURNING if returning else RefundStatus.APPROVED,
            only_from={RefundStatus.REQUESTED}, reviewed_by=by, reviewed_at=timezone.now(),
        )
        if not approved:
            raise InvalidStatus("该申请已处理")
        if not returning:
            refund_submit_after_commit(refund.pk)
    refund.refresh_from_db()
    return refund


def refund_receive_return(*, refund: Refund, by, tracking_number: str = "") -> Refund:
    """The returned goods arrived: send the money."""
    with transaction.atomic():
        if not _refund_move(refund, RefundStatus.APPROVED, only_from={RefundStatus.RETURNING}, return_tracking_number=tracking_number):
            raise InvalidStatus("只有待退货的申请可以确认收货")
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
