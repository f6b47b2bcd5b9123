"""A paid order counts as "ordered" in the funnel of the pushes its buyer opened in the
week before."""

from crm.services.pushes import push_order_record
from mall.models import ORDER_PAID, Order
from outbox.services import subscriber


@subscriber(ORDER_PAID, name="crm.push_ordered")
def push_ordered(event):
    order = Order.objects.values("member_id", "paid_at").get(pk=event.payload["order_id"])
    push_order_record(member_id=order["member_id"], at=order["paid_at"])
