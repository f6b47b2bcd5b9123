import pytest
from django.test import Client

from distribution.models import Distributor, DistributorStatus, Grade, Withdrawal
from distribution.selectors import balances
from distribution.services.commissions import commissions_release_due
from tests.distribution.conftest import buy, complete, configure
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events
from tests.journeys import pay_at_cashier

pytestmark = pytest.mark.django_db


def test_me_describes_the_sharer(abc, api_for, settings):
    a, b, c = abc
    buy(c, SKUFactory(price_fen=10000))
    body = api_for(b).get("/api/v1/distribution/me").json()
    assert body == {
        "is_distributor": True, "referral_code": b.referral_code, "share_url": f"{settings.SITE_URL}/?ref={b.referral_code}",
        "poster_url": f"{settings.SITE_URL}/api/v1/distribution/poster", "referrer": {"nickname": "A"},
        "team_level1": 1, "team_level2": 0, "frozen_fen": 1000, "available_fen": 0, "withdrawing_fen": 0, "withdrawn_fen": 0,
        "application_status": None,
    }
    assert api_for(a).get("/api/v1/distribution/me").json()["team_level2"] == 1


def test_everyone_mode_needs_no_application(rules, member_api):
    assert member_api.post("/api/v1/distribution/apply").json()["is_distributor"] is True


def test_apply_mode_waits_for_review(rules, member_api, member):
    configure(eligibility="apply")
    body = member_api.post("/api/v1/distribution/apply").json()
    assert (body["is_distributor"], body["application_status"]) == (False, "pending")
    Distributor.objects.filter(member=member).update(status=DistributorStatus.ACTIVE)
    assert member_api.get("/api/v1/me").json()["is_distributor"] is True


def test_spend_mode_promotes_by_itself(rules, member, member_api):
    configure(eligibility="spend", spend_threshold_fen=5000)
    assert member_api.post("/api/v1/distribution/apply").status_code == 409
    buy(member, SKUFactory(price_fen=6000))
    from distribution.services.distributors import distributor_promote_by_spend

    distributor_promote_by_spend(member=member)
    assert member_api.get("/api/v1/distribution/me").json()["is_distributor"] is True


def test_appointed_mode_refuses_applications(rules, member_api):
    configure(eligibility="appointed")
    response = member_api.post("/api/v1/distribution/apply")
    assert response.status_code == 409 and member_api.get("/api/v1/me").json()["is_distributor"] is False


def test_commissions_list_is_mine_only_and_filters_by_status(abc, api_for):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))
    body = api_for(b).get("/api/v1/distribution/commissions").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert {k: item[k] for k in ("order_number", "level", "base_fen", "rate_bp", "amount_fen", "status")} == {
        "order_number": order.number, "level": 1, "base_fen": 10000, "rate_bp": 1000, "amount_fen": 1000, "status": "frozen",
    }
    assert api_for(b).get("/api/v1/distribution/commissions?status=available").json()["count"] == 0
    assert api_for(c).get("/api/v1/distribution/commissions").json()["count"] == 0
    assert api_for(b).get("/api/v1/distribution/commissions?status=lost").status_code == 400


def test_team_by_level(abc, api_for):
    a, b, c = abc
    api = api_for(a)
    assert [m["nickname"] for m in api.get("/api/v1/distribution/team?level=1").json()["results"]] == ["B"]
    assert [m["nickname"] for m in api.get("/api/v1/distribution/team?level=2").json()["results"]] == ["C"]
    assert api.get("/api/v1/distribution/team?level=3").status_code == 400


def test_the_poster_is_a_png_made_once_until_something_changes(abc, api_for):
    from members.models import Member

    api = api_for(abc[1])
    first = api.get("/api/v1/distribution/poster")
    assert first.status_code == 200 and first["Content-Type"] == "image/png" and first.content.startswith(b"\x89PNG")
    assert api.get("/api/v1/distribution/poster").content == first.content
    Member.objects.filter(pk=abc[1].pk).update(nickname="新名字")
    assert api.get("/api/v1/distribution/poster").content != first.content
    sku = SKUFactory()
    assert api.get(f"/api/v1/distribution/poster?product={sku.product_id}").status_code == 200
    assert api.get("/api/v1/distribution/poster?product=999999").status_code == 404


def test_everything_needs_login(api):
    for path in ("/api/v1/distribution/me", "/api/v1/distribution/commissions", "/api/v1/distribution/team", "/api/v1/distribution/poster"):
        assert api.get(path).status_code == 401


def test_sharer_center_pages_open(abc, client):
    a, b, c = abc
    buy(c, SKUFactory(price_fen=10000))
    client.force_login(b)
    for path in ("/distribution/", "/distribution/commissions/", "/distribution/commissions/?status=frozen", "/distribution/team/",
                 "/distribution/team/?level=2", "/distribution/withdraw/", "/distribution/poster/"):
        assert client.get(path).status_code == 200, path
    assert "冻结中" in client.get("/distribution/").content.decode()


def test_grades_rise_with_team_and_spend_when_orders_complete(abc):
    a, b, c = abc
    silver = Grade.objects.create(name="银牌", rank=1, level1_rate_bp=1200, level2_rate_bp=500, min_team_size=1, min_team_spend_fen=10000)
    gold = Grade.objects.create(name="金牌", rank=2, level1_rate_bp=1500, level2_rate_bp=500, min_team_size=1, min_team_spend_fen=10000,
                                min_own_spend_fen=5000)
    complete(buy(c, SKUFactory(price_fen=10000)))
    deliver_events()  # "completed" reaches distribution's grade check
    assert Distributor.objects.get(member=b).grade == silver  # gold also wants B's own spend
    complete(buy(b, SKUFactory(price_fen=6000)))
    deliver_events()
    assert Distributor.objects.get(member=b).grade == gold


def test_a_grade_by_team_size_comes_when_the_team_grows(rules, django_capture_on_commit_callbacks):
    from distribution.services.binding import binding_apply

    leader = MemberFactory()
    captain = Grade.objects.create(name="队长", rank=1, level1_rate_bp=1200, level2_rate_bp=500, min_team_size=2)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            binding_apply(member=MemberFactory(), code=leader.referral_code)
    assert Distributor.objects.get(member=leader).grade == captain


def test_the_whole_loop_through_wechat_pay(abc, api_for, django_capture_on_commit_callbacks):
    """C pays at the emulator's cashier; B's commission is earned from the notification,
    released after the window, withdrawn to the WeChat wallet through the emulator."""
    from wechat.emulator.models import EmulatedUser, MchTransfer

    a, b, c = abc
    EmulatedUser.objects.create(openid=b.openid, unionid="u_b", nickname="B")
    api = api_for(c)
    from tests.journeys import place_order

    with django_capture_on_commit_callbacks(execute=True):
        order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=20000)))
    assert balances(member=b)["frozen_fen"] == 2000
    complete(order, days_ago=1)
    commissions_release_due()
    withdrawal = Withdrawal.objects.get(pk=api_for(b).post("/api/v1/distribution/withdrawals", {"amount_fen": 2000, "channel": "wechat"}, format="json").json()["id"])
    admin = Client()
    admin.force_login(MemberFactory(openid=None, is_staff=True, is_superuser=True))
    admin.post("/admin/distribution/withdrawal/", {"action": "approve", "apply": "1", "_selected_action": [withdrawal.pk]})
    assert MchTransfer.objects.get().amount == 2000
    assert balances(member=b)["withdrawn_fen"] == 2000


def test_a_product_poster_links_to_that_product_with_the_sharers_code(abc, client, settings):
    b = abc[1]
    sku = SKUFactory()
    client.force_login(b)
    html = client.get(f"/distribution/poster/?product={sku.product_id}").content.decode()
    assert f'value="{settings.SITE_URL}/products/{sku.product_id}/?ref={b.referral_code}&amp;src=poster"' in html
