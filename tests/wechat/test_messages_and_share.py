import hashlib

import pytest

from mall.models import Carrier
from mall.services.fulfilment import order_ship
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import shop_settings
from tests.journeys import pay_at_cashier, place_order
from wechat.emulator.models import EmulatedUser, IssuedToken, SentTemplateMessage
from wechat.models import TemplateMessage
from wechat.tasks import deliver_template_message

pytestmark = pytest.mark.django_db

TEMPLATES = {"paid_template_id": "TPL_paid_0000000001", "shipped_template_id": "TPL_ship_0000000001", "refunded_template_id": "TPL_refund_000000001"}


@pytest.fixture
def shopper(api_for):
    member = MemberFactory(openid="o_emu_xiaoming")
    EmulatedUser.objects.create(openid="o_emu_xiaoming", unionid="u_1", nickname="小明")
    return member, api_for(member)


def test_paid_and_shipped_send_service_messages(shopper, django_capture_on_commit_callbacks):
    shop_settings(**TEMPLATES)
    member, api = shopper
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=2000)))
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=MemberFactory(openid=None))
    sent = list(SentTemplateMessage.objects.order_by("id"))
    assert [m.template_id for m in sent] == ["TPL_paid_0000000001", "TPL_ship_0000000001"]
    assert sent[0].touser == "o_emu_xiaoming" and sent[0].data["keyword1"]["value"] == order.number
    assert sent[0].url.endswith(f"/orders/{order.number}/")
    assert sent[1].data["keyword3"]["value"] == "SF1234567890"
    assert set(TemplateMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_no_template_id_no_message(shopper, django_capture_on_commit_callbacks):
    member, api = shopper
    with django_capture_on_commit_callbacks(execute=True):
        pay_at_cashier(api, place_order(api, SKUFactory()))
    assert not TemplateMessage.objects.exists() and not SentTemplateMessage.objects.exists()


def test_a_failing_message_is_retried_and_never_blocks_the_order(shopper, django_capture_on_commit_callbacks):
    shop_settings(**TEMPLATES)
    EmulatedUser.objects.update(subscribed=False)  # WeChat answers 43004 require subscribe
    member, api = shopper
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_at_cashier(api, place_order(api, SKUFactory()))
    assert order.status == "paid"
    message = TemplateMessage.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)  # waiting for Celery's retry
    assert "43004" in message.last_error
    EmulatedUser.objects.update(subscribed=True)
    assert deliver_template_message.run(message.pk) == "sent"  # the retry goes through
    assert deliver_template_message.run(message.pk) == "not pending"  # and a second run sends nothing
    assert SentTemplateMessage.objects.count() == 1


def test_the_same_event_twice_is_one_message(shopper):
    from wechat.messages import queue_template_message

    for _ in range(2):
        queue_template_message(dedup_key="order:1:paid", openid="o_emu_xiaoming", template_id="TPL_paid_0000000001", data={})
    assert TemplateMessage.objects.count() == 1


def test_share_config_signs_the_page_with_a_cached_ticket(api, settings):
    url = f"{settings.SITE_URL}/products/3/?ref=ABCD2345"
    first = api.get("/api/v1/share-config", {"url": url + "#section"}).json()
    api.get("/api/v1/share-config", {"url": url})
    assert first["appId"] == settings.WECHAT_APPID
    assert set(first["jsApiList"]) >= {"updateAppMessageShareData", "updateTimelineShareData"}
    ticket = IssuedToken.objects.get(kind="jsapi_ticket").value  # one ticket for both pages: the cache held it
    expected = hashlib.sha1(f"jsapi_ticket={ticket}&noncestr={first['nonceStr']}&timestamp={first['timestamp']}&url={url}".encode()).hexdigest()
    assert first["signature"] == expected
    assert IssuedToken.objects.filter(kind="access_token").count() == 1


def test_share_config_only_signs_our_own_pages(api):
    response = api.get("/api/v1/share-config", {"url": "https://evil.example/page"})
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert api.get("/api/v1/share-config").status_code == 400


def test_the_access_token_comes_from_the_emulator_never_the_real_url(settings):
    from wechat.client import OfficialAccountClient

    requested = []
    client = OfficialAccountClient()
    original = client._http.get
    client._http.get = lambda url, **kwargs: requested.append(url) or original(url, **kwargs)
    assert client.access_token
    assert requested == [f"{settings.SITE_URL}/wx-emulator/api/cgi-bin/token"]


def test_pages_carry_share_metadata_with_the_sharers_code(client, member):
    client.force_login(member)
    sku = SKUFactory()
    html = client.get(f"/products/{sku.product_id}/").content.decode()
    assert f'name="share:title" content="{sku.product.title}"' in html
    assert f"?ref={member.referral_code}" in html
    assert "js/share.js" in html


def test_messages_no_worker_ever_tried_are_sent_by_the_sweep(shopper):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    member, _ = shopper
    stranded = TemplateMessage.objects.create(dedup_key="order:1:paid", openid=member.openid, template_id="TPL_paid_0000000001", data={})
    fresh = TemplateMessage.objects.create(dedup_key="order:2:paid", openid=member.openid, template_id="TPL_paid_0000000001", data={})
    TemplateMessage.objects.filter(pk=stranded.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    call_command("send_template_messages")
    call_command("send_template_messages")
    statuses = dict(TemplateMessage.objects.values_list("pk", "status"))
    assert statuses == {stranded.pk: "sent", fresh.pk: "pending"}  # the fresh one is its worker's
    assert SentTemplateMessage.objects.count() == 1
