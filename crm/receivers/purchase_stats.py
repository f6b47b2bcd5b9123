"""An order paid or refunded brings its member's purchase stats up to date."""

from crm.services.purchase_stats import purchase_stats_refresh
from mall.models import ORDER_PAID, ORDER_REFUNDED, Order
from outbox.services import subscriber


@subscriber(ORDER_PAID, name="crm.purchase_stats_paid")
@subscriber(ORDER_REFUNDED, name="crm.purchase_stats_refunded")
def purchase_stats(event):
    purchase_stats_refresh(member_id=Order.objects.values_list("member_id", flat=True).get(pk=event.payload["order_id"]))
