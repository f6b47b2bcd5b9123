"""The emulator's pages: what it sent and received is for operators (staff login), what a
shopper goes through stays open, and every page says it is not real WeChat."""

from urllib.parse import quote

import pytest
from django.test import Client

from members.models import Member
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events
from tests.journeys import pay_at_cashier, place_order
from wechat.client import OfficialAccountClient
from wechat.emulator.models import Delivery, MchOrder, QrTicket
from wechat.emulator.users import user_upsert

pytestmark = pytest.mark.django_db

BANNER = ("模拟模式", "不是真实的微信", "不会有真实的钱款往来")


@pytest.fixture
def paid_order(member_api):
    """A shopper's order paid at the emulator's cashier: the private data the guarded pages show."""
    return pay_at_cashier(member_api, place_order(member_api, SKUFactory()))


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(MemberFactory(is_staff=True))
    return client


OPERATOR_PAGES = ["/wx-emulator/pay/", "/wx-emulator/refunds/", "/wx-emulator/messages/", "/wx-emulator/official-account/"]


def assert_sent_to_admin_login(response, path):
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={quote(path)}"


@pytest.mark.parametrize("path", OPERATOR_PAGES)
@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_operator_pages_need_a_staff_login(paid_order, path, who):
    client = Client()
    if who == "shopper":
        client.force_login(paid_order.member)  # logged in, but not staff
    response = client.get(path)
    assert_sent_to_admin_login(response, path)
    assert paid_order.number not in response.content.decode()


@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_staff_see_the_operator_pages(staff_client, paid_order, path):
    response = staff_client.get(path)
    assert response.status_code == 200
    if path == "/wx-emulator/pay/":
        assert paid_order.number in response.content.decode()


def test_resending_a_notice_needs_a_staff_login(paid_order, staff_client):
    path = f"/wx-emulator/pay/{MchOrder.objects.get().pk}/resend/"
    sent = Delivery.objects.filter(kind="payment").count()
    assert_sent_to_admin_login(Client().post(path), path)
    assert Delivery.objects.filter(kind="payment").count() == sent
    assert staff_client.post(path)["Location"] == "/wx-emulator/pay/"
    assert Delivery.objects.filter(kind="payment").count() == sent + 1


def test_speaking_as_a_test_user_needs_a_staff_login(client, staff_client):
    path = "/wx-emulator/official-account/"
    event = {"openid": "o_emu_lili", "event": "subscribe"}
    assert_sent_to_admin_login(client.post(path, event), path)
    assert not Delivery.objects.filter(kind="event").exists()
    assert not Member.objects.filter(openid="o_emu_lili").exists()
    assert staff_client.post(path, event).status_code == 200
    deliver_events()
    assert Member.objects.get(openid="o_emu_lili").is_subscribed


def test_the_public_index_lists_only_the_built_in_test_users(client, paid_order):
    user_upsert(openid="o_private_shopper", nickname="隐私昵称")
    page = client.get("/wx-emulator/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "小明" in body and "o_emu_xiaoming" in body
    assert "o_private_shopper" not in body and "隐私昵称" not in body
    assert paid_order.number not in body and paid_order.member.openid not in body


def test_what_a_shopper_goes_through_stays_open(client, member_api, settings):
    authorize = client.get(
        "/wx-emulator/oauth/authorize",
        {"appid": settings.WECHAT_APPID, "redirect_uri": f"{settings.SITE_URL}/wechat/oauth/callback/",
         "response_type": "code", "scope": "snsapi_userinfo", "state": "s"},
    )
    assert authorize.status_code == 200
    cashier_url = member_api.post(f"/api/v1/orders/{place_order(member_api, SKUFactory()).number}/pay").json()["cashier_url"]
    assert client.get(cashier_url).status_code == 200
    assert client.get("/wx-emulator/avatar/o_emu_xiaoming.png").status_code == 200
    ticket = QrTicket.objects.create(action_name="QR_LIMIT_STR_SCENE", scene="ch_x")
    assert client.get("/wx-emulator/showqrcode", {"ticket": ticket.ticket}).status_code == 200
    # Machine-to-machine endpoints answer with their own credential checks, never a login page.
    assert client.get("/wx-emulator/api/cgi-bin/token", {"grant_type": "client_credential"}).json()["errcode"] == 40013
    assert OfficialAccountClient().access_token


def test_every_page_says_it_is_the_emulator(client, staff_client, member_api, settings):
    authorize_params = {"appid": settings.WECHAT_APPID, "redirect_uri": f"{settings.SITE_URL}/wechat/oauth/callback/",
                        "response_type": "code", "scope": "snsapi_userinfo", "state": "s"}
    cashier_url = member_api.post(f"/api/v1/orders/{place_order(member_api, SKUFactory()).number}/pay").json()["cashier_url"]
    pages = [
        client.get("/wx-emulator/"),
        client.get("/wx-emulator/oauth/authorize", authorize_params),
        client.get("/wx-emulator/oauth/authorize", {**authorize_params, "appid": "wx_wrong"}),  # the error page
        client.get(cashier_url),
        *(staff_client.get(path) for path in OPERATOR_PAGES),
    ]
    for page in pages:
        body = page.content.decode()
        assert all(words in body for words in BANNER), page.request["PATH_INFO"]


def test_the_emulator_answers_only_this_machine_whatever_the_host_header(settings):
    from django.test import Client

    remote = Client(REMOTE_ADDR="192.168.1.23", HTTP_HOST="127.0.0.1")
    assert remote.get("/wx-emulator/").status_code == 403
    authorize = "/wx-emulator/oauth/authorize?appid=x&redirect_uri=http://127.0.0.1:8000/&scope=snsapi_userinfo&openid=o_any"
    assert remote.get(authorize).status_code == 403
    settings.WECHAT_EMULATOR_ALLOW_REMOTE = True  # a LAN demo, opted into
    assert remote.get("/wx-emulator/").status_code == 200
