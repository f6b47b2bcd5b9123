"""The emulator's customer-service messages (`message/custom/send`): answered like WeChat —
a valid token, the 48-hour window since the user's last message, 20 replies per message —
and shown on each test user's chat page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory
from wechat.customer_service import CustomerServiceError, send_custom_text
from wechat.emulator.models import CustomMessage, EmulatedUser
from wechat.emulator.pages import _send_event
from wechat.models import AccountEvent

pytestmark = pytest.mark.django_db

OPENID = "o_emu_laowang"


@pytest.fixture
def user():
    return EmulatedUser.objects.create(openid=OPENID, unionid="u_laowang", nickname="老王")


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(MemberFactory(is_staff=True, openid=None))
    return client


def user_says(user, text):
    _send_event(user, "text", "", text)


def test_a_reply_to_a_user_who_wrote_is_kept(user):
    user_says(user, "你好")
    send_custom_text(openid=OPENID, content="您好，请问有什么可以帮您？")
    assert list(CustomMessage.objects.values_list("sender", "content")) == [("user", "你好"), ("account", "您好，请问有什么可以帮您？")]


def test_no_message_within_48_hours_is_45015(user):
    user_says(user, "你好")
    CustomMessage.objects.update(created_at=timezone.now() - timedelta(hours=48, seconds=1))
    with pytest.raises(CustomerServiceError) as refused:
        send_custom_text(openid=OPENID, content="晚了")
    assert refused.value.errcode == 45015 and "48 小时" in str(refused.value)
    assert not CustomMessage.objects.filter(sender="account").exists()


def test_a_user_who_never_wrote_cannot_be_messaged(user):
    with pytest.raises(CustomerServiceError) as refused:
        send_custom_text(openid=OPENID, content="你好")
    assert refused.value.errcode == 45015


def test_twenty_replies_per_user_message_at_most(user):
    user_says(user, "你好")
    for n in range(20):
        send_custom_text(openid=OPENID, content=f"第 {n} 条")
    with pytest.raises(CustomerServiceError) as refused:
        send_custom_text(openid=OPENID, content="第 21 条")
    assert refused.value.errcode == 45047
    user_says(user, "还在吗")
    send_custom_text(openid=OPENID, content="在的")


def test_an_unknown_openid_is_40003(user):
    with pytest.raises(CustomerServiceError) as refused:
        send_custom_text(openid="o_nobody", content="你好")
    assert refused.value.errcode == 40003


@pytest.mark.parametrize(("query", "errcode"), [("", 41001), ("?access_token=forged", 40001)])
def test_the_api_needs_a_token_it_issued(client, user, query, errcode):
    user_says(user, "你好")
    response = client.post(f"/wx-emulator/api/cgi-bin/message/custom/send{query}",
                           {"touser": OPENID, "msgtype": "text", "text": {"content": "x"}}, content_type="application/json")
    assert response.json()["errcode"] == errcode
    assert not CustomMessage.objects.filter(sender="account").exists()


def test_the_chat_page_shows_both_sides_to_staff_only(client, staff_client, user):
    user_says(user, "有满减吗")
    send_custom_text(openid=OPENID, content="满 199 减 30")
    page = staff_client.get(f"/wx-emulator/official-account/chat/{OPENID}/").content.decode()
    assert page.index("有满减吗") < page.index("满 199 减 30")
    assert client.get(f"/wx-emulator/official-account/chat/{OPENID}/").status_code == 302  # to the admin login


def test_typing_in_the_chat_sends_the_text_to_the_shop(staff_client, user):
    response = staff_client.post(f"/wx-emulator/official-account/chat/{OPENID}/send/", {"text": "想退货"})
    assert response.status_code == 302
    assert CustomMessage.objects.get().content == "想退货"
    assert AccountEvent.objects.get().content == "想退货"
