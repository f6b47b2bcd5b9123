"""WeChat Pay calls these: the payment and refund notifications.

Answers SUCCESS once the notification is recorded (or was already), FAIL for anything
that is not a genuine notification for one of our orders. Never a 500 for bad input:
WeChat would keep retrying it for a day.
"""

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mall.services.aftersales import RefundRejected, refund_confirm
from mall.services.payments import RejectedNotification, payment_confirm
from wechat import pay as wechat_pay

logger = logging.getLogger(__name__)


def _reply(ok: bool, message: str = "OK") -> HttpResponse:
    return HttpResponse(wechat_pay.notify_reply(ok, message), content_type="application/xml")


@csrf_exempt
@require_POST
def payment_notify(request):
    try:
        notice = wechat_pay.verify_payment_notify(request.body)
        outcome = payment_confirm(notice=notice)
    except (wechat_pay.InvalidNotification, RejectedNotification) as exc:
        logger.warning("payment notification refused: %s", exc)
        return _reply(False, str(exc)[:100])
    logger.info("payment notification %s: %s", notice.out_trade_no, outcome)
    return _reply(True)


@csrf_exempt
@require_POST
def refund_notify(request):
    try:
        notice = wechat_pay.verify_refund_notify(request.body)
        outcome = refund_confirm(notice=notice)
    except (wechat_pay.InvalidNotification, RefundRejected) as exc:
        logger.warning("refund notification refused: %s", exc)
        return _reply(False, str(exc)[:100])
    logger.info("refund notification %s: %s", notice.out_refund_no, outcome)
    return _reply(True)
