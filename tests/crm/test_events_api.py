"""POST /api/v1/events: page views and other store events recorded (anonymous too), bad
input refused with 400 and nothing stored, a member's page view marking the pushes they
opened within the funnel's window as visited."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import Push, PushRecipient, Segment, TrackedEvent
from crm.services.pushes import FUNNEL_WINDOW
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/events", body, format="json")


def test_a_members_page_view_is_recorded(member_api, member):
    response = post(member_api, {"name": "page_view", "path": "/products/12/?from=push", "props": {"title": "面霜", "position": 3}})
    assert response.status_code == 202
    event = TrackedEvent.objects.get()
    assert (event.member, event.name, event.path, event.props) == (member, "page_view", "/products/12/?from=push", {"title": "面霜", "position": 3})


def test_an_anonymous_visitor_may_report_without_props(api):
    assert post(api, {"name": "share", "path": "/"}).status_code == 202
    event = TrackedEvent.objects.get()
    assert event.member is None and event.props == {}


def test_a_logged_in_member_needs_the_csrf_token(member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(client, {"name": "page_view", "path": "/"})
    assert response.status_code == 403 and response.json()["code"]
    assert not TrackedEvent.objects.exists()


@pytest.mark.parametrize("body", [
    {"name": "purchase", "path": "/"},
    {"name": "page_view"},
    {"name": "page_view", "path": "https://evil.example/"},
    {"name": "page_view", "path": "//evil.example/"},
    {"name": "page_view", "path": "/" + "a" * 300},
    {"name": "page_view", "path": "/", "props": []},
    {"name": "page_view", "path": "/", "props": {"nested": {"a": 1}}},
    {"name": "page_view", "path": "/", "props": {"list": [1, 2]}},
    {"name": "page_view", "path": "/", "props": {f"k{n}": n for n in range(11)}},
    {"name": "page_view", "path": "/", "props": {"text": "长" * 201}},
    {"name": "page_view", "path": "/", "props": {"k" * 33: 1}},
    {"name": "page_view", "path": "/", "props": {f"k{n}": "字" * 150 for n in range(5)}},
    ["page_view"],
])
def test_bad_input_is_refused_and_nothing_stored(member_api, body):
    response = post(member_api, body)
    assert response.status_code == 400
    assert response.json()["code"] and response.json()["detail"]
    assert not TrackedEvent.objects.exists()


def make_recipient(member, **fields):
    segment, _ = Segment.objects.get_or_create(name="全部", defaults={"rules": {"match": "all", "rules": []}})
    push = Push.objects.create(title="新品", target="/", segment=segment, send_at=timezone.now())
    return PushRecipient.objects.create(push=push, member=member, openid=member.openid, week=date(2026, 11, 16), month=date(2026, 11, 1), **fields)


def test_a_page_view_marks_the_pushes_opened_within_the_funnel_window_as_visited(member_api, member):
    now = timezone.now()
    fresh = make_recipient(member, opened_at=now - timedelta(hours=2))
    stale = make_recipient(member, opened_at=now - FUNNEL_WINDOW - timedelta(hours=1))
    unopened = make_recipient(member)
    visited_before = make_recipient(member, opened_at=now - timedelta(hours=3), visited_at=now - timedelta(hours=1))
    someone_elses = make_recipient(MemberFactory(), opened_at=now - timedelta(hours=1))

    assert post(member_api, {"name": "page_view", "path": "/"}).status_code == 202

    visited = dict(PushRecipient.objects.values_list("pk", "visited_at"))
    assert visited[fresh.pk] is not None
    assert visited[stale.pk] is None and visited[unopened.pk] is None and visited[someone_elses.pk] is None
    assert visited[visited_before.pk] == visited_before.visited_at


def test_other_events_do_not_count_as_a_visit(member_api, member):
    recipient = make_recipient(member, opened_at=timezone.now())
    post(member_api, {"name": "share", "path": "/"})
    assert PushRecipient.objects.get(pk=recipient.pk).visited_at is None


def test_events_in_a_burst_are_refused(member_api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "events": {"member": "3/m", "ip": "100/m"}}
    statuses = [post(member_api, {"name": "page_view", "path": "/"}).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert TrackedEvent.objects.count() == 3


def test_every_store_page_reports_its_view_from_a_static_script(client):
    page = client.get("/").content.decode()
    assert '/static/js/track.js"' in page
