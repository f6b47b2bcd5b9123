from celery import shared_task
from django.utils import timezone

from wechat.emulator.models import MchOrder, MchRefund
from wechat.emulator.notices import deliver_payment_notice, deliver_refund_notice

# WeChat repeats a notification the shop did not answer SUCCESS: after 15 s, 15 s, 30 s,
# 3 min, 10 min … (it goes on for a day; the emulator stops after these).
RETRY_DELAYS = [15, 15, 30, 180, 600]


@shared_task
def repeat_payment_notice(order_id: int, attempt: int = 0) -> str:
    order = MchOrder.objects.get(pk=order_id)
    if deliver_payment_notice(order).accepted:
        return "accepted"
    if attempt < len(RETRY_DELAYS):
        repeat_payment_notice.apply_async(args=(order_id, attempt + 1), countdown=RETRY_DELAYS[attempt])
    return "refused"


@shared_task
def complete_refund(refund_id: int, attempt: int = 0) -> str:
    """What WeChat does after accepting a refund: pay it out, then notify the shop."""
    MchRefund.objects.filter(pk=refund_id, status=MchRefund.Status.PROCESSING).update(
        status=MchRefund.Status.SUCCESS, success_time=timezone.now()
    )
    record = MchRefund.objects.select_related("order").get(pk=refund_id)
    if not record.notify_url:
        return "no notify_url"
    if deliver_refund_notice(record).accepted:
        return "accepted"
    if attempt < len(RETRY_DELAYS):
        complete_refund.apply_async(args=(refund_id, attempt + 1), countdown=RETRY_DELAYS[attempt])
    return "refused"
