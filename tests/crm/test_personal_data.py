"""A member's own data requests: an operator exports everything the shop holds about them,
or erases it — orders stay as the record of a sale, with who and where masked."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from distribution.models import Distributor
from mall.models import Address, CartItem, Order, Payment
from members.models import Member
from tests.factories import AddressFactory, CartItemFactory, MemberFactory, SKUFactory
from tests.journeys import pay_at_cashier, place_order
from wechat.models import AccountEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(member, member_api):
    Member.objects.filter(pk=member.pk).update(phone="13812345678", province="浙江", city="杭州", attributes={"skin_type": "油性"})
    AddressFactory(member=member, name="李四", phone="13912345678", detail="文三路 100 号")
    CartItemFactory(member=member)
    order = pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=3000)))
    AccountEvent.objects.create(dedup_key="k1", openid=member.openid, kind="text", content="你好", raw=f"<xml>{member.openid}</xml>")
    LogEntry.objects.create(
        user=MemberFactory(is_staff=True, openid=None), content_type=ContentType.objects.get_for_model(Member),
        object_id=str(member.pk), object_repr=member.nickname, action_flag=CHANGE,
    )
    member.refresh_from_db()
    return member, order


@pytest.fixture
def manager(client):
    account = MemberFactory(is_staff=True, openid=None)
    account.groups.add(Group.objects.get(name="店长"))
    client.force_login(account)
    return account


def test_the_export_holds_profile_addresses_orders_and_messages(client, manager, shopper):
    member, order = shopper
    response = client.post("/admin/members/member/", {"action": "export_personal_data", "_selected_action": [member.pk]})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    [data] = json.loads(response.content)
    assert data["profile"]["phone"] == "13812345678" and data["profile"]["openid"] == member.openid
    assert data["addresses"][0]["detail"] == "文三路 100 号"
    assert data["orders"][0]["number"] == order.number and data["orders"][0]["lines"][0]["quantity"] == 1
    assert data["official_account_events"][0]["content"] == "你好"
    assert data["orders"][0]["payment"]["transaction_id"] and data["referred_by"] is None
    assert data["distribution"]["withdrawals"] == [] and "available_fen" in data["distribution"]


def test_erasing_anonymises_the_member_and_masks_their_orders(client, manager, shopper, member_api):
    member, order = shopper
    openid = member.openid
    confirm = client.post("/admin/members/member/", {"action": "erase_personal_data", "_selected_action": [member.pk]})
    assert "不可撤销" in confirm.content.decode()
    assert Member.objects.get(pk=member.pk).phone == "13812345678"  # nothing happens before the confirmation

    client.post("/admin/members/member/", {"action": "erase_personal_data", "_selected_action": [member.pk], "apply": "1"})
    member.refresh_from_db()
    assert (member.nickname, member.phone, member.province, member.attributes, member.openid, member.avatar_url) == ("已注销用户", "", "", {}, None, "")
    assert not member.is_active and member.erased_at
    assert not Address.objects.filter(member=member).exists() and not CartItem.objects.filter(member=member).exists()
    order = Order.objects.get(pk=order.pk)  # kept: the legal record of the sale
    assert order.pay_fen == 4000 and order.lines.count() == 1  # 30.00 and 10.00 shipping
    assert order.receiver_name != "李四" and order.receiver_phone == "139****5678" and "文三路" not in order.address_detail
    assert Payment.objects.get(order=order).payer_openid == ""
    assert not AccountEvent.objects.filter(openid=openid).exists()
    assert Distributor.objects.get(member=member).status == "revoked"
    assert not LogEntry.objects.filter(object_id=str(member.pk), object_repr__contains="测试用户").exists()
    # Their open session ends, and their WeChat identity would come back as a new member.
    assert member_api.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("job", ["会员运营", "订单客服", "财务"])
def test_only_the_manager_answers_data_requests(client, shopper, job):
    member, _ = shopper
    account = MemberFactory(is_staff=True, openid=None)
    account.groups.add(Group.objects.get(name=job))
    client.force_login(account)
    client.post("/admin/members/member/", {"action": "erase_personal_data", "_selected_action": [member.pk], "apply": "1"})
    response = client.post("/admin/members/member/", {"action": "export_personal_data", "_selected_action": [member.pk]})
    assert response.get("Content-Disposition") is None
    assert Member.objects.get(pk=member.pk).phone == "13812345678"
