"""Mass messages through wechatpy against the emulator: upload the cover as a thumb and
the news naming it, send it by openid list (or preview to one), WeChat's error codes for
bad input, the phone's inbox page."""

import datetime
import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import MemberFactory
from wechat.client import OfficialAccountClient
from wechat.emulator.models import EmulatedUser, MassMessage, MassNews, MassThumb
from wechat.mass_messages import MAX_THUMB_BYTES, MassMessageError, News, news_send, news_upload, thumb_upload

pytestmark = pytest.mark.django_db

NEWS = News(title="春季护肤上新", summary="补水三件套 8 折", url="http://testserver/s/abc123/")


def image_bytes(*, size=(90, 50), fmt="JPEG", noise=False, **options) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, (229, 57, 53))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


COVER = image_bytes()


@pytest.fixture
def thumb():
    return thumb_upload(COVER)


def upload() -> str:
    return news_upload(NEWS, thumb_media_id=thumb_upload(COVER))


@pytest.fixture
def users():
    for n in range(3):
        EmulatedUser.objects.create(openid=f"o_emu_mass_{n}", unionid=f"u_mass_{n}", nickname=f"用户{n}")
    return ["o_emu_mass_0", "o_emu_mass_1", "o_emu_mass_2"]


def test_news_uploaded_once_and_sent_to_each_follower(users, thumb):
    media_id = news_upload(NEWS, thumb_media_id=thumb)
    article = MassNews.objects.get(media_id=media_id).articles[0]
    assert (article["title"], article["digest"], article["content_source_url"]) == ("春季护肤上新", "补水三件套 8 折", NEWS.url)
    assert (article["thumb_media_id"], article["show_cover_pic"]) == (thumb, 1)
    assert bytes(MassThumb.objects.get(media_id=thumb).image) == COVER
    msg_id = news_send(media_id=media_id, openids=users)
    assert msg_id
    assert sorted(MassMessage.objects.filter(msg_id=int(msg_id)).values_list("touser", flat=True)) == users


def test_one_openid_goes_through_preview(users):
    news_send(media_id=upload(), openids=users[:1])
    message = MassMessage.objects.get()
    assert (message.touser, message.preview) == (users[0], True)


def test_unfollowers_are_skipped_and_a_list_of_none_is_refused(users):
    EmulatedUser.objects.filter(openid=users[0]).update(subscribed=False)
    media_id = upload()
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
        body["mpnews"]["media_id"] = upload()
    assert post("message/mass/send", body)["errcode"] == errcode
    assert not MassMessage.objects.exists()


@pytest.mark.parametrize(("articles", "errcode"), [
    ([], 44003), ([{"title": "", "content": "x"}], 45003), ([{"title": "t", "content": " "}], 44004),
    ([{"title": "t", "content": "x"}] * 9, 45008), ([{"title": "t"}], 47001),
    ([{"title": "t", "content": "x"}], 40007), ([{"title": "t", "content": "x", "thumb_media_id": "nope"}], 40007),
    ([{"title": "t", "content": "x", "thumb_media_id": "THUMB"}, {"title": "t", "content": "x", "thumb_media_id": ""}], 40007),
])
def test_bad_news_is_refused(thumb, articles, errcode):
    articles = [{**article, "thumb_media_id": thumb} if article.get("thumb_media_id") == "THUMB" else article for article in articles]
    assert post("media/uploadnews", {"articles": articles})["errcode"] == errcode
    assert not MassNews.objects.exists()


def test_a_thumb_is_good_for_three_days(thumb):
    news_upload(NEWS, thumb_media_id=thumb)
    MassThumb.objects.filter(media_id=thumb).update(created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3, minutes=1))
    with pytest.raises(MassMessageError) as expired:
        news_upload(NEWS, thumb_media_id=thumb)
    assert expired.value.errcode == 40007 and MassNews.objects.count() == 1


def test_the_thumb_answer_is_wechats():
    client = OfficialAccountClient()
    answer = client.media.upload("thumb", ("cover.jpg", COVER, "image/jpeg"))
    assert set(answer) >= {"type", "thumb_media_id", "created_at"} and answer["type"] == "thumb" and "media_id" not in answer
    assert MassThumb.objects.get().media_id == answer["thumb_media_id"]


@pytest.mark.parametrize(("data", "errcode"), [
    (image_bytes(fmt="PNG"), 40005),  # a thumb is a JPEG
    (b"not an image at all", 40005),
    (image_bytes(size=(400, 400), noise=True, quality=95), 40009),  # over 64 KB
])
def test_bad_thumbs_are_refused(data, errcode):
    assert errcode != 40009 or len(data) > MAX_THUMB_BYTES
    with pytest.raises(MassMessageError) as refused:
        thumb_upload(data)
    assert refused.value.errcode == errcode and not MassThumb.objects.exists()


def post_media(query: str, files: dict) -> dict:
    client = OfficialAccountClient()
    client.fetch_access_token()
    return Client().post(f"/wx-emulator/api/cgi-bin/media/upload?access_token={client.access_token}{query}", data=files).json()


@pytest.mark.parametrize(("query", "with_file", "errcode"), [
    ("", True, 40004), ("&type=image", True, 40004), ("&type=thumbs", True, 40004), ("&type=thumb", False, 41005),
])
def test_bad_media_uploads_get_wechats_errors(query, with_file, errcode):
    files = {"media": SimpleUploadedFile("cover.jpg", COVER, content_type="image/jpeg")} if with_file else {}
    assert post_media(query, files)["errcode"] == errcode
    assert not MassThumb.objects.exists()
    response = Client().post("/wx-emulator/api/cgi-bin/media/upload?type=thumb", data={"media": SimpleUploadedFile("c.jpg", COVER)})
    assert response.json()["errcode"] == 41001


def test_without_token_nothing_is_sent():
    response = Client().post("/wx-emulator/api/cgi-bin/message/mass/send", data="{}", content_type="application/json")
    assert response.json()["errcode"] == 41001


def test_the_phone_shows_each_users_news_with_a_link_into_the_store(users, thumb):
    news_send(media_id=news_upload(NEWS, thumb_media_id=thumb), openids=users[:2])
    browser = Client()
    browser.force_login(MemberFactory(is_staff=True))
    page = browser.get("/wx-emulator/mass/", {"openid": users[1]}).content.decode()
    assert "春季护肤上新" in page and "补水三件套 8 折" in page and f'src="/wx-emulator/mass/thumb/{thumb}.jpg"' in page
    cover = browser.get(f"/wx-emulator/mass/thumb/{thumb}.jpg")
    assert (cover.status_code, cover["Content-Type"], cover.content) == (200, "image/jpeg", COVER)
    assert "/wechat/login/?next=%2Fs%2Fabc123%2F" in page
    assert "春季护肤上新" not in browser.get("/wx-emulator/mass/", {"openid": users[2]}).content.decode()
