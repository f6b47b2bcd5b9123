from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from distribution.models import Distributor, Referral, ReferralChange
from distribution.selectors import team_counts
from distribution.services.binding import binding_apply, binding_set
from tests.distribution.conftest import buy, configure, referrer_of
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(rules):
    return MemberFactory(nickname="甲"), MemberFactory(nickname="乙"), MemberFactory(nickname="丙")


def test_a_link_binds_a_member_without_a_referrer_and_keeps_history(people):
    x, y, z = people
    assert binding_apply(member=z, code=x.referral_code)
    assert referrer_of(z) == x
    change = ReferralChange.objects.get()
    assert (change.old_referrer, change.new_referrer, change.source) == (None, x, "link")
    assert team_counts(member=x) == (1, 0)


def test_by_default_the_first_referrer_keeps_the_customer(people):
    x, y, z = people
    binding_apply(member=z, code=x.referral_code)
    assert not binding_apply(member=z, code=y.referral_code)
    assert referrer_of(z) == x


def test_nobody_binds_to_themselves_or_to_a_descendant(people):
    x, y, z = people
    assert not binding_apply(member=x, code=x.referral_code)
    binding_apply(member=y, code=x.referral_code)
    binding_apply(member=z, code=y.referral_code)
    assert not binding_apply(member=x, code=z.referral_code)  # x → z → y → x would be a cycle
    assert referrer_of(x) is None
    with pytest.raises(DomainError):
        binding_set(member=x, referrer=z, by=MemberFactory(openid=None), reason="试图成环")


def test_new_members_only_leaves_customers_who_ordered_alone(people):
    x, y, z = people
    configure(binding_scope="new_members")
    buy(z, SKUFactory())
    assert not binding_apply(member=z, code=x.referral_code)
    assert binding_apply(member=y, code=x.referral_code)


def test_a_binding_for_n_days_lapses_and_then_a_new_link_binds(people):
    x, y, z = people
    configure(binding_validity="days", binding_days=7)
    binding_apply(member=z, code=x.referral_code)
    assert not binding_apply(member=z, code=y.referral_code)
    Referral.objects.filter(member=z).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert referrer_of(z) == x and not buy(z, SKUFactory()).commissions.exists()  # lapsed: nobody earns
    assert binding_apply(member=z, code=y.referral_code)
    assert referrer_of(z) == y


def test_latest_link_wins_except_during_protection(people):
    x, y, z = people
    configure(binding_validity="latest", protection_days=3)
    binding_apply(member=z, code=x.referral_code)
    assert not binding_apply(member=z, code=y.referral_code)  # protected for three days
    Referral.objects.filter(member=z).update(protected_until=timezone.now() - timedelta(seconds=1))
    assert binding_apply(member=z, code=y.referral_code)
    assert referrer_of(z) == y
    assert team_counts(member=x) == (0, 0) and team_counts(member=y) == (1, 0)


def test_only_distributors_bind_in_apply_mode(people):
    x, y, z = people
    configure(eligibility="apply")
    assert not binding_apply(member=z, code=x.referral_code)
    Distributor.objects.create(member=x, status="active")
    assert binding_apply(member=z, code=x.referral_code)


def test_operators_rebind_with_an_audit_row(people):
    x, y, z = people
    operator = MemberFactory(openid=None, is_staff=True)
    binding_apply(member=z, code=x.referral_code)
    binding_set(member=z, referrer=y, by=operator, reason="客户要求")
    assert referrer_of(z) == y
    change = ReferralChange.objects.order_by("id").last()
    assert (change.old_referrer, change.new_referrer, change.actor, change.reason, change.source) == (x, y, operator, "客户要求", "operator")
    binding_set(member=z, referrer=None, by=operator, reason="解绑")
    assert referrer_of(z) is None


def test_a_ref_link_binds_a_logged_in_shopper(client, people):
    x, y, z = people
    client.force_login(z)
    client.get(f"/products/?ref={x.referral_code}")
    deliver_events()
    assert referrer_of(z) == x


def test_a_ref_link_is_remembered_until_login(client, people):
    from urllib.parse import parse_qs, urlencode, urlsplit

    x = people[0]
    client.get(f"/?ref={x.referral_code}")
    login = client.get("/wechat/login/?next=/")["Location"]
    callback = client.get(f"{login}&{urlencode({'openid': 'o_new_friend'})}")["Location"]
    client.get(callback)
    deliver_events()
    from members.models import Member

    assert referrer_of(Member.objects.get(openid="o_new_friend")) == x
    assert parse_qs(urlsplit(callback).query)["code"]


def test_scanning_a_sharers_qr_code_to_follow_binds(client, people):
    from tests.wechat.test_official_account import event_xml, send

    x = people[0]
    send(client, event_xml(openid="o_scanner", Event="subscribe", EventKey=f"qrscene_ref_{x.referral_code}", Ticket="t"))
    from members.models import Member

    assert referrer_of(Member.objects.get(openid="o_scanner")) == x
    assert Referral.objects.get(referrer=x).source == "qrcode"


def test_a_junk_ref_is_ignored(client, people):
    client.force_login(people[2])
    assert client.get("/?ref=%00<script>").status_code == 200
    deliver_events()
    assert referrer_of(people[2]) is None


def test_a_lapsed_binding_renews_with_the_same_sharer(people):
    x, y, z = people
    configure(binding_validity="days", binding_days=7)
    binding_apply(member=z, code=x.referral_code)
    assert not binding_apply(member=z, code=x.referral_code)  # still live: nothing to renew
    Referral.objects.filter(member=z).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert binding_apply(member=z, code=x.referral_code)
    assert Referral.objects.get(member=z).expires_at > timezone.now() + timedelta(days=6)
    assert buy(z, SKUFactory(price_fen=10000)).commissions.get().beneficiary == x


def test_protection_ends_with_the_binding_it_protects(people):
    x, y, z = people
    configure(binding_validity="days", binding_days=3, protection_days=10)
    binding_apply(member=z, code=x.referral_code)
    Referral.objects.filter(member=z).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert binding_apply(member=z, code=y.referral_code)
    assert referrer_of(z) == y


def test_the_team_counts_live_bindings_only(people):
    x, y, z = people
    configure(binding_validity="days", binding_days=7)
    binding_apply(member=y, code=x.referral_code)
    binding_apply(member=z, code=y.referral_code)
    assert team_counts(member=x) == (1, 1)
    Referral.objects.filter(member=z).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert team_counts(member=x) == (1, 0) and team_counts(member=y) == (0, 0)


def test_rebinding_by_hand_makes_nobody_a_distributor(people):
    x, y, z = people
    configure(eligibility="appointed")
    binding_set(member=z, referrer=y, by=MemberFactory(openid=None, is_staff=True), reason="老客户转介绍")
    assert referrer_of(z) == y
    assert not Distributor.objects.exists()
    assert not buy(z, SKUFactory(price_fen=10000)).commissions.exists()  # y was never appointed
