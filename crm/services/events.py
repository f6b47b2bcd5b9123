"""What the store pages report (POST /api/v1/events): page views, shares, adds to cart,
searches. A member's page view also counts as the "visited" step of the pushes they opened
in the last day, the funnel's step between opened and ordered."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import PushRecipient, TrackedEvent
from members.models import Member

PAGE_VIEW = "page_view"
EVENT_NAMES = {PAGE_VIEW: "浏览页面", "share": "分享", "add_to_cart": "加入购物车", "search": "搜索"}
# A store visit counts for a push only this long after the member opened it.
VISIT_WINDOW = timedelta(hours=24)


def event_record(*, member: Member | None, name: str, path: str, props: dict) -> TrackedEvent:
    now = timezone.now()
    with transaction.atomic():
        event = TrackedEvent.objects.create(member=member, name=name, path=path, props=props)
        if member is not None and name == PAGE_VIEW:
            PushRecipient.objects.filter(member=member, opened_at__gte=now - VISIT_WINDOW, visited_at__isnull=True).update(visited_at=now)
    return event
