"""Mass messages through wechatpy against the emulator: upload the news, send it by openid
list (or preview to one), WeChat's error codes for bad input, the phone's inbox page."""

import json

import pytest
from django.test import Client

from tests.factories import MemberFactory
from wechat.client import OfficialAccountClient
from wechat.emulator.models import EmulatedUser, MassMessage, MassNews
from wechat.mass_messages import MassMessageError, News, news_send, news_upload

pytestmark = pytest.mark.django_db

NEWS = News(title="春季护肤上新", summary="补水三件套 8 折", cover_url="http://testserver/media/cover.jpg", url="http://testserver/s/abc123/")


@pytest.fixture
def users():
    for n in range(3):
        EmulatedUser.objects.create(openid=f"o_emu_mass_{n}", unionid=f"u_mass_{n}", nickname=f"用户{n}")
    return ["o_emu_mass_0", "o_emu_mass_1", "o_emu_mass_2"]


def test_news_uploaded_once_and_sent_to_each_follower(users):
    media_id = news_upload(NEWS)
    article = MassNews.objects.get(media_id=media_id).articles[0]
    assert (article["title"], article["digest"], article["content_source_url"]) == ("春季护肤上新", "补水三件套 8 折", NEWS.url)
    assert 'src="http://testserver/media/cover.jpg"' in article["content"]
    msg_id = news_send(media_id=media_id, openids=users)
    assert msg_id
    assert sorted(MassMessage.objects.filter(msg_id=int(msg_id)).values_list("touser", flat=True)) == users


def test_one_openid_goes_through_preview(users):
    news_send(media_id=news_upload(NEWS), openids=users[:1])
    message = MassMessage.objects.get()
    assert (message.touser, message.preview) == (users[0], True)


def test_unfollowers_are_skipped_and_a_list_of_none_is_refused(users):
    EmulatedUser.objects.filter(openid=users[0]).update(subscribed=False)
    media_id = news_upload(NEWS)
    news_send(media_id=media_id, openids=users)
    assert sorted(MassMessage.objects.values_list("touser", flat=True)) == users[1:]
    with pytest.raises(MassMessageError) as refused:
        news_send(media_id=media_id, openids=["o_nobody_1", "o_nobody_2"])
    assert refused.value.errcode == 40003
    with pytest.raises(MassMessageError) as unsubscribed:
        news_send(media_id=media_id, openids=users[:1])
    assert unsubscribed.value.errcode == 43004


def test_unknown_media_id_is_refused(users):
    with pytest.raises(MassMessageError) as refused:
        news_send(media_id="nope", openids=users)
    assert refused.value.errcode == 40007 and not MassMessage.objects.exists()


def post(path: str, body: dict) -> dict:
    client = OfficialAccountClient()
    client.fetch_access_token()
    return Client().post(f"/wx-emulator/api/cgi-bin/{path}?access_token={client.access_token}",
                         data=json.dumps(body), content_type="application/json").json()


@pytest.mark.parametrize(("body", "errcode"), [
    ({"touser": ["o_emu_mass_0"], "msgtype": "mpnews", "mpnews": {"media_id": "M"}}, 40130),
    ({"touser": ["o_emu_mass_0", "o_emu_mass_1"], "msgtype": "text", "text": {"content": "hi"}}, 40008),
    ({"touser": "o_emu_mass_0", "msgtype": "mpnews", "mpnews": {"media_id": "M"}}, 40003),
    ({"touser": ["o_emu_mass_0", "o_emu_mass_1"], "msgtype": "mpnews", "mpnews": {"media_id": 5}}, 40007),
])
def test_bad_mass_send_bodies_get_wechats_errors(users, body, errcode):
    if body.get("mpnews", {}).get("media_id") == "M":
        body["mpnews"]["media_id"] = news_upload(NEWS)
    assert post("message/mass/send", body)["errcode"] == errcode
    assert not MassMessage.objects.exists()


@pytest.mark.parametrize(("articles", "errcode"), [
    ([], 44003), ([{"title": "", "content": "x"}], 45003), ([{"title": "t", "content": " "}], 44004),
    ([{"title": "t", "content": "x"}] * 9, 45008), ([{"title": "t"}], 47001),
])
def test_bad_news_is_refused(articles, errcode):
    assert post("media/uploadnews", {"articles": articles})["errcode"] == errcode
    assert not MassNews.objects.exists()


def test_without_token_nothing_is_sent():
    response = Client().post("/wx-emulator/api/cgi-bin/message/mass/send", data="{}", content_type="application/json")
    assert response.json()["errcode"] == 41001


def test_the_phone_shows_each_users_news_with_a_link_into_the_store(users):
    news_send(media_id=news_upload(NEWS), openids=users[:2])
    browser = Client()
    browser.force_login(MemberFactory(is_staff=True))
    page = browser.get("/wx-emulator/mass/", {"openid": users[1]}).content.decode()
    assert "春季护肤上新" in page and "补水三件套 8 折" in page and "http://testserver/media/cover.jpg" in page
    assert "/wechat/login/?next=%2Fs%2Fabc123%2F" in page
    assert "春季护肤上新" not in browser.get("/wx-emulator/mass/", {"openid": users[2]}).content.decode()
