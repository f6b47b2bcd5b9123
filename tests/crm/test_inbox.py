"""The customer-service inbox: a member's text reaches it once, an operator's reply goes
through WeChat's customer-service messages (the emulator) within the 48-hour window, and
each reply is a follow-up whose response time is measured once per unanswered message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import InvalidInput
from crm.errors import ReplyWindowClosed
from crm.models import FollowUp, InboxMessage
from crm.receivers.inbox import inbox
from crm.services.inbox import follow_up_record, inbox_reply
from members.models import Member
from outbox.models import Event
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import deliver_events, requires_postgres
from wechat.emulator.models import CustomMessage, EmulatedUser
from wechat.emulator.pages import _send_event
from wechat.models import ACCOUNT_EVENT

pytestmark = pytest.mark.django_db

OPENID = "o_emu_xiaohong"


@pytest.fixture
def phone():
    """小红's emulated phone: what she types goes to the shop like a real WeChat push."""
    user = EmulatedUser.objects.create(openid=OPENID, unionid="u_xiaohong", nickname="小红")

    def say(text):
        assert _send_event(user, "text", "", text).status_code == 200
        deliver_events()

    return say


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, openid=None, nickname="客服小李")


def replies_on_phone():
    return list(CustomMessage.objects.filter(openid=OPENID, sender="account").values_list("content", flat=True))


def age_inbound(member, hours):
    InboxMessage.objects.filter(member=member, direction="in").update(created_at=timezone.now() - timedelta(hours=hours))


def test_a_text_to_the_official_account_lands_in_the_inbox_of_its_member(phone):
    phone("这款面霜适合干皮吗？")
    message = InboxMessage.objects.get()
    assert message.member == Member.objects.get(openid=OPENID)
    assert (message.direction, message.status, message.content, message.operator) == ("in", "received", "这款面霜适合干皮吗？", None)


def test_a_redelivered_event_is_one_message():
    event = Event.objects.create(name=ACCOUNT_EVENT, payload={"openid": OPENID, "kind": "text", "scene": "", "content": "在吗"})
    inbox(event)
    inbox(event)
    assert InboxMessage.objects.count() == 1
    assert InboxMessage.objects.get().created_at == event.created_at  # the window counts from when WeChat sent it


def test_follows_and_scans_are_not_messages():
    for kind in ("subscribe", "scan", "unsubscribe"):
        inbox(Event.objects.create(name=ACCOUNT_EVENT, payload={"openid": OPENID, "kind": kind, "scene": "", "content": ""}))
    assert not InboxMessage.objects.exists()


def test_a_reply_within_48_hours_reaches_the_phone_and_is_a_follow_up(phone, operator):
    phone("有优惠吗")
    member = Member.objects.get(openid=OPENID)
    age_inbound(member, hours=2)
    reply = inbox_reply(member=member, operator=operator, content="  本周满 199 减 30 哦  ")
    assert (reply.direction, reply.status, reply.content, reply.operator) == ("out", "sent", "本周满 199 减 30 哦", operator)
    assert replies_on_phone() == ["本周满 199 减 30 哦"]
    follow_up = FollowUp.objects.get()
    assert (follow_up.member, follow_up.channel, follow_up.note, follow_up.operator) == (member, "wechat", "本周满 199 减 30 哦", operator)
    assert 2 * 3600 <= follow_up.response_seconds < 2 * 3600 + 60


def test_a_reply_after_48_hours_is_refused_and_nothing_is_sent_or_kept(phone, operator):
    phone("有优惠吗")
    member = Member.objects.get(openid=OPENID)
    age_inbound(member, hours=48)
    with pytest.raises(ReplyWindowClosed) as refused:
        inbox_reply(member=member, operator=operator, content="抱歉回复晚了")
    assert refused.value.code == "reply_window_closed" and "48 小时" in refused.value.message
    assert replies_on_phone() == [] and not InboxMessage.objects.filter(direction="out").exists() and not FollowUp.objects.exists()


def test_a_member_who_never_wrote_cannot_be_replied_to(operator):
    with pytest.raises(ReplyWindowClosed):
        inbox_reply(member=MemberFactory(), operator=operator, content="你好")
    assert not InboxMessage.objects.exists()


@pytest.mark.parametrize("content", ["", "   ", "\x00", "好" * 683])
def test_empty_or_oversized_replies_are_refused_before_sending(phone, operator, content):
    phone("在吗")
    with pytest.raises(InvalidInput) as refused:
        inbox_reply(member=Member.objects.get(openid=OPENID), operator=operator, content=content)
    assert "回复" in refused.value.message
    assert replies_on_phone() == [] and InboxMessage.objects.count() == 1


def test_the_longest_reply_wechat_takes_is_sent(phone, operator):
    phone("在吗")
    inbox_reply(member=Member.objects.get(openid=OPENID), operator=operator, content="好" * 682)  # 2046 bytes
    assert replies_on_phone() == ["好" * 682]


def test_a_reply_wechat_refuses_is_kept_as_failed_with_the_reason(phone, operator):
    phone("在吗")
    EmulatedUser.objects.filter(openid=OPENID).update(subscribed=False)  # WeChat answers 45015
    reply = inbox_reply(member=Member.objects.get(openid=OPENID), operator=operator, content="您好")
    assert reply.status == "failed" and "48 小时" in reply.last_error and "取消关注" in reply.last_error
    assert replies_on_phone() == [] and not FollowUp.objects.exists()
    assert InboxMessage.objects.get(direction="in").answered_at is None  # still waiting for an answer


def test_response_time_is_measured_once_per_unanswered_message(phone, operator):
    phone("第一个问题")
    phone("第二个问题")
    member = Member.objects.get(openid=OPENID)
    first, second = InboxMessage.objects.filter(direction="in").order_by("id")
    InboxMessage.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=3))
    InboxMessage.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=1))
    inbox_reply(member=member, operator=operator, content="回答一")
    inbox_reply(member=member, operator=operator, content="补充一句")
    phone("第三个问题")
    follow_up_record(member=member, operator=operator, channel="phone", note="电话回访，已解答")
    measured = list(FollowUp.objects.order_by("id").values_list("response_seconds", flat=True))
    assert 3 * 3600 <= measured[0] < 3 * 3600 + 60  # from the oldest unanswered, not the latest
    assert measured[1] is None  # nothing was waiting any more
    assert measured[2] is not None and measured[2] < 60
    assert not InboxMessage.objects.filter(direction="in", answered_at__isnull=True).exists()


def test_a_follow_up_needs_a_note_and_a_known_channel(operator):
    member = MemberFactory()
    with pytest.raises(InvalidInput):
        follow_up_record(member=member, operator=operator, channel="phone", note="  ")
    with pytest.raises(InvalidInput):
        follow_up_record(member=member, operator=operator, channel="pigeon", note="飞鸽传书")
    assert not FollowUp.objects.exists()


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_operators_replying_at_once_all_send_and_the_wait_is_counted_once(phone):
    phone("请问发货了吗")
    member = Member.objects.get(openid=OPENID)
    operators = [MemberFactory(is_staff=True, openid=None) for _ in range(6)]
    results, errors = race([lambda op=op: inbox_reply(member=member, operator=op, content=f"{op.pk} 来回复") for op in operators])
    assert not errors
    assert [message.status for message in results] == ["sent"] * 6
    assert len(replies_on_phone()) == 6 and FollowUp.objects.count() == 6
    assert FollowUp.objects.filter(response_seconds__isnull=False).count() == 1


# --- The back office: the inbox, the conversation page, follow-up records -------------


def operator_in(group_name):
    from django.contrib.auth.models import Group

    account = MemberFactory(is_staff=True, openid=None, nickname=f"{group_name}的账号")
    account.groups.add(Group.objects.get(name=group_name))
    return account


def test_the_inbox_lists_conversations_newest_first_and_filters_those_waiting(client, phone):
    quiet, answered = MemberFactory(nickname="老客户"), MemberFactory(nickname="已答复")
    InboxMessage.objects.create(member=quiet, direction="in", status="received", content="旧问题", created_at=timezone.now() - timedelta(hours=50))
    InboxMessage.objects.create(member=answered, direction="in", status="received", content="问题", created_at=timezone.now() - timedelta(hours=2))
    InboxMessage.objects.create(member=answered, direction="out", status="sent", content="答复", created_at=timezone.now() - timedelta(hours=1))
    phone("刚刚的问题")
    client.force_login(operator_in("订单客服"))
    page = client.get("/admin/crm/conversation/").content.decode()
    assert page.index("刚刚的问题") < page.index("已答复") < page.index("老客户")
    waiting = client.get("/admin/crm/conversation/?state=waiting").content.decode()
    assert "刚刚的问题" in waiting and "待回复，剩余 47 小时" in waiting and "老客户" not in waiting and "已答复" not in waiting
    assert "老客户" in client.get("/admin/crm/conversation/?state=expired").content.decode()


def test_an_operator_replies_on_the_conversation_page_and_the_phone_gets_it(client, phone):
    phone("能开发票吗")
    member = Member.objects.get(openid=OPENID)
    client.force_login(operator_in("订单客服"))
    url = f"/admin/crm/conversation/{member.pk}/change/"
    page = client.get(url).content.decode()
    assert "能开发票吗" in page and "可回复，剩余 47 小时" in page
    response = client.post(url, {"content": "可以的，下单时填写抬头"}, follow=True)
    assert "已回复" in response.content.decode()
    assert replies_on_phone() == ["可以的，下单时填写抬头"]
    assert FollowUp.objects.get().operator.nickname == "订单客服的账号"


def test_a_reply_after_the_window_shows_the_error_and_sends_nothing(client, phone):
    phone("在吗")
    member = Member.objects.get(openid=OPENID)
    age_inbound(member, hours=49)
    client.force_login(operator_in("订单客服"))
    url = f"/admin/crm/conversation/{member.pk}/change/"
    assert "已超过 48 小时，无法回复" in client.get(url).content.decode()
    response = client.post(url, {"content": "在的"}, follow=True)
    assert response.status_code == 200 and "48 小时内没有发来消息" in response.content.decode()
    assert replies_on_phone() == [] and not InboxMessage.objects.filter(direction="out").exists()


def test_a_refused_reply_is_shown_to_the_operator(client, phone):
    phone("在吗")
    EmulatedUser.objects.filter(openid=OPENID).update(subscribed=False)
    client.force_login(operator_in("订单客服"))
    response = client.post(f"/admin/crm/conversation/{Member.objects.get(openid=OPENID).pk}/change/", {"content": "在的"}, follow=True)
    assert "微信未送达" in response.content.decode() and "取消关注" in response.content.decode()


def test_member_operators_read_the_inbox_but_do_not_reply(client, phone):
    phone("在吗")
    client.force_login(operator_in("会员运营"))
    url = f"/admin/crm/conversation/{Member.objects.get(openid=OPENID).pk}/change/"
    page = client.get(url).content.decode()
    assert "在吗" in page and "发送回复" not in page
    assert client.post(url, {"content": "在的"}).status_code == 403
    assert replies_on_phone() == []


def test_a_follow_up_added_in_the_admin_is_by_the_current_operator_and_read_only_after(client, phone):
    phone("帮我改地址")
    member = Member.objects.get(openid=OPENID)
    age_inbound(member, hours=1)
    operator = operator_in("会员运营")
    client.force_login(operator)
    response = client.post("/admin/crm/followup/add/", {"member": member.pk, "channel": "phone", "note": "电话确认新地址", "operator": ""})
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.operator, follow_up.channel) == (operator, "phone") and 3600 <= follow_up.response_seconds < 3660
    listing = client.get("/admin/crm/followup/?channel=phone").content.decode()
    assert "电话确认新地址" in listing and "1 小时" in listing
    assert client.post(f"/admin/crm/followup/{follow_up.pk}/change/", {"member": member.pk, "channel": "sms", "note": "改了"}).status_code == 403
    assert FollowUp.objects.get().note == "电话确认新地址"


def test_a_data_request_exports_the_conversation_and_erasure_removes_it(phone, operator):
    from crm.selectors import member_personal_data
    from crm.services.personal_data import member_erase_personal_data

    phone("我的手机号是 13812345678")
    member = Member.objects.get(openid=OPENID)
    inbox_reply(member=member, operator=operator, content="收到，已为您登记")
    exported = member_personal_data(member=member)["customer_service"]
    assert [line["content"] for line in exported] == ["我的手机号是 13812345678", "收到，已为您登记"]
    member_erase_personal_data(member=member)
    assert not InboxMessage.objects.filter(member=member).exists()
    assert FollowUp.objects.get(member=member).note == "（已注销）"
