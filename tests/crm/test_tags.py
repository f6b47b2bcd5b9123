"""Tags: bulk tag and untag (set-based, a repeat changes nothing), rule tags kept exactly
equal to their segment by tag_sync, also when two syncs run at once."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.errors import InvalidInput
from crm.models import MemberTag, PurchaseStats, RfmGroup, Segment, Tag
from crm.services.tags import member_tags_add, member_tags_remove, tag_sync, tags_sync_all
from members.models import Gender, Member
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres


def tagged(tag) -> set[int]:
    return set(MemberTag.objects.filter(tag=tag).values_list("member_id", flat=True))


def women_in(province: str) -> Segment:
    return Segment.objects.create(name=f"{province}女性", rules={"match": "all", "rules": [
        {"field": "gender", "op": "eq", "value": Gender.FEMALE}, {"field": "province", "op": "eq", "value": province}]})


@pytest.mark.django_db
def test_bulk_tag_adds_only_the_missing_and_untag_removes_only_the_chosen():
    vip = Tag.objects.create(name="VIP")
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    assert member_tags_add(tag=vip, members=Member.objects.filter(pk__in=[a.pk, b.pk])) == 2
    assert member_tags_add(tag=vip, members=Member.objects.filter(pk__in=[a.pk, b.pk, c.pk])) == 1
    assert tagged(vip) == {a.pk, b.pk, c.pk}
    assert member_tags_remove(tag=vip, members=Member.objects.filter(pk__in=[a.pk, c.pk])) == 2
    assert member_tags_remove(tag=vip, members=Member.objects.filter(pk__in=[a.pk, c.pk])) == 0
    assert tagged(vip) == {b.pk}


@pytest.mark.django_db
def test_a_rule_tag_cannot_be_put_on_by_hand():
    tag = Tag.objects.create(name="广东女性", kind=Tag.Kind.RULE, segment=women_in("广东"))
    with pytest.raises(InvalidInput, match="自动维护"):
        member_tags_add(tag=tag, members=Member.objects.all())
    with pytest.raises(InvalidInput, match="自动维护"):
        member_tags_remove(tag=tag, members=Member.objects.all())


@pytest.mark.django_db
def test_sync_makes_the_tag_exactly_the_segment_and_a_second_run_changes_nothing():
    tag = Tag.objects.create(name="广东女性", kind=Tag.Kind.RULE, segment=women_in("广东"))
    inside = [MemberFactory(gender=Gender.FEMALE, province="广东") for _ in range(3)]
    outside = MemberFactory(gender=Gender.MALE, province="广东")
    MemberTag.objects.create(tag=tag, member=outside)  # left from when the rules were different
    assert tag_sync(tag=tag) == (3, 1)
    assert tagged(tag) == {m.pk for m in inside}
    assert tag_sync(tag=tag) == (0, 0)
    Member.objects.filter(pk=inside[0].pk).update(province="浙江")
    assert tag_sync(tag=tag) == (0, 1)
    assert tagged(tag) == {inside[1].pk, inside[2].pk}
    tag.refresh_from_db()
    assert tag.synced_at is not None


@pytest.mark.django_db
def test_sync_all_goes_on_past_a_segment_that_no_longer_compiles(caplog):
    good = Tag.objects.create(name="广东女性", kind=Tag.Kind.RULE, segment=women_in("广东"))
    broken_segment = Segment.objects.create(name="旧资料项", rules={"match": "all", "rules": [
        {"field": "attr:retired", "op": "eq", "value": "x"}]})
    Tag.objects.create(name="旧标签", kind=Tag.Kind.RULE, segment=broken_segment)
    woman = MemberFactory(gender=Gender.FEMALE, province="广东")
    assert tags_sync_all() == {"synced": 1, "failed": 1}
    assert tagged(good) == {woman.pk}
    assert "rules are invalid" in caplog.text
    call_command("sync_rule_tags")
    assert tagged(good) == {woman.pk}


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_syncs_at_once_leave_exactly_the_segment():
    tag = Tag.objects.create(name="广东女性", kind=Tag.Kind.RULE, segment=women_in("广东"))
    inside = {MemberFactory(gender=Gender.FEMALE, province="广东").pk for _ in range(30)}
    stale = MemberFactory(province="浙江")
    MemberTag.objects.create(tag=tag, member=stale)
    results, errors = race([lambda: tag_sync(tag=tag) for _ in range(4)])
    assert errors == []
    assert tagged(tag) == inside
    assert sum(added for added, _ in results) == 30
    assert sum(removed for _, removed in results) == 1


# --- The member list: bulk actions, the tags column without N+1, filters --------------------


@pytest.fixture
def boss(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


@pytest.mark.django_db
def test_bulk_tag_action_asks_for_the_tag_then_tags_only_the_selected(boss):
    vip = Tag.objects.create(name="VIP")
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    url = reverse("admin:members_member_changelist")
    chosen = {"action": "tag_members", "_selected_action": [a.pk, b.pk]}
    page = boss.post(url, chosen)
    assert page.status_code == 200 and "给所选会员打标签" in page.content.decode()
    assert boss.post(url, {**chosen, "apply": "1", "tag": vip.pk}).status_code == 302
    assert tagged(vip) == {a.pk, b.pk}
    boss.post(url, {"action": "untag_members", "_selected_action": [b.pk, c.pk], "apply": "1", "tag": vip.pk})
    assert tagged(vip) == {a.pk}


@pytest.mark.django_db
def test_the_member_list_shows_tags_and_rfm_in_a_fixed_number_of_queries_and_filters_by_them(boss):
    vip, new = Tag.objects.create(name="VIP"), Tag.objects.create(name="新人")
    url = reverse("admin:members_member_changelist")

    def add_members(n):
        for _ in range(n):
            member = MemberFactory()
            MemberTag.objects.create(member=member, tag=vip)
            MemberTag.objects.create(member=member, tag=new)
            PurchaseStats.objects.create(member=member, order_count=1, r_score=5, f_score=3, m_score=4, rfm_group=RfmGroup.CHAMPION)

    def crm_queries() -> int:
        # The page's other queries are other features' (the store's context processor runs per
        # rendered template); the tags and RFM columns must read their tables once a page.
        with CaptureQueriesContext(connection) as captured:
            assert boss.get(url).status_code == 200
        return sum('"crm_membertag"' in q["sql"] or '"crm_purchasestats"' in q["sql"] for q in captured.captured_queries)

    add_members(2)
    assert crm_queries() == 2  # the members with their stats joined, and the tags prefetched
    add_members(6)
    assert crm_queries() == 2
    page = boss.get(url).content.decode()
    assert "VIP" in page and "重要价值" in page and "R5 F3 M4" in page
    loner = MemberFactory(nickname="独行侠")
    assert loner.nickname not in boss.get(url, {"tag": vip.pk}).content.decode()
    assert loner.nickname not in boss.get(url, {"rfm": RfmGroup.CHAMPION}).content.decode()
    assert loner.nickname in boss.get(url, {"rfm": ""}).content.decode()


@pytest.mark.django_db
def test_the_tag_admin_counts_members_and_syncs_rule_tags(boss):
    tag = Tag.objects.create(name="广东女性", kind=Tag.Kind.RULE, segment=women_in("广东"))
    woman = MemberFactory(gender=Gender.FEMALE, province="广东")
    boss.post(reverse("admin:crm_tag_changelist"), {"action": "sync_now", "_selected_action": [tag.pk]})
    assert tagged(tag) == {woman.pk}
    assert f"?tag={tag.pk}" in boss.get(reverse("admin:crm_tag_changelist")).content.decode()
    refused = boss.post(reverse("admin:crm_tag_add"), {"name": "缺分群", "kind": "rule"})
    assert "自动标签需要选择分群" in refused.content.decode()
