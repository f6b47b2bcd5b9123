"""The official account's server URL: signature, echo, follows, scans, texts."""

import time

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.pay.utils import dict_to_xml
from wechatpy.utils import WeChatSigner

from crm.models import Channel
from members.models import Member
from tests.factories import MemberFactory
from tests.helpers import deliver_events
from wechat.emulator.models import QrTicket
from wechat.emulator.notices import signed_callback_url
from wechat.models import AccountEvent

pytestmark = pytest.mark.django_db


def event_xml(openid="o_fan_1", **fields) -> bytes:
    message = {"ToUserName": "gh_micromall0001", "FromUserName": openid, "CreateTime": str(int(time.time())), "MsgType": "event", **fields}
    return dict_to_xml(message).encode()


def send(client, body: bytes, url: str | None = None):
    """Post a signed push as WeChat would, then let the subscribers of what it recorded run."""
    response = client.post(url or signed_callback_url("/wechat/callback/"), body, content_type="text/xml")
    deliver_events()
    return response


def test_get_with_a_good_signature_echoes(client):
    response = client.get(signed_callback_url("/wechat/callback/") + "&echostr=hello123")
    assert response.status_code == 200 and response.content == b"hello123"


@pytest.mark.parametrize("query", ["", "?signature=bad&timestamp=1&nonce=2&echostr=x"])
def test_a_bad_signature_is_refused(client, query):
    assert client.get(f"/wechat/callback/{query}").status_code == 403
    assert client.post(f"/wechat/callback/{query}", event_xml(Event="subscribe"), content_type="text/xml").status_code == 403
    assert not AccountEvent.objects.exists()


def test_a_follow_makes_a_subscribed_member_and_gets_a_welcome(client, settings):
    response = send(client, event_xml(Event="subscribe"))
    reply = xmltodict.parse(response.content)["xml"]
    assert reply["MsgType"] == "text" and "欢迎关注" in reply["Content"] and settings.SITE_URL in reply["Content"]
    assert reply["ToUserName"] == "o_fan_1"
    member = Member.objects.get(openid="o_fan_1")
    assert member.is_subscribed and member.subscribed_at
    assert AccountEvent.objects.get().kind == "subscribe"


def test_a_follow_from_a_channel_qr_code_records_the_channel(client):
    Channel.objects.create(name="门店海报", code="store_poster")
    send(client, event_xml(Event="subscribe", EventKey="qrscene_ch_store_poster", Ticket="t"))
    assert Member.objects.get(openid="o_fan_1").source_channel == "store_poster"
    assert AccountEvent.objects.get().scene == "ch_store_poster"
    Channel.objects.create(name="另一个", code="other")
    send(client, event_xml(Event="SCAN", EventKey="ch_other", Ticket="t", CreateTime=str(int(time.time()) + 5)))
    assert Member.objects.get(openid="o_fan_1").source_channel == "store_poster"  # first touch stays


def test_unfollowing_is_recorded(client):
    send(client, event_xml(Event="subscribe"))
    send(client, event_xml(Event="unsubscribe", CreateTime=str(int(time.time()) + 1)))
    member = Member.objects.get(openid="o_fan_1")
    assert not member.is_subscribed and member.unsubscribed_at


def test_text_messages_are_recorded_once_even_when_wechat_retries(client):
    body = dict_to_xml({"ToUserName": "gh_x", "FromUserName": "o_fan_2", "CreateTime": "1795000000", "MsgType": "text",
                        "Content": "有优惠吗", "MsgId": "23456789012345678"}).encode()
    assert send(client, body).content == b"success"
    send(client, body)
    event = AccountEvent.objects.get()
    assert (event.kind, event.content) == ("text", "有优惠吗")


@pytest.mark.parametrize("body", [b"", b"<xml>", b"<xml><MsgType>event</MsgType></xml>", b"garbage"])
def test_malformed_messages_answer_success_never_500(client, body):
    response = send(client, body)
    assert response.status_code == 200 and response.content == b"success"


def test_safe_mode_messages_are_decrypted_and_replies_encrypted(client, settings):
    settings.WECHAT_ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    crypto = WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APPID)
    nonce, timestamp = "12345", str(int(time.time()))
    envelope = xmltodict.parse(crypto.encrypt_message(event_xml(Event="subscribe").decode(), nonce, timestamp))["xml"]
    body = dict_to_xml({"ToUserName": "gh_x", "Encrypt": envelope["Encrypt"]}).encode()
    signer = WeChatSigner()
    signer.add_data(settings.WECHAT_TOKEN, timestamp, nonce)
    url = f"/wechat/callback/?signature={signer.signature}&timestamp={timestamp}&nonce={nonce}&encrypt_type=aes"

    assert client.post(url + "&msg_signature=forged", body, content_type="text/xml").status_code == 403
    response = client.post(url + f"&msg_signature={envelope['MsgSignature']}", body, content_type="text/xml")
    assert response.status_code == 200
    answer = xmltodict.parse(response.content)["xml"]
    reply = crypto.decrypt_message(response.content, answer["MsgSignature"], answer["TimeStamp"], answer["Nonce"])
    assert "欢迎关注" in reply
    deliver_events()
    assert Member.objects.get(openid="o_fan_1").is_subscribed


def test_channels_get_parametric_qr_codes_in_the_admin(client):
    channel = Channel.objects.create(name="门店海报", code="store_poster")
    client.force_login(Member.objects.create_superuser(username="boss", password="x", email=""))
    client.post("/admin/crm/channel/", {"action": "make_qrcodes", "_selected_action": [channel.pk]})
    channel.refresh_from_db()
    assert QrTicket.objects.get().scene == "ch_store_poster"
    assert channel.qr_ticket and channel.qr_url.startswith("http://weixin.qq.com/q/")
    image = client.get(channel.qr_image_url.replace("http://127.0.0.1:8000", ""))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_the_emulator_page_sends_a_scan_follow_end_to_end(client):
    Channel.objects.create(name="展会", code="expo")
    client.force_login(MemberFactory(is_staff=True))  # the emulator's phone is an operator's page
    response = client.post("/wx-emulator/official-account/", {"openid": "o_emu_lili", "event": "subscribe_scene", "scene": "ch_expo"})
    assert response.status_code == 200 and "欢迎关注" in response.content.decode()
    deliver_events()
    member = Member.objects.get(openid="o_emu_lili")
    assert member.is_subscribed and member.source_channel == "expo"


def test_an_old_signature_is_refused_even_if_valid(client, settings):
    from wechatpy.utils import WeChatSigner

    signer = WeChatSigner()
    signer.add_data(settings.WECHAT_TOKEN, "1000000000", "42")
    url = f"/wechat/callback/?signature={signer.signature}&timestamp=1000000000&nonce=42"
    assert send(client, event_xml(Event="subscribe"), url).status_code == 403
    assert not Member.objects.filter(openid="o_fan_1").exists()


@pytest.mark.parametrize(
    "fields",
    [{"CreateTime": "abc"}, {"CreateTime": "99999999999999999"}, {"FromUserName": "o" * 200}, {"MsgId": "abc", "MsgType": "text", "Content": "x"}],
)
def test_pushes_wechat_never_sends_answer_success_never_500(client, fields):
    message = {"ToUserName": "gh_x", "FromUserName": "o_fan_9", "CreateTime": str(int(time.time())), "MsgType": "event", "Event": "subscribe", **fields}
    response = send(client, dict_to_xml(message).encode())
    assert response.status_code == 200 and response.content == b"success"


def test_nested_fields_answer_success(client):
    body = b"<xml><ToUserName>gh</ToUserName><FromUserName><a>1</a></FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    assert send(client, body).content == b"success"
