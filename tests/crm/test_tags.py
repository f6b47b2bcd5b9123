"""Tags: bulk tag and untag (set-based, a repeat changes nothing), rule tags kept exactly
equal to their segment by tag_sync, also when two syncs run at once."""

import pytest
from django.core.management import call_command

from config.errors import InvalidInput
from crm.models import MemberTag, Segment, Tag
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
