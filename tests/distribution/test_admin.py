import pytest

from distribution.models import Distributor, DistributorStatus, Withdrawal, WithdrawalStatus
from distribution.services.commissions import commissions_release_due
from tests.distribution.conftest import buy, complete, configure, referrer_of
from tests.factories import MemberFactory, SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    member = MemberFactory(openid=None, is_staff=True, is_superuser=True)
    client.force_login(member)
    return member


@pytest.mark.parametrize(
    "path",
    ["/admin/distribution/distributor/", "/admin/distribution/commission/", "/admin/distribution/withdrawal/",
     "/admin/distribution/referral/", "/admin/distribution/referralchange/", "/admin/distribution/ledgerentry/",
     "/admin/distribution/grade/", "/admin/distribution/skucommission/", "/admin/distribution/distributiondashboard/",
     "/admin/distribution/distributiondashboard/?days=7"],
)
def test_distribution_admin_pages_open(client, boss, abc, path):
    buy(abc[2], SKUFactory(price_fen=10000))
    assert client.get(path).status_code == 200


def test_settings_open_as_one_form_and_refuse_more_than_100_percent(client, boss, rules):
    page = client.get("/admin/distribution/distributionsettings/")  # the one form, no list
    assert page.status_code == 200 and 'name="level1_rate_bp"' in page.content.decode()
    form = {
        "enabled": "on", "eligibility": "everyone", "spend_threshold_fen": "0", "binding_scope": "no_referrer",
        "binding_validity": "permanent", "binding_days": 30, "protection_days": 0, "levels": 2, "level1_rate_bp": "80",
        "level2_rate_bp": "30", "extra_freeze_days": 0, "withdrawal_min_fen": "1.00", "withdrawal_max_fen": "5000",
        "withdrawal_fee_bp": "0", "channels": ["wechat", "balance"],
    }
    page = client.post("/admin/distribution/distributionsettings/1/change/", form)
    assert page.status_code == 200 and "100%" in page.content.decode()
    client.post("/admin/distribution/distributionsettings/1/change/", {**form, "level1_rate_bp": "12.5", "level2_rate_bp": "5"})
    rules.refresh_from_db()
    assert (rules.level1_rate_bp, rules.level2_rate_bp) == (1250, 500)


def test_operators_approve_applications(client, boss, rules):
    configure(eligibility="apply")
    applicant = Distributor.objects.create(member=MemberFactory(), status=DistributorStatus.PENDING)
    client.post("/admin/distribution/distributor/", {"action": "approve", "_selected_action": [applicant.pk]})
    assert Distributor.objects.get(pk=applicant.pk).status == DistributorStatus.ACTIVE
    client.post("/admin/distribution/distributor/", {"action": "revoke", "_selected_action": [applicant.pk]})
    assert Distributor.objects.get(pk=applicant.pk).status == DistributorStatus.REVOKED


def test_the_team_view_and_rebinding(client, boss, abc):
    a, b, c = abc
    page = client.get(f"/admin/distribution/distributor/team/{b.pk}/").content.decode()
    assert "A" in page and "C" in page
    client.post(f"/admin/distribution/referral/rebind/{c.pk}/", {"referrer_code": a.referral_code, "reason": "客户要求"})
    assert referrer_of(c) == a
    cycle = client.post(f"/admin/distribution/referral/rebind/{a.pk}/", {"referrer_code": c.referral_code, "reason": "试图成环"})
    assert cycle.status_code == 200 and "下级" in cycle.content.decode()
    assert referrer_of(a) is None


def test_the_withdrawal_queue_rejects_with_a_reason(client, boss, abc, api_for):
    complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due()
    withdrawal_id = api_for(abc[1]).post("/api/v1/distribution/withdrawals", {"amount_fen": 1000, "channel": "balance"}, format="json").json()["id"]
    form = client.post("/admin/distribution/withdrawal/", {"action": "reject", "_selected_action": [withdrawal_id]})
    assert "拒绝原因" in form.content.decode()
    client.post("/admin/distribution/withdrawal/", {"action": "reject", "apply": "1", "reason": "信息有误", "_selected_action": [withdrawal_id]})
    assert Withdrawal.objects.get(pk=withdrawal_id).status == WithdrawalStatus.REJECTED


def test_the_dashboard_counts_what_sharers_brought(client, boss, abc):
    buy(abc[2], SKUFactory(price_fen=10000))
    page = client.get("/admin/distribution/distributiondashboard/").content.decode()
    assert "100.00" in page and "15.00" in page and "15.0%" in page


def test_a_manual_withdrawal_is_recorded_with_its_payment_reference(client, boss, abc, api_for):
    configure(channels=["wechat", "manual"])
    complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due()
    manual = api_for(abc[1]).post("/api/v1/distribution/withdrawals", {"amount_fen": 600, "channel": "manual"}, format="json").json()["id"]
    wechat = api_for(abc[1]).post("/api/v1/distribution/withdrawals", {"amount_fen": 400, "channel": "wechat"}, format="json").json()["id"]
    form = client.post("/admin/distribution/withdrawal/", {"action": "record_manual", "_selected_action": [manual, wechat]})
    assert "打款凭证" in form.content.decode()
    client.post("/admin/distribution/withdrawal/",
                {"action": "record_manual", "apply": "1", "reference": "BANK20261122001", "_selected_action": [manual, wechat]})
    paid = Withdrawal.objects.get(pk=manual)
    assert (paid.status, paid.payout_reference) == (WithdrawalStatus.PAID, "BANK20261122001")
    assert Withdrawal.objects.get(pk=wechat).status == WithdrawalStatus.PENDING  # only manual ones are recorded by hand


@pytest.fixture
def two_withdrawals(abc, api_for):
    """B asks for a manual transfer of ¥6.00 and ¥4.00 to the store balance."""
    configure(channels=["balance", "manual"], withdrawal_fee_bp=0)
    complete(buy(abc[2], SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due()
    ask = api_for(abc[1]).post
    manual = ask("/api/v1/distribution/withdrawals", {"amount_fen": 600, "channel": "manual"}, format="json").json()["id"]
    balance = ask("/api/v1/distribution/withdrawals", {"amount_fen": 400, "channel": "balance"}, format="json").json()["id"]
    return Withdrawal.objects.get(pk=manual), Withdrawal.objects.get(pk=balance)


def test_approving_withdrawals_first_shows_each_amount_and_the_total_and_pays_nothing(client, boss, two_withdrawals):
    manual, balance = two_withdrawals
    member = manual.member
    page = client.post("/admin/distribution/withdrawal/", {"action": "approve", "_selected_action": [manual.pk, balance.pk]})
    html = page.content.decode()
    assert page.status_code == 200 and "确认同意提现并打款" in html
    assert manual.number in html and balance.number in html and member.display_name in html
    assert "6.00" in html and "4.00" in html and 'data-total-fen="1000"' in html and "¥10.00" in html
    assert set(Withdrawal.objects.values_list("status", flat=True)) == {WithdrawalStatus.PENDING}
    client.post("/admin/distribution/withdrawal/", {"action": "approve", "apply": "1", "_selected_action": [balance.pk]})
    assert Withdrawal.objects.get(pk=balance.pk).status == WithdrawalStatus.PAID
    assert Withdrawal.objects.get(pk=manual.pk).status == WithdrawalStatus.PENDING  # only what was confirmed


def test_recording_a_manual_transfer_shows_the_amount_to_transfer_first(client, boss, two_withdrawals):
    manual, balance = two_withdrawals
    page = client.post("/admin/distribution/withdrawal/", {"action": "record_manual", "_selected_action": [manual.pk, balance.pk]})
    html = page.content.decode()
    assert manual.number in html and balance.number not in html  # only manual transfers are recorded by hand
    assert 'data-total-fen="600"' in html and "打款凭证" in html
    assert Withdrawal.objects.get(pk=manual.pk).status == WithdrawalStatus.PENDING


def test_in_everyone_mode_the_distributor_list_shows_the_members_who_earn(client, boss, abc):
    a, b, c = abc
    buy(c, SKUFactory(price_fen=10000))  # B earns 10.00 at level 1, A 5.00 at level 2, neither with a Distributor row
    Distributor.objects.create(member=MemberFactory(nickname="申请者"), status=DistributorStatus.PENDING)
    page = client.get("/admin/distribution/distributor/").content.decode()
    assert "所有会员" in page and "另有 <strong>2</strong> 位会员正在赚佣金" in page
    assert page.index(">B<") < page.index(">A<")  # most earned first
    assert "10.00" in page and "5.00" in page and "申请者" in page


def test_outside_everyone_mode_the_list_is_only_its_rows(client, boss, abc):
    configure(eligibility="apply")
    page = client.get("/admin/distribution/distributor/").content.decode()
    assert "正在赚佣金" not in page and "所有会员」" not in page
