"""What the store pages report (POST /api/v1/events): page views, shares, adds to cart,
searches. A member's page view is also the "visited" step of the pushes they opened
(crm.services.pushes.push_visit_record: one definition of the funnel's window)."""

from django.db import transaction
from django.utils import timezone

from crm.models import TrackedEvent
from crm.services.pushes import push_visit_record
from members.models import Member

PAGE_VIEW = "page_view"
EVENT_NAMES = {PAGE_VIEW: "浏览页面", "share": "分享", "add_to_cart": "加入购物车", "search": "搜索"}


def event_record(*, member: Member | None, name: str, path: str, props: dict) -> TrackedEvent:
    with transaction.atomic():
        event = TrackedEvent.objects.create(member=member, name=name, path=path, props=props)
        if member is not None and name == PAGE_VIEW:
            push_visit_record(member_id=member.pk, at=timezone.now())
    return event
