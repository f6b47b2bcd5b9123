"""The CRM walk-through of issue 10's "Done means", as people do it on the seeded demo.

The operator logs in to the back office, finds 肤质 and 身高 among the segment builder's
fields, builds 「广东, 女, bought skincare, not in the last 30 days」 and sees its count with
阿芳 in the sample. They write a push to it, send the test to their own WeChat, confirm it,
and the worker sends it: 阿芳's phone in the emulator shows the news. Two more pushes the
same week run into the weekly cap. 阿芳 taps the news, looks around and buys; the push's
funnel fills in on the push list and the CRM dashboard, each rate beside its benchmark.
Finally 阿芳 writes to the official account, the text lands in 客服收件箱, and the operator's
reply shows on her chat page in the emulator.

Everything goes through HTTP (Django's test client); only the beat's clock and the outbox
sweep are called directly, as the worker would run them."""

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import InboxMessage, Push, PushRecipient, Segment
from crm.selectors.kpis import push_funnel
from crm.selectors.segments import segment_members
from crm.services.pushes import push_audience, pushes_enqueue_due
from mall.models import SKU, Category, OrderStatus
from members.models import Member
from tests.helpers import deliver_events
from tests.journeys import pay_at_cashier, place_order
from wechat.emulator.models import MassMessage

pytestmark = pytest.mark.django_db

AFANG = "o_emu_afang"
OPERATOR_WECHAT = "o_emu_dianzhang"  # the demo operator's own WeChat (demo/members.py)
SEGMENT = "广东护肤老客（30 天未购）"
QUESTION = "请问混合肌用哪款面霜好？"
ANSWER = "阿芳您好，推荐您试试我们的保湿面霜，混合肌也很合适～"


# --- Helpers: what a person does in a browser --------------------------------------------


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def back_office_login() -> Client:
    """The operator at /admin/login/ (django-axes guards it, so no force_login)."""
    browser = Client()
    response = browser.post("/admin/login/", {"username": "operator", "password": "micromall", "next": "/admin/"})
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def open_in_wechat(phone: Client, login_url: str, *, openid: str):
    """Tap a link that goes through the shop's WeChat login (/wechat/login/?next=…): the
    emulator's authorize page, where the test user `openid` is picked, then the shop's
    callback, then `next`. Returns the answer of `next`."""
    authorize = phone.get(login_url)
    assert authorize.status_code == 302 and "/wx-emulator/oauth/authorize" in authorize["Location"]
    consented = phone.get(f"{authorize['Location']}&{urlencode({'openid': openid})}")
    assert consented.status_code == 302
    callback = phone.get(consented["Location"])
    assert callback.status_code == 302, callback.content.decode()[:500]
    return phone.get(callback["Location"])


def write_push(back_office: Client, *, title: str, segment: Segment, target: str, send_at) -> Push:
    """定向推送 → 增加, then 发送测试 (to the operators' own WeChat)."""
    local = timezone.localtime(send_at)
    response = back_office.post("/admin/crm/push/add/", {
        "title": title, "cover_url": "", "summary": "补水修护，老客专享", "target": target, "segment": segment.pk,
        "send_at_0": local.strftime("%Y-%m-%d"), "send_at_1": local.strftime("%H:%M:%S"),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    push = Push.objects.get(title=title)
    step = reverse("admin:crm_push_step", args=[push.pk])
    assert "发送测试" in page(back_office.get(f"{step}?do=test"))
    tested = page(back_office.post(f"{step}?do=test", follow=True))
    assert "已发到 1 位运营人员的微信" in tested
    return push


def confirm_page(back_office: Client, push: Push) -> str:
    return page(back_office.get(f"{reverse('admin:crm_push_step', args=[push.pk])}?do=schedule"))


def confirm(back_office: Client, push: Push) -> str:
    return page(back_office.post(f"{reverse('admin:crm_push_step', args=[push.pk])}?do=schedule", follow=True))


def figure(html: str, name: str) -> int:
    """A figure of the confirm page (data-targeted, data-capped, data-reachable)."""
    return int(re.search(rf"data-{name}>(\d+)<", html).group(1))


def beat_sends_due_pushes(capture, *, now) -> int:
    """What beat and the worker do when the send time has come: enqueue (its commit starts
    the send tasks, run inline in tests) and send."""
    with capture(execute=True) as started:
        queued = pushes_enqueue_due(now=now)
    assert started, "the enqueue starts no send task"
    return queued


# --- The journey -------------------------------------------------------------------------


def test_an_operator_segments_pushes_under_the_cap_watches_the_funnel_and_answers_a_member(django_capture_on_commit_callbacks):
    call_command("seed_demo", verbosity=0)
    back_office = back_office_login()
    afang = Member.objects.get(openid=AFANG)

    # 1. The demo defines 肤质 and 身高: the segment builder offers them with their choices and unit.
    preview_url = reverse("admin:crm_segment_preview")
    fields = {field["label"]: field for field in back_office.get(preview_url).json()["fields"]}
    assert [value for value, _ in fields["肤质"]["choices"]] == ["干性", "油性", "混合", "敏感"]
    assert fields["身高"]["unit"] == "cm" and fields["身高"]["choices"] is None
    builder = page(back_office.get("/admin/crm/segment/add/"))
    assert 'id="segment-builder"' in builder and "肤质" in builder and "身高" in builder

    # 2. The segment "广东, 女, bought skincare, not in the last 30 days": the live count while
    #    building, then saved through the add form with the same count; 阿芳 is in the sample.
    skincare = Category.objects.get(name="护肤")
    rules = {"match": "all", "rules": [
        {"field": "province", "op": "eq", "value": "广东"},
        {"field": "gender", "op": "eq", "value": 2},
        {"field": "categories", "op": "any", "value": [skincare.pk]},
        {"field": "last_paid_days", "op": "gt", "value": 30},
    ]}
    live = back_office.post(preview_url, {"rules": rules}, content_type="application/json").json()
    assert live["count"] >= 1
    assert "阿芳" in [row["nickname"] for row in live["sample"]]
    form = {"name": SEGMENT, "description": "回购召回", "rules": json.dumps(rules, ensure_ascii=False)}
    saved = back_office.post("/admin/crm/segment/add/", form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    segment = Segment.objects.get(name=SEGMENT)
    assert segment.member_count == live["count"] and segment.created_by.username == "operator"
    assert SEGMENT in page(back_office.get("/admin/crm/segment/"))

    # 3. A push to it: written, tested on the operator's own WeChat, confirmed with who it reaches,
    #    then sent by the worker at its time; 阿芳's phone shows the news with its tracking link.
    on_sale = SKU.objects.filter(product__is_on_sale=True, product__purchase_limit=None, stock__gt=5)
    sku = on_sale.filter(product__category=skincare).order_by("pk").first()
    target = f"/products/{sku.product_id}/"
    send_at = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    first = write_push(back_office, title="换季护肤，老客回购礼", segment=segment, target=target, send_at=send_at)
    operator_phone = page(back_office.get("/wx-emulator/mass/", {"openid": OPERATOR_WECHAT}))
    assert "换季护肤，老客回购礼" in operator_phone and "预览" in operator_phone
    before = confirm_page(back_office, first)
    assert figure(before, "targeted") == segment.member_count and figure(before, "capped") == 0
    reachable = figure(before, "reachable")
    assert reachable >= 1
    assert f"已确认：到发送时间发给 {reachable} 人（0 人因频控跳过）" in confirm(back_office, first)
    assert Push.objects.get(pk=first.pk).status == Push.Status.SCHEDULED

    assert beat_sends_due_pushes(django_capture_on_commit_callbacks, now=send_at + timedelta(minutes=1)) == reachable
    first.refresh_from_db()
    assert (first.status, first.delivered_count, first.failed_count) == (Push.Status.SENT, reachable, 0)
    assert f"待发 0，已送达 {reachable}，失败 0" in page(back_office.get(reverse("admin:crm_push_change", args=[first.pk])))
    assert MassMessage.objects.filter(touser=AFANG, preview=False, news__media_id=first.media_id).exists()
    code = first.links.get().code
    afang_phone = page(back_office.get("/wx-emulator/mass/", {"openid": AFANG}))
    assert "换季护肤，老客回购礼" in afang_phone and "补水修护，老客专享" in afang_phone
    news_link = f"/wechat/login/?{urlencode({'next': f'/s/{code}'})}"
    assert f'href="{news_link}"' in afang_phone

    # 4. The frequency cap: two more pushes to the segment the same week. The second goes out;
    #    the third finds everybody, 阿芳 included, at the weekly cap of 2 and is refused.
    second = write_push(back_office, title="护肤老客第二波", segment=segment, target=target, send_at=send_at)
    confirm(back_office, second)
    assert beat_sends_due_pushes(django_capture_on_commit_callbacks, now=send_at + timedelta(minutes=2)) == reachable
    third = write_push(back_office, title="护肤老客第三波", segment=segment, target=target, send_at=send_at)
    capped = confirm_page(back_office, third)
    assert figure(capped, "capped") == reachable and figure(capped, "reachable") == 0
    assert PushRecipient.objects.filter(member=afang, week=first.recipients.get(member=afang).week).count() == 2
    assert push_audience(push=third).capped == push_audience(push=third).followers == reachable
    assert "全部会员已达推送上限" in confirm(back_office, third)
    assert Push.objects.get(pk=third.pk).status == Push.Status.DRAFT
    assert not PushRecipient.objects.filter(push=third).exists()

    # 5. 阿芳 taps the first news on her phone: WeChat login, the short link counts the open and
    #    lands on the product; she browses (a page view) and buys, paying at the emulator cashier.
    afang_browser = APIClient()
    landed = open_in_wechat(afang_browser, news_link, openid=AFANG)
    assert landed.status_code == 302 and landed["Location"] == target
    assert afang_browser.post("/api/v1/events", {"name": "page_view", "path": target}, format="json").status_code == 202
    order = pay_at_cashier(afang_browser, place_order(afang_browser, sku))
    assert order.status == OrderStatus.PAID
    deliver_events()  # the outbox sweep: the paid order reaches the CRM
    mark = first.recipients.get(member=afang)
    assert mark.opened_at and mark.visited_at and mark.ordered_at
    assert not second.recipients.get(member=afang).opened_at  # only the news she tapped
    assert not segment_members(rules).filter(pk=afang.pk).exists()  # she bought today: out of "not in 30 days"

    # The funnel on the push list and the CRM dashboard, each rate beside its benchmark.
    funnel = push_funnel(Push.objects.get(pk=first.pk))
    assert (funnel.delivered, funnel.opened, funnel.visited, funnel.ordered) == (reachable, 1, 1, 1)
    listing = page(back_office.get("/admin/crm/push/"))
    assert f"{funnel.targeted} / {reachable} / 1 / 1 / 1" in listing
    assert f"{funnel.reach.percent}（基准 ≥ 40%）" in listing and f"{funnel.read.percent}（基准 ≥ 30%）" in listing
    dashboard = page(back_office.get("/admin/crm/crmdashboard/"))
    assert "到达率基准 40%，阅读率基准 30%" in dashboard
    row = re.search(r"<tr>(?:(?!</tr>).)*换季护肤，老客回购礼.*?</tr>", dashboard, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[2:7] == [str(funnel.targeted), str(reachable), "1", "1", "1"]
    assert "基准 ≥ 40%" in cells[7] and funnel.reach.percent in cells[7]
    assert "基准 ≥ 30%" in cells[8] and funnel.read.percent in cells[8]

    # 6. 阿芳 writes to the official account (the emulator's 公众号事件 page); the outbox brings it to
    #    客服收件箱; the operator replies on the conversation page; her chat in the emulator shows it.
    sent = page(back_office.post("/wx-emulator/official-account/", {"openid": AFANG, "event": "text", "text": QUESTION}))
    assert "发送文字消息" in sent
    deliver_events()
    inbox = page(back_office.get("/admin/crm/conversation/"))
    assert "阿芳" in inbox and f"会员：{QUESTION}" in inbox and "待回复" in inbox
    conversation_url = reverse("admin:crm_conversation_change", args=[afang.pk])
    conversation = page(back_office.get(conversation_url))
    assert QUESTION in conversation and "可回复，剩余 47 小时" in conversation
    replied = page(back_office.post(conversation_url, {"content": ANSWER, "next": conversation_url}, follow=True))
    assert "已回复，会员会在公众号对话里收到" in replied and ANSWER in replied
    reply = InboxMessage.objects.get(member=afang, direction=InboxMessage.Direction.OUT)
    assert (reply.status, reply.operator.username) == (InboxMessage.Status.SENT, "operator")
    assert "已回复" in page(back_office.get("/admin/crm/conversation/"))
    chat = page(back_office.get(f"/wx-emulator/official-account/chat/{AFANG}/"))
    assert QUESTION in chat and ANSWER in chat
