"""Segment rules against hand-built members: each rule kind lets in who it should and keeps
out who it should, AND/OR groups combine them, bad rules are refused naming the rule, and a
segment is counted in one query."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Checkin, Participation, Play
from crm.errors import SegmentRuleError
from crm.models import Channel, MemberTag, PurchasedProduct, PurchaseStats, RfmGroup, Segment, Tag
from crm.selectors.segments import segment_count, segment_fields_schema, segment_members, segment_sample, validate_rules
from distribution.models import Referral
from members.models import AttributeKind, Gender, ProfileAttribute
from tests.factories import CategoryFactory, MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db


def rule(field, op, value):
    return {"field": field, "op": op, "value": value}


def all_of(*rules):
    return {"match": "all", "rules": list(rules)}


def any_of(*rules):
    return {"match": "any", "rules": list(rules)}


def chosen(*rules) -> set[int]:
    return set(segment_members(all_of(*rules)).values_list("pk", flat=True))


def ago(days: float):
    return timezone.now() - datetime.timedelta(days=days)


def bought(member, *, orders=1, paid_fen=5000, last_days=1, first_days=None, r=0, f=0, m=0, group=""):
    return PurchaseStats.objects.create(
        member=member, order_count=orders, paid_fen=paid_fen, last_paid_at=ago(last_days), first_paid_at=ago(first_days or last_days),
        r_score=r, f_score=f, m_score=m, rfm_group=group,
    )


# --- Profile fields ---------------------------------------------------------------------------


def test_gender_and_province_take_in_only_who_matches_both():
    woman_gd = MemberFactory(gender=Gender.FEMALE, province="广东")
    man_gd = MemberFactory(gender=Gender.MALE, province="广东")
    woman_zj = MemberFactory(gender=Gender.FEMALE, province="浙江")
    assert chosen(rule("gender", "eq", 2), rule("province", "eq", "广东")) == {woman_gd.pk}
    assert chosen(rule("gender", "in", [1, 2]), rule("province", "in", ["广东"])) == {woman_gd.pk, man_gd.pk}
    assert woman_zj.pk in chosen(rule("gender", "eq", 2))


def test_city_phone_and_subscription():
    shenzhen = MemberFactory(city="深圳", phone="13800000000", is_subscribed=True)
    guangzhou = MemberFactory(city="广州", phone="", is_subscribed=False)
    assert chosen(rule("city", "eq", "深圳")) == {shenzhen.pk}
    assert chosen(rule("has_phone", "is", True)) == {shenzhen.pk}
    assert chosen(rule("has_phone", "is", False)) == {guangzhou.pk}
    assert chosen(rule("is_subscribed", "is", False)) == {guangzhou.pk}


def test_date_joined_in_days_ago():
    new = MemberFactory(date_joined=ago(3))
    old = MemberFactory(date_joined=ago(100))
    assert chosen(rule("date_joined", "lt", 7)) == {new.pk}
    assert chosen(rule("date_joined", "gt", 30)) == {old.pk}


def test_points_compare_as_numbers_and_between_is_inclusive():
    few, some, many = MemberFactory(points=9), MemberFactory(points=100), MemberFactory(points=1000)
    assert chosen(rule("points", "gt", 99)) == {some.pk, many.pk}
    assert chosen(rule("points", "lte", 100)) == {few.pk, some.pk}
    assert chosen(rule("points", "between", [100, 1000])) == {some.pk, many.pk}
    assert chosen(rule("points", "eq", 9)) == {few.pk}


def test_source_channel_is_the_channel_code():
    Channel.objects.create(name="门店海报", code="store")
    Channel.objects.create(name="地铁", code="metro")
    store, metro, direct = MemberFactory(source_channel="store"), MemberFactory(source_channel="metro"), MemberFactory()
    assert chosen(rule("source_channel", "eq", "store")) == {store.pk}
    assert chosen(rule("source_channel", "in", ["store", "metro"])) == {store.pk, metro.pk}
    assert direct.pk not in chosen(rule("source_channel", "in", ["store", "metro"]))


def test_referrer_has_one_and_referred_by_a_code_and_lapsed_bindings_do_not_count():
    sharer, other = MemberFactory(), MemberFactory()
    by_sharer, by_other, lapsed, alone = MemberFactory(), MemberFactory(), MemberFactory(), MemberFactory()
    Referral.objects.create(member=by_sharer, referrer=sharer, bound_at=ago(5))
    Referral.objects.create(member=by_other, referrer=other, bound_at=ago(5))
    Referral.objects.create(member=lapsed, referrer=sharer, bound_at=ago(50), expires_at=ago(1))
    assert chosen(rule("referrer", "is", True)) == {by_sharer.pk, by_other.pk}
    assert {alone.pk, lapsed.pk, sharer.pk} <= chosen(rule("referrer", "is", False))
    assert chosen(rule("referrer", "by", sharer.referral_code)) == {by_sharer.pk}


def test_tags_any_and_none():
    vip, new = Tag.objects.create(name="VIP"), Tag.objects.create(name="新人")
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    MemberTag.objects.create(member=a, tag=vip)
    MemberTag.objects.create(member=b, tag=new)
    assert chosen(rule("tags", "any", [vip.pk, new.pk])) == {a.pk, b.pk}
    assert chosen(rule("tags", "none", [vip.pk])) == {b.pk, c.pk}


# --- Operator-defined attributes ---------------------------------------------------------------


@pytest.fixture
def attributes():
    ProfileAttribute.objects.create(key="skin_type", label="肤质", kind=AttributeKind.CHOICE, choices=["油性", "干性", "混合"])
    ProfileAttribute.objects.create(key="height_cm", label="身高", kind=AttributeKind.NUMBER, unit="cm")
    ProfileAttribute.objects.create(key="job", label="职业", kind=AttributeKind.TEXT)
    ProfileAttribute.objects.create(key="birthday", label="生日", kind=AttributeKind.DATE)
    ProfileAttribute.objects.create(key="has_kids", label="有孩子", kind=AttributeKind.BOOLEAN)


def test_choice_attribute(attributes):
    oily = MemberFactory(attributes={"skin_type": "油性"})
    dry = MemberFactory(attributes={"skin_type": "干性"})
    MemberFactory(attributes={})
    assert chosen(rule("attr:skin_type", "eq", "油性")) == {oily.pk}
    assert chosen(rule("attr:skin_type", "in", ["油性", "干性"])) == {oily.pk, dry.pk}


def test_number_attribute_compares_as_a_number_not_as_text(attributes):
    # As text "95" > "168"; as numbers it is smaller.
    short, tall = MemberFactory(attributes={"height_cm": 95}), MemberFactory(attributes={"height_cm": 168.5})
    MemberFactory(attributes={"height_cm": "不告诉你"})  # another JSON type never reaches the cast
    MemberFactory(attributes={})
    assert chosen(rule("attr:height_cm", "gt", 100)) == {tall.pk}
    assert chosen(rule("attr:height_cm", "lt", 100)) == {short.pk}
    assert chosen(rule("attr:height_cm", "between", [95, 168.5])) == {short.pk, tall.pk}
    assert chosen(rule("attr:height_cm", "gte", 168.5)) == {tall.pk}


def test_text_date_and_boolean_attributes(attributes):
    nurse = MemberFactory(attributes={"job": "护士长", "birthday": "1990-05-01", "has_kids": True})
    teacher = MemberFactory(attributes={"job": "教师", "birthday": "2001-12-31", "has_kids": False})
    silent = MemberFactory(attributes={})
    assert chosen(rule("attr:job", "eq", "教师")) == {teacher.pk}
    assert chosen(rule("attr:job", "contains", "护士")) == {nurse.pk}
    assert chosen(rule("attr:birthday", "before", "2000-01-01")) == {nurse.pk}
    assert chosen(rule("attr:birthday", "after", "2000-01-01")) == {teacher.pk}
    assert chosen(rule("attr:has_kids", "is", True)) == {nurse.pk}
    assert chosen(rule("attr:has_kids", "is", False)) == {teacher.pk, silent.pk}


# --- Purchases and RFM ------------------------------------------------------------------------


def test_order_count_and_paid_take_in_who_never_bought_when_zero_fits():
    never, once, often = MemberFactory(), MemberFactory(), MemberFactory()
    bought(once, orders=1, paid_fen=5000)
    bought(often, orders=5, paid_fen=80000)
    assert chosen(rule("order_count", "lt", 2)) == {never.pk, once.pk}
    assert chosen(rule("order_count", "gte", 2)) == {often.pk}
    assert chosen(rule("order_count", "eq", 0)) == {never.pk}
    assert chosen(rule("paid_fen", "gte", 5000)) == {once.pk, often.pk}
    assert chosen(rule("paid_fen", "between", [0, 5000])) == {never.pk, once.pk}


def test_not_bought_in_the_last_30_days_includes_who_never_bought():
    never, recent, lapsed = MemberFactory(), MemberFactory(), MemberFactory()
    bought(recent, last_days=3)
    bought(lapsed, last_days=45)
    assert chosen(rule("last_paid_days", "gt", 30)) == {never.pk, lapsed.pk}
    assert chosen(rule("last_paid_days", "lt", 30)) == {recent.pk}


def test_first_purchase_days_ago_leaves_out_who_never_bought():
    MemberFactory()
    newcomer, regular = MemberFactory(), MemberFactory()
    bought(newcomer, first_days=2, last_days=2)
    bought(regular, first_days=400, last_days=2)
    assert chosen(rule("first_paid_days", "lt", 7)) == {newcomer.pk}
    assert chosen(rule("first_paid_days", "gt", 7)) == {regular.pk}


def test_products_and_categories_bought_with_subcategories():
    skincare = CategoryFactory(name="护肤")
    serum_shelf = CategoryFactory(name="精华", parent=skincare)
    makeup = CategoryFactory(name="彩妆")
    serum, lipstick = ProductFactory(category=serum_shelf), ProductFactory(category=makeup)
    fan, painter, nobody = MemberFactory(), MemberFactory(), MemberFactory()
    PurchasedProduct.objects.create(member=fan, product=serum, category=serum_shelf, quantity=1, last_paid_at=ago(1))
    PurchasedProduct.objects.create(member=painter, product=lipstick, category=makeup, quantity=2, last_paid_at=ago(1))
    assert chosen(rule("categories", "any", [skincare.pk])) == {fan.pk}
    assert chosen(rule("categories", "none", [skincare.pk])) == {painter.pk, nobody.pk}
    assert chosen(rule("products", "any", [lipstick.pk])) == {painter.pk}
    assert chosen(rule("products", "none", [lipstick.pk, serum.pk])) == {nobody.pk}


def test_rfm_group_and_scores():
    champion, dormant, unscored = MemberFactory(), MemberFactory(), MemberFactory()
    bought(champion, r=5, f=4, m=5, group=RfmGroup.CHAMPION)
    bought(dormant, r=1, f=1, m=2, group=RfmGroup.DORMANT)
    assert chosen(rule("rfm_group", "in", [RfmGroup.CHAMPION])) == {champion.pk}
    assert chosen(rule("r_score", "gte", 3)) == {champion.pk}
    assert chosen(rule("m_score", "lt", 3)) == {dormant.pk, unscored.pk}
    assert chosen(rule("f_score", "between", [1, 4])) == {champion.pk, dormant.pk}


# --- Campaigns --------------------------------------------------------------------------------


@pytest.fixture
def checkin_campaign():
    return Campaign.objects.create(title="每日签到", play=Play.CHECKIN, starts_at=ago(60), ends_at=ago(-60))


def test_checked_in_within_days_and_how_often(checkin_campaign):
    today = timezone.localdate()
    keen, once, long_ago, never = MemberFactory(), MemberFactory(), MemberFactory(), MemberFactory()
    for n in range(3):
        Checkin.objects.create(campaign=checkin_campaign, member=keen, day=today - datetime.timedelta(days=n), streak=n + 1)
    Checkin.objects.create(campaign=checkin_campaign, member=once, day=today - datetime.timedelta(days=6), streak=1)
    Checkin.objects.create(campaign=checkin_campaign, member=long_ago, day=today - datetime.timedelta(days=40), streak=1)
    assert chosen(rule("checked_in", "within", 7)) == {keen.pk, once.pk}
    assert chosen(rule("checked_in", "within", 6)) == {keen.pk}
    assert chosen(rule("checked_in", "not_within", 7)) == {long_ago.pk, never.pk}
    assert chosen(rule("checkin_count", "gte", {"days": 7, "count": 3})) == {keen.pk}
    assert chosen(rule("checkin_count", "lt", {"days": 7, "count": 3})) == {once.pk, long_ago.pk, never.pk}


def test_campaign_participation(checkin_campaign):
    wheel = Campaign.objects.create(title="大转盘", play=Play.WHEEL, starts_at=ago(1), ends_at=ago(-1))
    player, checker, idle = MemberFactory(), MemberFactory(), MemberFactory()
    Participation.objects.create(campaign=wheel, member=player)
    Participation.objects.create(campaign=checkin_campaign, member=checker)
    assert chosen(rule("campaigns", "any", [wheel.pk])) == {player.pk}
    assert chosen(rule("campaigns", "none", [wheel.pk])) == {checker.pk, idle.pk}


# --- Groups, who is never in, one query ---------------------------------------------------------


def test_and_or_nested_groups():
    gd_woman = MemberFactory(gender=Gender.FEMALE, province="广东", points=10)
    zj_woman_rich = MemberFactory(gender=Gender.FEMALE, province="浙江", points=500)
    zj_woman = MemberFactory(gender=Gender.FEMALE, province="浙江", points=10)
    gd_man = MemberFactory(gender=Gender.MALE, province="广东", points=500)
    rules = all_of(
        rule("gender", "eq", 2),
        any_of(rule("province", "eq", "广东"), all_of(rule("province", "eq", "浙江"), rule("points", "gte", 100))),
    )
    assert set(segment_members(rules).values_list("pk", flat=True)) == {gd_woman.pk, zj_woman_rich.pk}
    assert zj_woman.pk not in set(segment_members(rules).values_list("pk", flat=True))
    either = any_of(rule("gender", "eq", 1), rule("points", "gte", 100))
    assert set(segment_members(either).values_list("pk", flat=True)) == {gd_man.pk, zj_woman_rich.pk}


def test_operators_closed_and_erased_members_are_never_in_a_segment():
    shopper = MemberFactory(province="广东")
    MemberFactory(province="广东", is_staff=True)
    MemberFactory(province="广东", is_active=False)
    MemberFactory(province="广东", erased_at=timezone.now())
    assert chosen(rule("province", "eq", "广东")) == {shopper.pk}


def test_the_issue_segment_counts_in_one_query(attributes):
    skincare = CategoryFactory(name="护肤")
    serum = ProductFactory(category=skincare)
    target = MemberFactory(gender=Gender.FEMALE, province="广东", attributes={"skin_type": "油性"})
    PurchasedProduct.objects.create(member=target, product=serum, category=skincare, quantity=1, last_paid_at=ago(40))
    bought(target, last_days=40)
    recent = MemberFactory(gender=Gender.FEMALE, province="广东")
    PurchasedProduct.objects.create(member=recent, product=serum, category=skincare, quantity=1, last_paid_at=ago(2))
    bought(recent, last_days=2)
    rules = all_of(rule("province", "eq", "广东"), rule("gender", "eq", 2), rule("categories", "any", [skincare.pk]),
                   rule("last_paid_days", "gt", 30))
    validate_rules(rules)
    compiled = segment_members(rules)  # compiling reads the registry (attributes, categories) …
    with CaptureQueriesContext(connection) as queries:
        assert compiled.count() == 1  # … counting is one statement
    assert len(queries) == 1
    assert segment_count(rules) == 1
    assert segment_sample(rules) == [{"id": target.pk, "nickname": target.nickname, "region": "广东", "last_paid_at": timezone.localtime(
        target.purchase_stats.last_paid_at).strftime("%Y-%m-%d")}]


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rules", "message"), [
    ({"match": "all", "rules": []}, "请至少添加一条条件"),
    ({"match": "some", "rules": [rule("gender", "eq", 1)]}, "条件组的格式不对"),
    ([rule("gender", "eq", 1)], "条件组的格式不对"),
    (all_of(rule("shoe_size", "eq", 1)), "第 1 条条件：没有「shoe_size」这个字段"),
    (all_of(rule("gender", "eq", 1), rule("gender", "gt", 1)), "第 2 条条件（性别）：不支持「gt」"),
    (all_of(rule("gender", "eq", 3)), "第 1 条条件（性别）：没有这个选项：3"),
    (all_of(rule("gender", "eq", "2")), "没有这个选项"),
    (all_of(rule("points", "gt", "100")), "第 1 条条件（积分）：请填写整数"),
    (all_of(rule("points", "gt", True)), "请填写整数"),
    (all_of(rule("points", "between", [500, 100])), "第 1 条条件（积分）：最小值不能大于最大值"),
    (all_of(rule("points", "between", [100])), "介于需要最小值和最大值"),
    (all_of(rule("r_score", "gt", 6)), "不能大于 5"),
    (all_of(rule("order_count", "gt", -1)), "不能小于 0"),
    (all_of(rule("last_paid_days", "gt", 0)), "天数应为"),
    (all_of(rule("province", "eq", "  ")), "请填写"),
    (all_of(rule("province", "in", [])), "请填写 1–200 项"),
    (all_of(rule("tags", "any", [999999])), "没有这个选项：999999"),
    (all_of(rule("tags", "any", [])), "请选择 1–200 项"),
    (all_of(rule("rfm_group", "in", ["vip"])), "没有这个选项：vip"),
    (all_of(rule("referrer", "by", "NOSUCH22")), "没有推荐码为 NOSUCH22 的会员"),
    (all_of(rule("checkin_count", "gte", {"days": 7})), "需要天数和次数"),
    (all_of(rule("attr:skin_type", "eq", "油性")), "没有「attr:skin_type」这个字段"),
    (all_of({"field": "gender", "op": "eq"}), "格式不对"),
    (all_of("gender"), "格式不对"),
    (all_of(all_of()), "条件组不能为空"),
    (all_of(all_of(all_of(all_of(rule("gender", "eq", 1))))), "条件组最多嵌套 3 层"),
    (all_of(*[rule("points", "gt", n) for n in range(31)]), "条件最多 30 条"),
])
def test_impossible_rules_are_refused_naming_the_rule(rules, message):
    with pytest.raises(SegmentRuleError) as refused:
        validate_rules(rules)
    assert message in refused.value.message
    assert refused.value.code == "invalid_segment_rules"


def test_unknown_choice_and_retired_attribute_are_refused(attributes):
    with pytest.raises(SegmentRuleError, match="没有这个选项：中性"):
        validate_rules(all_of(rule("attr:skin_type", "eq", "中性")))
    with pytest.raises(SegmentRuleError, match="请填写数字"):
        validate_rules(all_of(rule("attr:height_cm", "gt", "高")))
    with pytest.raises(SegmentRuleError, match="日期格式为 YYYY-MM-DD"):
        validate_rules(all_of(rule("attr:birthday", "before", "2000/01/01")))
    ProfileAttribute.objects.filter(key="height_cm").update(is_active=False)
    with pytest.raises(SegmentRuleError, match="没有「attr:height_cm」这个字段"):
        validate_rules(all_of(rule("attr:height_cm", "gt", 100)))


def test_the_builder_schema_lists_every_field_with_its_ops_and_choices(attributes):
    Tag.objects.create(name="VIP")
    schema = {entry["key"]: entry for entry in segment_fields_schema()}
    assert schema["gender"]["choices"] == [[0, "未知"], [1, "男"], [2, "女"]]
    assert schema["attr:skin_type"]["choices"] == [["油性", "油性"], ["干性", "干性"], ["混合", "混合"]]
    assert [op["op"] for op in schema["attr:height_cm"]["ops"]] == ["gt", "gte", "lt", "lte", "between"]
    assert schema["paid_fen"]["ops"][0]["kind"] == "fen"
    assert schema["tags"]["choices"][0][1] == "VIP"
    assert "广东" in schema["province"]["suggest"]


# --- The admin: live count and sample, save refusing bad rules, the member list by segment ----------


@pytest.fixture
def boss(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def preview(client, rules, **extra):
    return client.post(reverse("admin:crm_segment_preview"), data=json.dumps({"rules": rules}), content_type="application/json", **extra)


def test_the_builder_endpoint_answers_count_and_sample_or_a_chinese_error(boss):
    woman = MemberFactory(gender=Gender.FEMALE, province="广东", city="深圳")
    MemberFactory(gender=Gender.MALE)
    answer = preview(boss, all_of(rule("gender", "eq", 2)))
    assert answer.status_code == 200
    assert answer.json() == {"count": 1, "sample": [{"id": woman.pk, "nickname": woman.nickname, "region": "广东 深圳", "last_paid_at": ""}]}
    refused = preview(boss, all_of(rule("points", "between", [9, 1])))
    assert refused.status_code == 400
    assert refused.json() == {"code": "invalid_segment_rules", "detail": "第 1 条条件（积分）：最小值不能大于最大值"}
    garbled = boss.post(reverse("admin:crm_segment_preview"), data="{", content_type="application/json")
    assert garbled.status_code == 400 and garbled.json()["code"] == "validation_error"
    assert "gender" in {f["key"] for f in boss.get(reverse("admin:crm_segment_preview")).json()["fields"]}


def test_the_builder_endpoint_needs_the_segment_permission_and_the_csrf_token(client):
    client.force_login(MemberFactory(is_staff=True, openid=None))
    assert preview(client, all_of(rule("gender", "eq", 2))).status_code == 403
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    assert preview(guarded, all_of(rule("gender", "eq", 2))).status_code == 403


def test_saving_refuses_impossible_rules_and_a_good_save_counts(boss):
    MemberFactory(gender=Gender.FEMALE)
    form = {"name": "女性", "description": "", "rules": json.dumps(all_of(rule("gender", "eq", 5)))}
    page = boss.post(reverse("admin:crm_segment_add"), form)
    assert page.status_code == 200
    assert "第 1 条条件（性别）：没有这个选项：5" in page.content.decode()
    assert not Segment.objects.exists()
    form["rules"] = json.dumps(all_of(rule("gender", "eq", 2)))
    assert boss.post(reverse("admin:crm_segment_add"), form).status_code == 302
    segment = Segment.objects.get()
    assert segment.member_count == 1 and segment.counted_at is not None
    change = boss.get(reverse("admin:crm_segment_change", args=[segment.pk])).content.decode()
    assert 'id="segment-builder"' in change and "js/admin/segment_builder.js" in change


def test_the_member_list_filters_by_segment(boss):
    woman, man = MemberFactory(gender=Gender.FEMALE, nickname="小红"), MemberFactory(gender=Gender.MALE, nickname="小明")
    segment = Segment.objects.create(name="女性", rules=all_of(rule("gender", "eq", 2)))
    page = boss.get(reverse("admin:members_member_changelist"), {"segment": segment.pk})
    assert [m.pk for m in page.context["cl"].result_list] == [woman.pk]
    assert man.nickname not in page.content.decode()
    assert f"?segment={segment.pk}" in boss.get(reverse("admin:crm_segment_changelist")).content.decode()


# --- Segments as campaign audiences ------------------------------------------------------------


@pytest.fixture
def women_only_checkin():
    from tests.campaigns.test_checkin import checkin_campaign

    women = Segment.objects.create(name="女性", rules=all_of(rule("gender", "eq", Gender.FEMALE)))
    setup = checkin_campaign(starts=ago(1), ends=ago(-1))
    Campaign.objects.filter(pk=setup.campaign_id).update(audience=f"segment:{women.pk}")
    return Campaign.objects.get(pk=setup.campaign_id)


def test_a_segment_campaign_lets_its_members_play_and_refuses_the_others_with_403(api_for, women_only_checkin):
    woman, man = MemberFactory(gender=Gender.FEMALE), MemberFactory(gender=Gender.MALE)
    assert api_for(woman).post("/api/v1/checkin").status_code == 201
    refused = api_for(man).post("/api/v1/checkin")
    assert refused.status_code == 403
    assert refused.json() == {"code": "not_in_audience", "detail": "这个活动只面向部分会员，你暂时不能参加"}
    assert not Checkin.objects.filter(member=man).exists()


def test_a_segment_audience_is_counted_and_a_lost_segment_lets_nobody_in(api_for, women_only_checkin):
    from campaigns.selectors import audience_includes, audience_size

    MemberFactory(gender=Gender.FEMALE), MemberFactory(gender=Gender.MALE)
    assert audience_size(campaign=women_only_checkin) == 1
    Campaign.objects.filter(pk=women_only_checkin.pk).update(audience="segment:999999")
    women_only_checkin.refresh_from_db()
    assert audience_size(campaign=women_only_checkin) == 0
    assert audience_includes(campaign=women_only_checkin, member=MemberFactory(gender=Gender.FEMALE)) is False


def test_the_campaign_form_offers_the_segments(boss):
    women = Segment.objects.create(name="女性", rules=all_of(rule("gender", "eq", Gender.FEMALE)))
    page = boss.get(reverse("admin:campaigns_campaign_add")).content.decode()
    assert f'value="segment:{women.pk}"' in page and "分群：女性" in page
