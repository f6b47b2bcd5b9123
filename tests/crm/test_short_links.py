"""Short links /s/<code>: made with an unguessable code for a path in the shop; a click is
recorded and counted, the channel becomes the member's source only if they have none, a
push's link marks the push opened for the member, then the visitor is sent on."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from crm.errors import LinkTargetInvalid
from crm.models import Channel, LinkClick, PurchaseStats, Push, PushRecipient, Segment, ShortLink
from crm.selectors import channels_with_figures
from crm.services.links import CODE_ALPHABET, CODE_LENGTH, link_click, short_link_create, short_link_url
from members.models import Member
from tests.factories import MemberFactory
from tests.helpers import queries_to_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel():
    return Channel.objects.create(name="门店海报", code="store_poster")


@pytest.fixture
def logged_in(member):
    client = Client()
    client.force_login(member)
    return client


def make_push():
    segment = Segment.objects.create(name="全部", rules={"match": "all", "rules": []})
    return Push.objects.create(title="新品上架", target="/products/", segment=segment, send_at=timezone.now())


def recipient(push, member, **fields):
    return PushRecipient.objects.create(push=push, member=member, openid=member.openid, week=date(2026, 11, 16), month=date(2026, 11, 1), **fields)


def test_a_short_link_gets_a_readable_unguessable_code(channel):
    links = [short_link_create(target="/products/12/", channel=channel) for _ in range(20)]
    assert len({link.code for link in links}) == 20
    assert all(len(link.code) == CODE_LENGTH and set(link.code) <= set(CODE_ALPHABET) for link in links)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "products/12/", "javascript:alert(1)", "", "/a b", "/x\ny",
    "/s/abc", "/" + "a" * 300,
])
def test_a_target_outside_the_shop_is_refused(target):
    with pytest.raises(LinkTargetInvalid):
        short_link_create(target=target)
    assert not ShortLink.objects.exists()


def test_a_taken_code_is_drawn_again(channel, monkeypatch):
    taken = short_link_create(target="/", channel=channel)
    draws = iter(taken.code + "23456789ab")
    monkeypatch.setattr("crm.services.links.secrets.choice", lambda alphabet: next(draws))
    link = short_link_create(target="/cart/")
    assert link.code == "23456789ab" and ShortLink.objects.count() == 2


def test_a_click_is_recorded_counted_and_redirected(logged_in, member, channel):
    link = short_link_create(target="/products/12/?from=poster", channel=channel)
    response = logged_in.get(f"/s/{link.code}")
    assert response.status_code == 302 and response["Location"] == "/products/12/?from=poster"
    link.refresh_from_db()
    assert link.click_count == 1
    assert list(LinkClick.objects.values_list("link_id", "member_id")) == [(link.pk, member.pk)]
    assert Member.objects.get(pk=member.pk).source_channel == "store_poster"


def test_the_first_channel_wins(logged_in, member, channel):
    other = Channel.objects.create(name="合作方", code="partner")
    logged_in.get(f"/s/{short_link_create(target='/', channel=other).code}")
    logged_in.get(f"/s/{short_link_create(target='/', channel=channel).code}")
    assert Member.objects.get(pk=member.pk).source_channel == "partner"
    assert LinkClick.objects.count() == 2


def test_an_unknown_code_is_the_shops_404_page(logged_in):
    response = logged_in.get("/s/nosuchcode")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_an_anonymous_visitor_in_wechat_logs_in_first_and_comes_back(channel, settings):
    settings.WECHAT_MODE = "live"
    link = short_link_create(target="/", channel=channel)
    response = Client(HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0.50").get(f"/s/{link.code}")
    assert response.status_code == 302 and response["Location"] == f"/wechat/login/?next=/s/{link.code}"
    assert not LinkClick.objects.exists()


def test_in_emulator_mode_every_browser_logs_in_first(channel):
    link = short_link_create(target="/", channel=channel)
    response = Client().get(f"/s/{link.code}")
    assert response["Location"].startswith("/wechat/login/")


def test_outside_wechat_the_click_is_counted_anonymously(channel, settings):
    settings.WECHAT_MODE = "live"
    link = short_link_create(target="/cart/", channel=channel)
    response = Client(HTTP_USER_AGENT="Mozilla/5.0 Chrome/120").get(f"/s/{link.code}")
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert list(LinkClick.objects.values_list("member_id", flat=True)) == [None]
    assert ShortLink.objects.get(pk=link.pk).click_count == 1


def test_a_push_link_marks_the_push_opened_once_for_that_member(member):
    push = make_push()
    mine, theirs = recipient(push, member), recipient(push, MemberFactory())
    link = short_link_create(target="/products/", push=push)
    link_click(link=link, member=member)
    first_open = PushRecipient.objects.get(pk=mine.pk).opened_at
    assert first_open is not None
    link_click(link=link, member=member)
    assert PushRecipient.objects.get(pk=mine.pk).opened_at == first_open
    assert PushRecipient.objects.get(pk=theirs.pk).opened_at is None
    assert Member.objects.get(pk=member.pk).source_channel == ""


def test_a_push_link_does_not_mark_another_push(member):
    push, other = make_push(), Push.objects.create(title="别的", target="/", segment=Segment.objects.get(), send_at=timezone.now())
    elsewhere = recipient(other, member)
    link_click(link=short_link_create(target="/", push=push), member=member)
    assert PushRecipient.objects.get(pk=elsewhere.pk).opened_at is None


def test_clicks_in_a_burst_are_refused_and_not_counted(logged_in, channel, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "short_link": {"member": "2/m", "ip": "100/m", "methods": ("GET",)}}
    link = short_link_create(target="/", channel=channel)
    statuses = [logged_in.get(f"/s/{link.code}").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert ShortLink.objects.get(pk=link.pk).click_count == 2 and LinkClick.objects.count() == 2


# --- Channels: their short link and what they brought -------------------------------


@pytest.fixture
def operator_client():
    client = Client()
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def brought_by(channel, *, subscribed=False, paid_fen=None):
    member = MemberFactory(source_channel=channel.code, is_subscribed=subscribed)
    if paid_fen is not None:
        PurchaseStats.objects.create(member=member, order_count=1 if paid_fen else 0, paid_fen=paid_fen)
    return member


def test_channel_figures_count_members_followers_buyers_sales_and_clicks(channel):
    other = Channel.objects.create(name="合作方", code="partner")
    brought_by(channel, subscribed=True, paid_fen=12000)
    brought_by(channel, subscribed=True, paid_fen=3050)
    brought_by(channel, paid_fen=0)  # bought and refunded in full: not a paying member
    brought_by(channel)
    brought_by(other, subscribed=True, paid_fen=99900)
    link = short_link_create(target="/", channel=channel)
    for _ in range(3):
        link_click(link=link, member=None)
    link_click(link=short_link_create(target="/cart/", channel=channel), member=None)

    figures = channels_with_figures(Channel.objects.filter(pk=channel.pk)).get()
    assert (figures.member_count, figures.follower_count, figures.buyer_count, figures.sales_fen, figures.click_count) == (4, 2, 2, 15050, 4)
    empty = channels_with_figures(Channel.objects.filter(pk=Channel.objects.create(name="空", code="empty").pk)).get()
    assert (empty.member_count, empty.follower_count, empty.buyer_count, empty.sales_fen, empty.click_count) == (0, 0, 0, 0, 0)


def test_the_channel_list_shows_the_figures_in_a_fixed_number_of_queries(operator_client, channel):
    brought_by(channel, subscribed=True, paid_fen=12000)
    short_link_create(target="/", channel=channel)
    operator_client.get("/admin/crm/channel/")  # the first page of a session loads what later ones reuse
    few = queries_to_get(operator_client, "/admin/crm/channel/")
    for n in range(5):
        extra = Channel.objects.create(name=f"渠道{n}", code=f"extra{n}")
        brought_by(extra, paid_fen=100)
        short_link_create(target="/", channel=extra)
    assert queries_to_get(operator_client, "/admin/crm/channel/") == few
    page = operator_client.get("/admin/crm/channel/").content.decode()
    assert "120.00" in page and "/s/" in page


def test_a_channel_added_in_the_admin_gets_its_short_link(operator_client):
    response = operator_client.post("/admin/crm/channel/add/", {
        "name": "地铁广告", "code": "metro", "kind": "link",
        "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0", "links-MIN_NUM_FORMS": "0", "links-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ShortLink.objects.get(channel__code="metro")
    assert link.target == "/"
    assert short_link_url(link=link) in operator_client.get(f"/admin/crm/channel/{link.channel_id}/change/").content.decode()


def test_the_action_gives_a_short_link_to_channels_without_one(operator_client, channel):
    linked = Channel.objects.create(name="已有", code="linked")
    kept = short_link_create(target="/cart/", channel=linked)
    operator_client.post("/admin/crm/channel/", {"action": "make_links", "_selected_action": [channel.pk, linked.pk]})
    assert ShortLink.objects.filter(channel=channel).count() == 1
    assert list(ShortLink.objects.filter(channel=linked)) == [kept]


def test_an_operator_adds_a_link_whose_target_is_checked(operator_client, channel):
    bad = operator_client.post("/admin/crm/shortlink/add/", {"target": "https://evil.example/", "channel": channel.pk, "links-TOTAL_FORMS": "0"})
    assert bad.status_code == 200 and "本店内的路径" in bad.content.decode()
    assert not ShortLink.objects.exists()
    good = operator_client.post("/admin/crm/shortlink/add/", {
        "target": "/products/3/", "channel": channel.pk,
        "clicks-TOTAL_FORMS": "0", "clicks-INITIAL_FORMS": "0", "clicks-MIN_NUM_FORMS": "0", "clicks-MAX_NUM_FORMS": "1000",
    })
    assert good.status_code == 302
    link = ShortLink.objects.get()
    assert link.channel == channel and len(link.code) == CODE_LENGTH
