"""WeChat Pay calls these: the payment and refund notifications.

Answers SUCCESS once the notification is recorded (or was already), FAIL for anything
that is not a genuine notification for one of our orders. Never a 500 for bad input:
WeChat would keep retrying it for a day.
"""

import logging

from django.db import IntegrityError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mall.errors import RefundRejected, RejectedNotification
from mall.models import RefusedNotice
from mall.services.aftersales import refund_confirm
from mall.services.payments import notice_refusal_record, payment_confirm
from wechat import pay as wechat_pay

logger = logging.getLogger(__name__)


def _reply(ok: bool, message: str = "OK") -> HttpResponse:
    return HttpResponse(wechat_pay.notify_reply(ok, message), content_type="application/xml")


def _handle(request, *, kind: str, verify, confirm, refusals):
    try:
        notice = verify(request.body)
    except wechat_pay.InvalidNotification as exc:
        logger.warning("%s notification refused: %s", kind, exc)
        return _reply(False, str(exc)[:100])
    try:
        outcome = confirm(notice=notice)
    except (*refusals, IntegrityError) as exc:
        # Genuine, but it does not fit our records (say, a transaction id another order
        # already has). Its transaction rolled back; an operator sees it in the admin.
        reason = str(exc) if not isinstance(exc, IntegrityError) else "与已有记录冲突（如微信单号已被其他订单使用）"
        logger.warning("%s notification refused: %s", kind, str(exc)[:300])
        try:
            notice_refusal_record(kind=kind, notice=notice, reason=reason)
        except Exception:  # noqa: BLE001 — the answer to WeChat stays FAIL whatever happens here
            logger.exception("recording a refused %s notification failed", kind)
        return _reply(False, reason[:100])
    logger.info("%s notification %s: %s", kind, getattr(notice, "out_refund_no", None) or notice.out_trade_no, outcome)
    return _reply(True)


@csrf_exempt
@require_POST
def payment_notify(request):
    return _handle(request, kind=RefusedNotice.Kind.PAYMENT, verify=wechat_pay.verify_payment_notify, confirm=payment_confirm, refusals=(RejectedNotification,))


@csrf_exempt
@require_POST
def refund_notify(request):
    return _handle(request, kind=RefusedNotice.Kind.REFUND, verify=wechat_pay.verify_refund_notify, confirm=refund_confirm, refusals=(RefundRejected,))
