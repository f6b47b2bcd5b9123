"""Targeted pushes: test send, scheduling and its refusals, the set-based enqueue under the
weekly cap and WeChat's monthly ceiling, sending in batches through the emulator with
bounded retries and the sweep."""

import datetime
import io
import logging
import os
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image

from config.errors import InvalidStatus
from crm.errors import PushAllCapped, PushNoFollowers, PushNoTestRecipient, PushNotTested, PushSegmentEmpty, PushSendTimePast
from crm.models import CrmSettings, Push, PushRecipient, Segment, ShortLink
from crm.services import pushes
from crm.services.pushes import (
    push_audience,
    push_cancel,
    push_create,
    push_enqueue,
    push_period,
    push_schedule,
    push_send,
    push_send_batch,
    push_test_send,
    push_update,
    pushes_enqueue_due,
    pushes_send_pending,
)
from members.models import Gender
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import operator_settings, requires_postgres
from wechat.emulator.models import EmulatedUser, MassMessage, MassNews, MassThumb
from wechat.mass_messages import MAX_THUMB_BYTES, MassMessageError

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # week of Monday 2 March
WOMEN = {"match": "all", "rules": [{"field": "gender", "op": "eq", "value": Gender.FEMALE}]}


def follower(**fields):
    member = MemberFactory(**{"gender": Gender.FEMALE, "is_subscribed": True, **fields})
    EmulatedUser.objects.get_or_create(openid=member.openid, defaults={"unionid": f"u_{member.openid}", "nickname": member.nickname})
    return member


@pytest.fixture
def operator():
    return follower(is_staff=True, gender=Gender.UNKNOWN)


@pytest.fixture
def women():
    return Segment.objects.create(name="女性", rules=WOMEN)


def new_push(segment, *, send_at=WEDNESDAY, title="春季上新", cover_url="/media/cover.jpg"):
    return push_create(title=title, cover_url=cover_url, summary="补水三件套", target="/products/12/", segment=segment,
                       send_at=send_at, by=None)


def scheduled(segment, *, send_at=WEDNESDAY, title="春季上新"):
    push = new_push(segment, send_at=send_at, title=title)
    push_test_send(push_id=push.pk, now=send_at - datetime.timedelta(hours=2))
    push_schedule(push_id=push.pk, now=send_at - datetime.timedelta(hours=1))
    return push


def sent(segment, *, send_at=WEDNESDAY, title="春季上新"):
    push = scheduled(segment, send_at=send_at, title=title)
    push_enqueue(push_id=push.pk, now=send_at)
    push_send(push_id=push.pk)
    push.refresh_from_db()
    return push


def test_period_is_the_shanghai_calendar_week_and_month():
    # 23:30 on Sunday 1 March in Shanghai is still Saturday in UTC: the shop's calendar counts.
    late_sunday = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)
    assert push_period(late_sunday) == (datetime.date(2026, 2, 23), datetime.date(2026, 3, 1))
    assert push_period(WEDNESDAY) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 1))


def test_from_test_send_to_every_follower_through_the_emulator(operator, women, django_capture_on_commit_callbacks):
    members = [follower() for _ in range(3)]
    not_following = MemberFactory(gender=Gender.FEMALE, is_subscribed=False)
    no_openid = MemberFactory(gender=Gender.FEMALE, is_subscribed=True, openid=None)
    push = new_push(women)

    assert push_test_send(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=2)) == 1
    preview = MassMessage.objects.get()
    assert (preview.touser, preview.preview) == (operator.openid, True)
    link = ShortLink.objects.get(push=push)
    assert preview.news.articles[0]["content_source_url"].endswith(f"/s/{link.code}")
    assert link.target == "/products/12/"

    audience = push_schedule(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=1))
    assert (audience.targeted, audience.followers, audience.capped) == (5, 3, 0)
    assert Push.objects.get(pk=push.pk).status == Push.Status.SCHEDULED

    assert pushes_enqueue_due(now=WEDNESDAY - datetime.timedelta(minutes=1)) == 0  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert pushes_enqueue_due(now=WEDNESDAY) == 3
    push.refresh_from_db()
    assert (push.status, push.targeted_count, push.capped_count, push.queued_count, push.delivered_count) == ("sent", 5, 0, 0, 3)
    rows = PushRecipient.objects.filter(push=push)
    assert {row.member_id for row in rows} == {m.pk for m in members}
    assert not rows.filter(member__in=[not_following, no_openid]).exists()
    assert {(row.week, row.month, row.status, row.attempts) for row in rows} == {(datetime.date(2026, 3, 2), datetime.date(2026, 3, 1), "sent", 1)}
    delivered = MassMessage.objects.filter(preview=False)
    assert sorted(delivered.values_list("touser", flat=True)) == sorted(m.openid for m in members)
    assert delivered.values("msg_id").distinct().count() == 1  # one mass message, one upload
    assert MassNews.objects.count() == 2  # the test send's and the push's


def test_enqueue_twice_queues_once(operator, women):
    follower()
    push = scheduled(women)
    assert push_enqueue(push_id=push.pk, now=WEDNESDAY) == 1
    assert push_enqueue(push_id=push.pk, now=WEDNESDAY) == 0
    assert PushRecipient.objects.filter(push=push).count() == 1


def test_scheduling_needs_a_test_send_after_the_last_edit(operator, women):
    follower()
    push = new_push(women)
    with pytest.raises(PushNotTested):
        push_schedule(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=1))
    push_test_send(push_id=push.pk)
    push_update(push_id=push.pk, title="春季上新（改）")
    with pytest.raises(PushNotTested):
        push_schedule(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=1))
    push_test_send(push_id=push.pk)
    push_schedule(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=1))
    with pytest.raises(InvalidStatus):
        push_update(push_id=push.pk, title="发出后不能改")
    assert Push.objects.get(pk=push.pk).title == "春季上新（改）"


def test_a_test_send_needs_an_operator_with_wechat(women):
    push = new_push(women)
    MemberFactory(is_staff=True, openid=None)
    with pytest.raises(PushNoTestRecipient):
        push_test_send(push_id=push.pk)
    assert Push.objects.get(pk=push.pk).test_sent_at is None and not MassMessage.objects.exists()


def test_a_test_send_reaches_the_test_recipients_chosen_in_the_crm_settings(women):
    """An operator's own WeChat is usually a shopper account: the settings name it."""
    own_wechat, other = follower(), follower()
    settings = CrmSettings.get_solo()
    settings.test_members.add(own_wechat)
    push = new_push(women)
    assert push_test_send(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=2)) == 1
    assert list(MassMessage.objects.values_list("touser", flat=True)) == [own_wechat.openid]
    assert other.openid not in MassMessage.objects.values_list("touser", flat=True)


@pytest.mark.parametrize(("setup", "error"), [
    ("past", PushSendTimePast), ("empty", PushSegmentEmpty), ("no_followers", PushNoFollowers), ("all_capped", PushAllCapped),
])
def test_scheduling_refusals_leave_the_draft(operator, women, setup, error):
    now = WEDNESDAY - datetime.timedelta(hours=1)
    if setup == "no_followers":
        MemberFactory(gender=Gender.FEMALE, is_subscribed=False)
    elif setup != "empty":
        follower()
    if setup == "all_capped":
        sent(women, send_at=WEDNESDAY - datetime.timedelta(days=1))
        sent(women, send_at=WEDNESDAY - datetime.timedelta(hours=1, minutes=30))
    push = new_push(women)
    push_test_send(push_id=push.pk)
    with pytest.raises(error) as refused:
        push_schedule(push_id=push.pk, now=WEDNESDAY + datetime.timedelta(minutes=1) if setup == "past" else now)
    if setup == "all_capped":
        assert refused.value.message.startswith("全部会员已达推送上限")
    assert Push.objects.get(pk=push.pk).status == Push.Status.DRAFT


def test_the_weekly_cap_counts_the_calendar_week_and_skips_only_the_capped(operator, women):
    busy = follower()
    sent(women, send_at=datetime.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))  # Monday
    sent(women, send_at=datetime.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI))
    fresh = follower()
    third = sent(women, send_at=datetime.datetime(2026, 3, 8, 21, tzinfo=SHANGHAI))  # Sunday, same week
    assert (third.targeted_count, third.capped_count, third.queued_count, third.delivered_count) == (2, 1, 0, 1)
    assert list(PushRecipient.objects.filter(push=third).values_list("member_id", flat=True)) == [fresh.pk]
    next_week = sent(women, send_at=datetime.datetime(2026, 3, 9, 0, 30, tzinfo=SHANGHAI))  # Monday 00:30
    assert next_week.capped_count == 0 and PushRecipient.objects.filter(push=next_week, member=busy).exists()


def test_a_week_across_two_months_counts_all_its_days(operator, women):
    follower()
    operator_settings(CrmSettings, weekly_push_cap=2)
    sent(women, send_at=datetime.datetime(2026, 3, 30, 9, tzinfo=SHANGHAI))  # Monday, March
    sent(women, send_at=datetime.datetime(2026, 3, 31, 9, tzinfo=SHANGHAI))
    push = new_push(women, send_at=datetime.datetime(2026, 4, 2, 9, tzinfo=SHANGHAI))  # Thursday, April, same week
    assert push_audience(push=push).capped == 1


def test_the_monthly_ceiling_holds_whatever_the_weekly_cap(operator, women):
    member = follower()
    operator_settings(CrmSettings, weekly_push_cap=4)
    for day in (2, 3, 4, 5):  # four in one week, allowed by the cap of 4
        sent(women, send_at=datetime.datetime(2026, 3, day, 9, tzinfo=SHANGHAI))
    fifth = new_push(women, send_at=datetime.datetime(2026, 3, 20, 9, tzinfo=SHANGHAI))
    assert push_audience(push=fifth).capped == 1
    assert PushRecipient.objects.filter(member=member, status="sent").count() == 4
    april = sent(women, send_at=datetime.datetime(2026, 4, 6, 9, tzinfo=SHANGHAI))
    assert april.delivered_count == 1


def test_failed_deliveries_do_not_use_up_the_cap(operator, women, monkeypatch):
    follower()
    two = [scheduled(women, send_at=datetime.datetime(2026, 3, day, 9, tzinfo=SHANGHAI)) for day in (2, 3)]
    monkeypatch.setattr(pushes, "MAX_ATTEMPTS", 1)
    monkeypatch.setattr(pushes, "news_send", refuse)
    for push in two:
        push_enqueue(push_id=push.pk, now=push.send_at)
        push_send(push_id=push.pk)
    assert set(PushRecipient.objects.values_list("status", flat=True)) == {"failed"}
    assert push_audience(push=new_push(women)).capped == 0


def refuse(**kwargs):
    raise MassMessageError("微信返回错误 -1：system error", errcode=-1)


def test_a_refused_batch_is_retried_with_backoff_then_failed(operator, women, monkeypatch):
    follower(), follower()
    push = scheduled(women)
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    monkeypatch.setattr(pushes, "news_send", refuse)
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY) == "failed"
    row = PushRecipient.objects.filter(push=push).first()
    assert (row.status, row.attempts, row.retry_at) == ("queued", 1, WEDNESDAY + datetime.timedelta(minutes=1))
    assert "system error" in row.last_error
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY + datetime.timedelta(seconds=59)) == "none"  # backing off
    moment = WEDNESDAY
    for attempt in range(2, pushes.MAX_ATTEMPTS + 1):
        moment += pushes.RETRY_BASE * 2 ** (attempt - 2)
        assert push_send_batch(push_id=push.pk, now=moment) == "failed"
    push.refresh_from_db()
    assert set(PushRecipient.objects.filter(push=push).values_list("status", "attempts")) == {("failed", pushes.MAX_ATTEMPTS)}
    assert (push.status, push.failed_count, push.queued_count, push.delivered_count) == ("sent", 2, 0, 0)
    assert not MassMessage.objects.filter(preview=False).exists()


def test_a_retry_that_goes_through_is_delivered(operator, women, monkeypatch):
    follower()
    push = scheduled(women)
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    with monkeypatch.context() as patched:
        patched.setattr(pushes, "news_send", refuse)
        push_send_batch(push_id=push.pk, now=WEDNESDAY)
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY + datetime.timedelta(minutes=1)) == "sent"
    push.refresh_from_db()
    row = PushRecipient.objects.get(push=push)
    assert (row.status, row.attempts, row.last_error, push.status, push.delivered_count) == ("sent", 2, "", "sent", 1)


def test_batches_of_a_given_size_and_the_last_one_alone(operator, women):
    members = [follower() for _ in range(5)]
    push = scheduled(women)
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    assert [push_send_batch(push_id=push.pk, now=WEDNESDAY, size=2) for _ in range(4)] == ["sent", "sent", "sent", "none"]
    push.refresh_from_db()
    assert (push.status, push.delivered_count, push.queued_count) == ("sent", 5, 0)
    assert sorted(MassMessage.objects.filter(news__media_id=push.media_id).values_list("touser", flat=True)) == sorted(m.openid for m in members)
    assert MassMessage.objects.filter(news__media_id=push.media_id).values("msg_id").distinct().count() == 3
    assert MassNews.objects.count() == 2  # uploaded once for all batches (and once for the test)


def test_an_expired_upload_is_uploaded_again(operator, women):
    follower(), follower()
    push = scheduled(women)
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    Push.objects.filter(pk=push.pk).update(media_id="expired-media")
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY) == "failed"
    assert Push.objects.get(pk=push.pk).media_id == ""
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY + datetime.timedelta(minutes=1)) == "sent"


def test_the_sweep_sends_what_no_task_picked_up(operator, women):
    follower()
    push = scheduled(women)
    push_enqueue(push_id=push.pk, now=WEDNESDAY)  # the on_commit task never runs: the broker was down
    assert pushes_send_pending(now=WEDNESDAY + datetime.timedelta(seconds=30)) == 0  # the task may still come
    assert pushes_send_pending(now=WEDNESDAY + datetime.timedelta(minutes=2)) == 1
    assert Push.objects.get(pk=push.pk).status == Push.Status.SENT


def test_cancel_before_sending_only(operator, women):
    follower()
    push = scheduled(women)
    push_cancel(push_id=push.pk)
    assert push_enqueue(push_id=push.pk, now=WEDNESDAY) == 0 and not PushRecipient.objects.exists()
    started = scheduled(women)
    push_enqueue(push_id=started.pk, now=WEDNESDAY)
    with pytest.raises(InvalidStatus):
        push_cancel(push_id=started.pk)


def test_a_segment_broken_before_its_time_cancels_the_push(operator, women):
    follower()
    push = scheduled(women)
    Segment.objects.filter(pk=women.pk).update(rules={"match": "all", "rules": [{"field": "no_such_field", "op": "eq", "value": 1}]})
    assert push_enqueue(push_id=push.pk, now=WEDNESDAY) == 0
    assert Push.objects.get(pk=push.pk).status == Push.Status.CANCELLED and not PushRecipient.objects.exists()


def test_nobody_reachable_at_send_time_finishes_at_once(operator, women):
    member = follower()
    push = scheduled(women)
    member.__class__.objects.filter(pk=member.pk).update(is_subscribed=False)
    assert push_enqueue(push_id=push.pk, now=WEDNESDAY) == 0
    push.refresh_from_db()
    assert (push.status, push.targeted_count, push.queued_count) == ("sent", 1, 0)


# --- The back office ------------------------------------------------------------------------


@pytest.fixture
def back_office(operator):
    from django.test import Client

    operator.is_superuser = True
    operator.save()
    browser = Client()
    browser.force_login(operator)
    return browser


def test_the_admin_walks_a_push_from_draft_to_sending(back_office, women):
    from django.utils import timezone

    follower(), follower()
    send_at = timezone.localtime() + datetime.timedelta(hours=1)
    response = back_office.post("/admin/crm/push/add/", {
        "title": "春季上新", "cover_url": "", "summary": "补水", "target": "/products/1/", "segment": women.pk,
        "send_at_0": send_at.strftime("%Y-%m-%d"), "send_at_1": send_at.strftime("%H:%M:%S"),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    push = Push.objects.get()
    step = f"/admin/crm/push/{push.pk}/step/"
    page = back_office.post(f"{step}?do=schedule", follow=True).content.decode()
    assert "请先「发送测试」" in page and Push.objects.get().status == "draft"
    assert "发送测试" in back_office.get(f"{step}?do=test").content.decode()
    back_office.post(f"{step}?do=test")
    confirm = back_office.get(f"{step}?do=schedule").content.decode()
    assert 'data-reachable>2<' in confirm
    back_office.post(f"{step}?do=schedule")
    assert Push.objects.get().status == "scheduled"
    push_enqueue(push_id=push.pk, now=send_at)
    sending = back_office.get(f"/admin/crm/push/{push.pk}/change/").content.decode()
    assert '<meta http-equiv="refresh" content="5">' in sending and "待发 2，已送达 0，失败 0" in sending
    push_send(push_id=push.pk)
    done = back_office.get(f"/admin/crm/push/{push.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' not in done and "待发 0，已送达 2，失败 0" in done
    listing = back_office.get("/admin/crm/push/").content.decode()
    assert "2 / 2 / 0 / 0 / 0" in listing and "100%（基准 ≥ 40%）" in listing and "—（基准 ≥ 30%）" not in listing


def test_a_sent_push_cannot_be_edited_or_cancelled_in_the_admin(back_office, women):
    follower()
    push = sent(women)
    response = back_office.post(f"/admin/crm/push/{push.pk}/step/?do=cancel", follow=True)
    assert "只有草稿或待发送的推送可以取消" in response.content.decode()
    assert Push.objects.get(pk=push.pk).status == "sent"


def test_the_weekly_cap_setting_refuses_more_than_the_monthly_ceiling(back_office):
    response = back_office.post("/admin/crm/crmsettings/", {"weekly_push_cap": 5})
    assert response.status_code == 200 and "每周上限须在 1 到 4 之间" in response.content.decode()
    assert CrmSettings.get_solo().weekly_push_cap == 2
    back_office.post("/admin/crm/crmsettings/", {"weekly_push_cap": 3})
    assert CrmSettings.get_solo().weekly_push_cap == 3


# --- The cover as WeChat's thumb ------------------------------------------------------------

BLUE = (30, 90, 200)


def media_cover(name="pushes/cover.png", *, size=(1200, 800), data: bytes | None = None) -> str:
    """A cover in the media storage; its URL path. (storages, not default_storage: pytest
    reads a test module's names when collecting, and the lazy default_storage would then be
    set up before the test settings.)"""
    if data is None:
        buffer = io.BytesIO()
        Image.new("RGBA", size, (*BLUE, 255)).save(buffer, format="PNG")
        data = buffer.getvalue()
    return settings.MEDIA_URL + storages["default"].save(name, ContentFile(data))


def uploaded(thumb_media_id: str) -> Image.Image:
    data = bytes(MassThumb.objects.get(media_id=thumb_media_id).image)
    assert len(data) <= MAX_THUMB_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def close_to(pixel, colour) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("absolute", [False, True])
def test_a_media_cover_goes_up_as_a_thumb_once_per_push(operator, women, monkeypatch, absolute):
    members = [follower() for _ in range(3)]
    cover = media_cover()
    push = new_push(women, cover_url=f"{settings.SITE_URL}{cover}" if absolute else cover)
    monkeypatch.setattr(pushes, "BATCH_SIZE", 2)
    push_test_send(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=2))
    push.refresh_from_db()
    image = uploaded(push.thumb_media_id)
    assert image.size == (750, 500) and close_to(image.getpixel((375, 250)), BLUE)  # within 900×500, the cover's own colour
    push_schedule(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=1))
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    assert push_send(push_id=push.pk) == 2  # two batches
    assert MassThumb.objects.count() == 1  # the test send's upload serves every batch
    assert {news.articles[0]["thumb_media_id"] for news in MassNews.objects.all()} == {push.thumb_media_id}
    assert MassMessage.objects.exclude(touser=operator.openid).count() == len(members)  # the last batch of one as a preview


def test_a_static_cover_is_read_from_the_static_files(operator, women, caplog):
    push = new_push(women, cover_url="/static/img/share.png")
    with caplog.at_level(logging.WARNING, logger="crm.services.pushes"):
        push_test_send(push_id=push.pk, now=WEDNESDAY)
    assert not caplog.records
    push.refresh_from_db()
    assert uploaded(push.thumb_media_id).size == (300, 300)


@pytest.mark.parametrize("cover_url", ["", "/media/missing.jpg", "/media/../../etc/passwd", "https://elsewhere.example/a.jpg", "TEXT"])
def test_a_push_without_a_readable_cover_gets_the_default_one(operator, women, caplog, cover_url):
    if cover_url == "TEXT":
        cover_url = media_cover("pushes/not-an-image.jpg", data=b"just text")
    push = new_push(women, cover_url=cover_url)
    with caplog.at_level(logging.WARNING, logger="crm.services.pushes"):
        push_test_send(push_id=push.pk, now=WEDNESDAY)
    push.refresh_from_db()
    assert bytes(MassThumb.objects.get(media_id=push.thumb_media_id).image) == pushes.default_cover()
    assert close_to(uploaded(push.thumb_media_id).getpixel((5, 5)), (229, 57, 53))  # the shop's share image, its brand red
    assert bool(caplog.records) == bool(cover_url)  # an operator's cover that could not be used is logged


def test_a_too_large_cover_still_fits_wechats_limit(operator, women):
    noise = Image.frombytes("RGB", (2400, 1600), os.urandom(2400 * 1600 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="JPEG", quality=95)
    assert len(buffer.getvalue()) > 20 * MAX_THUMB_BYTES
    push = new_push(women, cover_url=media_cover("pushes/huge.jpg", data=buffer.getvalue()))
    push_test_send(push_id=push.pk, now=WEDNESDAY)
    push.refresh_from_db()
    width, height = uploaded(push.thumb_media_id).size  # noise hardly compresses: smaller than 900×500 to fit
    assert width <= 750 and height <= 500 and abs(width / height - 1.5) < 0.02


def test_an_edit_uploads_the_new_cover(operator, women):
    push = new_push(women)
    push_test_send(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=3))
    first = Push.objects.get(pk=push.pk).thumb_media_id
    push_update(push_id=push.pk, cover_url=media_cover())
    assert Push.objects.get(pk=push.pk).thumb_media_id == ""
    push_test_send(push_id=push.pk, now=WEDNESDAY - datetime.timedelta(hours=2))
    second = Push.objects.get(pk=push.pk).thumb_media_id
    assert second != first and close_to(uploaded(second).getpixel((10, 10)), BLUE)


def test_a_thumb_wechat_no_longer_keeps_is_uploaded_again_in_the_same_batch(operator, women):
    follower(), follower()
    push = scheduled(women)  # its test send uploaded the thumb
    first = Push.objects.get(pk=push.pk).thumb_media_id
    MassThumb.objects.update(created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=4))  # three days went by
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    assert push_send_batch(push_id=push.pk, now=WEDNESDAY) == "sent"
    push.refresh_from_db()
    assert push.thumb_media_id != first and MassThumb.objects.count() == 2
    assert MassNews.objects.get(media_id=push.media_id).articles[0]["thumb_media_id"] == push.thumb_media_id


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_workers_sending_one_push_at_once_upload_its_thumb_and_news_once(operator, women, monkeypatch):
    members = [follower() for _ in range(12)]
    monkeypatch.setattr(pushes, "BATCH_SIZE", 2)
    monkeypatch.setattr(pushes, "PARALLEL_SENDERS", 0)  # no task from the enqueue: the racing workers below send it
    push = scheduled(women)
    Push.objects.filter(pk=push.pk).update(thumb_media_id="")  # as if the test send's thumb had expired
    push_enqueue(push_id=push.pk, now=WEDNESDAY)
    thumbs_before, news_before = MassThumb.objects.count(), MassNews.objects.count()
    results, errors = race([lambda: push_send(push_id=push.pk) for _ in range(4)])
    assert not errors and sum(results) == 6
    assert (MassThumb.objects.count() - thumbs_before, MassNews.objects.count() - news_before) == (1, 1)
    assert MassMessage.objects.filter(preview=False).count() == len(members)
