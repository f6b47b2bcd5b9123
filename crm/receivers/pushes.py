"""A paid order counts as "ordered" in the funnel of the pushes its buyer opened in the
week before."""

from crm.services.pushes import push_order_record
from mall.models import ORDER_PAID, Order
from outbox.services import subscriber


@subscriber(ORDER_PAID, name="crm.push_ordered")
def push_ordered(event):
    # When the shop recorded the payment (the event's time): WeChat's paid_at is whole
    # seconds, and may fall before an open in the same second.
    member_id = Order.objects.values_list("member_id", flat=True).get(pk=event.payload["order_id"])
    push_order_record(member_id=member_id, at=event.created_at)
