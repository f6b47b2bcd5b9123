"""The CRM's back-office lists cost the same number of queries however many rows they
show, and no admin page counts the operator's cart: the shop's context processor runs for
every template unfold renders with the request (each card, button and tab), so the store's
cart badge must cost nothing until a store page shows it."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import (
    Channel,
    CouponDrop,
    FollowUp,
    InboxMessage,
    MemberTag,
    PurchaseStats,
    Push,
    PushRecipient,
    Segment,
    ShortLink,
    Tag,
)
from mall.models import CouponTemplate
from tests.factories import CartItemFactory, MemberFactory
from tests.helpers import queries_to_get

pytestmark = pytest.mark.django_db
numbers = itertools.count()

LISTS = [
    "/admin/members/member/", "/admin/crm/segment/", "/admin/crm/tag/", "/admin/crm/push/", "/admin/crm/conversation/",
    "/admin/crm/coupondrop/", "/admin/crm/channel/", "/admin/crm/shortlink/", "/admin/crm/followup/",
]


def a_row_on_every_list(operator):
    """One member with a tag, purchase stats, a conversation and a follow-up, and one of
    each CRM object around them, so each list above grows by a row."""
    n = next(numbers)
    member = MemberFactory(source_channel=f"ch{n}", province="广东", city="深圳", phone="13800138000", points=5)
    tag, _ = Tag.objects.get_or_create(name="老客", defaults={"kind": Tag.Kind.MANUAL})
    MemberTag.objects.create(member=member, tag=tag)
    PurchaseStats.objects.create(member=member, order_count=1, paid_fen=100, r_score=3, f_score=3, m_score=3, rfm_group="champion")
    segment = Segment.objects.create(name=f"分群{n}", rules={"all": []}, created_by=operator)
    Tag.objects.create(name=f"自动{n}", kind=Tag.Kind.RULE, segment=segment)
    now = timezone.now()
    push = Push.objects.create(title=f"推送{n}", target="/", segment=segment, send_at=now, status=Push.Status.SENT, created_by=operator)
    PushRecipient.objects.create(push=push, member=member, openid=member.openid, week=now.date(), month=now.date(), status="sent", sent_at=now)
    template = CouponTemplate.objects.create(title=f"券{n}", amount_fen=100)
    CouponDrop.objects.create(segment=segment, template=template, targeted=1, granted=1, status="done", finished_at=now, created_by=operator)
    channel = Channel.objects.create(name=f"渠道{n}", code=f"ch{n}")
    ShortLink.objects.create(code=f"code{n}", target="/", channel=channel, push=push)
    InboxMessage.objects.create(member=member, direction="in", content="在吗", status="received")
    InboxMessage.objects.create(member=member, direction="out", content="在的", status="sent", operator=operator)
    FollowUp.objects.create(member=member, note="已回复", operator=operator, response_seconds=30)


@pytest.fixture
def operator(client):
    operator = MemberFactory(is_staff=True, is_superuser=True)  # with an openid, so the cart badge could be counted
    CartItemFactory(member=operator)
    client.force_login(operator)
    return operator


@pytest.mark.parametrize("path", LISTS)
def test_a_crm_list_costs_the_same_with_3_rows_or_30(client, operator, path):
    for _ in range(3):
        a_row_on_every_list(operator)
    queries_to_get(client, path)  # warm the caches (settings singletons, content types)
    with_three = queries_to_get(client, path)
    for _ in range(27):
        a_row_on_every_list(operator)
    assert queries_to_get(client, path) == with_three


@pytest.mark.parametrize("path", ["/admin/", "/admin/members/member/", "/admin/crm/push/"])
def test_admin_pages_never_count_the_operators_cart(client, operator, path):
    a_row_on_every_list(operator)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    assert not [query for query in captured if "mall_cartitem" in query["sql"]]


def test_the_store_still_shows_the_cart_badge_counted_once(client, operator):
    CartItemFactory(member=operator)
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/categories/").content.decode()
    assert 'data-cart-badge>2</span>' in html
    assert len([query for query in captured if "mall_cartitem" in query["sql"]]) == 1


@pytest.mark.parametrize("path", ["/admin/crm/segment/add/", "/admin/crm/segment/{pk}/change/"])
def test_the_segment_page_works_out_the_rule_builders_fields_once(client, operator, path):
    segment = Segment.objects.create(name="广东女性", rules={"all": []})
    with CaptureQueriesContext(connection) as captured:
        html = client.get(path.format(pk=segment.pk)).content.decode()
    assert 'id="segment-builder"' in html
    assert len([query for query in captured if 'FROM "crm_channel"' in query["sql"]]) == 1  # one of the schema's choice lists
