import pytest
from django.core.management import call_command

from config.errors import InvalidStatus
from distribution.models import Commission, CommissionStatus, Distributor, LedgerEntry, Withdrawal, WithdrawalStatus
from distribution.selectors import balances
from distribution.services.commissions import commissions_release_due
from distribution.services.reconcile import reconcile
from distribution.services.withdrawals import withdrawal_approve, withdrawal_record_manual, withdrawal_reject
from members.models import Member
from tests.distribution.conftest import buy, complete, configure
from tests.factories import MemberFactory, SKUFactory
from wechat.emulator.models import EmulatedUser, MchTransfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharer(abc, api_for):
    """B, with 10.00 available (one settled order of C) and 5.00 frozen."""
    a, b, c = abc
    EmulatedUser.objects.create(openid=b.openid, unionid="u_b", nickname="B")
    complete(buy(c, SKUFactory(price_fen=10000)), days_ago=1)
    commissions_release_due()
    buy(c, SKUFactory(price_fen=5000))
    assert balances(member=b) == {"frozen_fen": 500, "available_fen": 1000, "withdrawing_fen": 0, "withdrawn_fen": 0}
    return b, api_for(b)


@pytest.fixture
def operator():
    return MemberFactory(openid=None, is_staff=True, is_superuser=True)


def ask(api, amount_fen, channel="wechat"):
    return api.post("/api/v1/distribution/withdrawals", {"amount_fen": amount_fen, "channel": channel}, format="json")


def test_a_withdrawal_holds_the_money(sharer):
    b, api = sharer
    response = ask(api, 600)
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("amount_fen", "fee_fen", "status")} == {"amount_fen": 600, "fee_fen": 0, "status": "pending"}
    assert balances(member=b) == {"frozen_fen": 500, "available_fen": 400, "withdrawing_fen": 600, "withdrawn_fen": 0}
    assert reconcile() == []


@pytest.mark.parametrize(
    "amount, code, status",
    [(1001, "insufficient_balance", 409), (99, "below_minimum", 409), (0, "below_minimum", 409), (-5, "below_minimum", 409),
     (1.5, "validation_error", 400), ("100", "validation_error", 400), (None, "validation_error", 400)],
)
def test_bad_amounts_hold_nothing(sharer, amount, code, status):
    b, api = sharer
    response = ask(api, amount)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert balances(member=b)["available_fen"] == 1000 and not Withdrawal.objects.exists()


def test_withdrawing_zero_is_answered_with_the_shops_minimum(sharer):
    _, api = sharer
    assert ask(api, 0).json() == {"code": "below_minimum", "detail": "最低提现 1.00 元"}


def test_frozen_money_cannot_be_withdrawn(sharer):
    assert ask(sharer[1], 1500).json()["code"] == "insufficient_balance"


def test_over_the_maximum_and_a_channel_not_offered_are_refused(sharer):
    configure(withdrawal_max_fen=800, channels=["balance"])
    b, api = sharer
    assert ask(api, 900, "balance").json()["code"] == "above_maximum"
    assert ask(api, 500, "wechat").status_code == 400
    assert ask(api, 500, "bank").status_code == 400
    assert not Withdrawal.objects.exists()


def test_a_non_distributor_cannot_withdraw(sharer):
    b, api = sharer
    Distributor.objects.create(member=b, status="revoked")
    response = ask(api, 500)
    assert (response.status_code, response.json()["code"]) == (403, "not_distributor")


def test_approval_pays_to_the_wechat_wallet_once(sharer, operator):
    configure(withdrawal_fee_bp=100)
    b, api = sharer
    withdrawal = Withdrawal.objects.get(pk=ask(api, 1000).json()["id"])
    assert withdrawal.fee_fen == 10
    withdrawal = withdrawal_approve(withdrawal=withdrawal, by=operator)
    assert withdrawal.status == WithdrawalStatus.PAID and withdrawal.payout_reference.startswith("10100")
    transfer = MchTransfer.objects.get()
    assert (transfer.partner_trade_no, transfer.openid, transfer.amount) == (withdrawal.number, b.openid, 990)
    with pytest.raises(InvalidStatus):
        withdrawal_approve(withdrawal=withdrawal, by=operator)
    assert MchTransfer.objects.count() == 1
    assert balances(member=b) == {"frozen_fen": 500, "available_fen": 0, "withdrawing_fen": 0, "withdrawn_fen": 1000}
    assert Commission.objects.get(beneficiary=b, status=CommissionStatus.WITHDRAWN).net_fen == 1000
    assert reconcile() == []


def test_to_store_balance_there_is_no_fee_and_the_balance_grows(sharer, operator):
    configure(withdrawal_fee_bp=100)
    b, api = sharer
    withdrawal = withdrawal_approve(withdrawal=Withdrawal.objects.get(pk=ask(api, 700, "balance").json()["id"]), by=operator)
    assert withdrawal.fee_fen == 0 and withdrawal.status == WithdrawalStatus.PAID
    assert Member.objects.get(pk=b.pk).balance_fen == 700
    entry = b.balance_entries.get()  # with its ledger row, unique to the withdrawal
    assert (entry.kind, entry.amount_fen, entry.source_key) == ("withdrawal", 700, f"withdrawal:{withdrawal.pk}")
    assert Commission.objects.get(beneficiary=b, level=1, status=CommissionStatus.AVAILABLE)  # partly drawn: still available
    assert reconcile() == []


def test_rejection_gives_the_money_back(sharer, operator):
    b, api = sharer
    withdrawal = withdrawal_reject(withdrawal=Withdrawal.objects.get(pk=ask(api, 800).json()["id"]), by=operator, reason="资料不全")
    assert (withdrawal.status, withdrawal.reject_reason) == (WithdrawalStatus.REJECTED, "资料不全")
    assert balances(member=b)["available_fen"] == 1000
    assert api.get("/api/v1/distribution/withdrawals").json()["results"][0]["status"] == "rejected"
    assert reconcile() == []


def test_a_failed_payout_gives_the_money_back(sharer, operator):
    b, api = sharer
    EmulatedUser.objects.filter(openid=b.openid).delete()  # WeChat: OPENID_ERROR
    withdrawal = withdrawal_approve(withdrawal=Withdrawal.objects.get(pk=ask(api, 800).json()["id"]), by=operator)
    assert withdrawal.status == WithdrawalStatus.FAILED and "OPENID_ERROR" in withdrawal.failure_reason
    assert balances(member=b)["available_fen"] == 1000
    assert reconcile() == []


def test_manual_payout_waits_for_the_operators_reference(sharer, operator):
    configure(channels=["wechat", "balance", "manual"])
    b, api = sharer
    withdrawal = withdrawal_approve(withdrawal=Withdrawal.objects.get(pk=ask(api, 1000, "manual").json()["id"]), by=operator)
    assert withdrawal.status == WithdrawalStatus.PAYING
    withdrawal = withdrawal_record_manual(withdrawal=withdrawal, by=operator, reference="BANK20261122001")
    assert (withdrawal.status, withdrawal.payout_reference) == (WithdrawalStatus.PAID, "BANK20261122001")
    assert reconcile() == []


def test_reconcile_finds_a_hand_corrupted_ledger_row(sharer, capsys):
    assert reconcile() == []
    entry = LedgerEntry.objects.filter(member=sharer[0], kind="released").first()
    LedgerEntry.objects.filter(pk=entry.pk).update(available_delta=entry.available_delta + 1)
    differences = reconcile()
    assert [(d.subject, d.what, d.expected, d.actual) for d in differences] == [(f"member {sharer[0].pk}", "available per ledger", 1001, 1000)]
    with pytest.raises(Exception) as failed:
        call_command("reconcile_commissions")
    assert "1 difference" in str(failed.value)
    assert "available per ledger should be 1001, is 1000" in capsys.readouterr().out


def test_reconcile_finds_a_corrupted_balance(sharer):
    from distribution.models import Account

    Account.objects.filter(member=sharer[0]).update(frozen_fen=9999)
    assert {d.what for d in reconcile()} == {"frozen per ledger", "frozen per commissions"}
