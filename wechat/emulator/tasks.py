from celery import shared_task
from django.utils import timezone

from wechat.emulator.models import MchRefund
from wechat.emulator.notices import deliver_refund_notice


@shared_task
def complete_refund(refund_id: int) -> str:
    """What WeChat does after accepting a refund: pay it out, then notify the shop."""
    MchRefund.objects.filter(pk=refund_id, status=MchRefund.Status.PROCESSING).update(
        status=MchRefund.Status.SUCCESS, success_time=timezone.now()
    )
    record = MchRefund.objects.select_related("order").get(pk=refund_id)
    if not record.notify_url:
        return "no notify_url"
    return "accepted" if deliver_refund_notice(record).accepted else "refused"
