"""Operator accounts are the superuser's alone; money moves only with its own permission.
Each test posts what a careless or hostile operator would, and checks nothing changed."""

import pytest
from django.contrib.auth.models import Group

from distribution.models import Withdrawal, WithdrawalStatus
from mall.models import Order, Refund, RefundStatus
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ACCOUNT_FIELDS = ('name="is_superuser"', 'name="is_staff"', 'name="groups"', 'name="password"', 'name="user_permissions"')


def operator(client, *jobs):
    account = MemberFactory(is_staff=True, openid=None, username=f"op_{Member.objects.count()}")
    account.groups.add(*Group.objects.filter(name__in=jobs))
    client.force_login(account)
    return account


def served_form(client, url) -> dict:
    """The change form's fields as a browser would post them back."""
    import re

    html = client.get(url).content.decode()
    data = dict(re.findall(r'<input type="(?:text|number|email|url|tel|hidden)" name="([^"]+)" value="([^"]*)"', html))
    data.update(dict(re.findall(r'<select name="([^"]+)"[^>]*>[\s\S]*?<option value="([^"]*)" selected', html)))
    return data


def test_member_operators_never_see_account_fields(client):
    operator(client, "会员运营")
    shopper = MemberFactory()
    html = client.get(f"/admin/members/member/{shopper.pk}/change/").content.decode()
    assert "手机号" in html
    assert not [field for field in ACCOUNT_FIELDS if field in html]


def test_posting_superuser_powers_through_the_member_form_changes_nothing(client):
    me = operator(client, "会员运营")
    shopper = MemberFactory()
    url = f"/admin/members/member/{shopper.pk}/change/"
    form = served_form(client, url)
    escalation = {**form, "is_superuser": "on", "is_staff": "on", "groups": [g.pk for g in Group.objects.all()], "city": "宁波"}
    assert client.post(url, escalation).status_code == 302  # saved what the form has
    shopper.refresh_from_db()
    assert shopper.city == "宁波"
    assert not shopper.is_superuser and not shopper.is_staff and not shopper.groups.exists()
    # And on their own account: not a member in this admin, and 运营账号 is closed to them.
    own = f"/admin/members/member/{me.pk}/change/"
    client.post(own, escalation)
    assert client.post(f"/admin/members/operatoraccount/{me.pk}/change/", {"is_superuser": "on", "username": me.username}).status_code == 403
    me.refresh_from_db()
    assert not me.is_superuser and me.groups.count() == 1


def test_nobody_but_a_superuser_sets_a_password(client):
    boss = MemberFactory(is_staff=True, is_superuser=True, openid=None, username="boss")
    boss.set_password("boss-secret-1")
    boss.save()
    operator(client, "会员运营", "店长")
    url = f"/admin/members/operatoraccount/{boss.pk}/password/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"password1": "Taken-over-123", "password2": "Taken-over-123"}).status_code == 403
    boss.refresh_from_db()
    assert boss.check_password("boss-secret-1")


def test_a_superuser_creates_an_operator_with_a_job(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None, username="root"))
    service = Group.objects.get(name="订单客服")
    response = client.post(
        "/admin/members/operatoraccount/add/",
        {"username": "kefu1", "password1": "Kefu-password-9", "password2": "Kefu-password-9", "groups": [service.pk], "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Member.objects.get(username="kefu1")
    assert account.is_staff and not account.is_superuser and list(account.groups.all()) == [service]
    assert client.get("/admin/members/operatoraccount/").status_code == 200


@pytest.fixture
def refund(member_api):
    from tests.factories import SKUFactory
    from tests.journeys import pay_at_cashier, place_order

    order = pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=10000, stock=5)))
    response = member_api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了"}, format="json")
    return Refund.objects.get(pk=response.json()["id"])


def test_customer_service_cannot_approve_a_refund(client, refund):
    operator(client, "订单客服")
    assert client.get("/admin/mall/refund/").status_code == 200  # sees the queue
    client.post("/admin/mall/refund/", {"action": "approve", "apply": "1", "_selected_action": [refund.pk]})
    client.post("/admin/mall/refund/", {"action": "reject", "_selected_action": [refund.pk], "apply": "1", "reason": "不行"})
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_finance_approves_a_refund(client, refund, django_capture_on_commit_callbacks):
    operator(client, "财务")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/mall/refund/", {"action": "approve", "apply": "1", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REFUNDED


def test_only_finance_pays_out_withdrawals(client, rules_for_withdrawal):
    withdrawal = rules_for_withdrawal
    operator(client, "分销运营")
    client.post("/admin/distribution/withdrawal/", {"action": "approve", "apply": "1", "_selected_action": [withdrawal.pk]})
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING
    operator(client, "财务")
    client.post("/admin/distribution/withdrawal/", {"action": "approve", "apply": "1", "_selected_action": [withdrawal.pk]})
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID


@pytest.fixture
def rules_for_withdrawal(db):
    from django.utils import timezone

    from distribution.services.binding import binding_apply
    from distribution.services.commissions import commissions_release_due
    from distribution.services.withdrawals import withdrawal_request
    from tests.distribution.conftest import buy, complete
    from tests.factories import SKUFactory

    sharer, buyer = MemberFactory(), MemberFactory()
    binding_apply(member=buyer, code=sharer.referral_code)
    complete(buy(buyer, SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due(now=timezone.now())
    return withdrawal_request(member=sharer, amount_fen=500, channel="balance")


def test_customer_service_keeps_notes_on_an_order(client, refund):
    operator(client, "订单客服")
    order = refund.order
    url = f"/admin/mall/order/{order.pk}/change/"
    assert 'name="operator_note"' in client.get(url).content.decode()
    assert client.post(url, {**served_form(client, url), "operator_note": "买家来电：周末再发货"}).status_code == 302
    assert Order.objects.get(pk=order.pk).operator_note == "买家来电：周末再发货"
    assert Withdrawal.objects.count() == 0


def test_distribution_operators_move_a_distributor_only_through_the_review_actions(client):
    from distribution.models import Distributor

    sharer = MemberFactory()
    distributor = Distributor.objects.create(member=sharer, status="pending")
    operator(client, "分销运营")
    html = client.get(f"/admin/distribution/distributor/{distributor.pk}/change/").content.decode()
    assert 'name="status"' not in html and 'name="member"' not in html and 'name="grade"' in html
