"""Segments: saved rules over members, compiled to one query.

A group is {"match": "all"|"any", "rules": [rule or group, …]}; a rule is
{"field": …, "op": …, "value": …}. The fields live in one registry (`_fields()`): the
validation, the compiler and the admin's rule builder (`segment_fields_schema`) all read
it, so they cannot disagree. Rules become Q objects and EXISTS subqueries on members,
never a loop over members in Python: a segment of a million members is one COUNT.

Purchase figures sit in `PurchaseStats`, which a member who never bought has no row of;
a condition the default row (0, never) would meet is compiled as "no stats row that fails
it", so "fewer than 2 orders" takes in those who never ordered."""

import datetime
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform, compile_json_path
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from django.utils import timezone

from campaigns.models import Campaign, Checkin, Participation
from config.validators import control_character_problem
from crm.errors import SegmentRuleError
from crm.models import Channel, MemberTag, PurchasedProduct, PurchaseStats, Recommendation, RfmGroup, Segment, Tag
from crm.selectors import shoppers
from distribution.models import Referral
from distribution.selectors import live_bindings
from mall.models import Category, Product
from members.models import AttributeKind, Gender, Member
from members.selectors import active_attributes

MAX_DEPTH = 3  # a group in a group in a group: deeper is no longer readable to an operator
MAX_RULES = 30
MAX_CHOICES = 200
MAX_DAYS = 3650
MAX_TEXT = 100
SAMPLE_SIZE = 20

# What a WeChat profile calls the provinces (the builder offers them; other text is allowed).
PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南",
    "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾",
    "香港", "澳门",
]

NUMBER_OPS = {"eq": "等于", "gt": "大于", "gte": "大于等于", "lt": "小于", "lte": "小于等于", "between": "介于"}
_LOOKUPS = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "between": "range", "in": "in"}
_TESTS = {
    "eq": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
    "between": lambda x, v: v[0] <= x <= v[1], "in": lambda x, v: x in v,
}


@dataclass(frozen=True)
class Field:
    """A condition an operator can put on members. `ops` maps each operator to its label
    and the kind of value it takes; `build(op, value)` returns the Q; `choices()` lists the
    values a choice may take, as (value, label)."""

    key: str
    label: str
    group: str
    ops: dict[str, tuple[str, str]]
    build: object
    choices: object = None
    unit: str = ""
    hint: str = ""
    minimum: float | None = 0
    maximum: float | None = None
    extra: dict = field(default_factory=dict)


# --- Building blocks ----------------------------------------------------------------------


def _on_member(column: str):
    def build(op, value):
        if op == "is":
            return Q(**{column: value})
        return Q(**{f"{column}__{_LOOKUPS[op]}": value})

    return build


def _on_stats(column: str, default):
    """A condition on a PurchaseStats column; members with no row count as `default`."""

    def build(op, value):
        condition = Q(**{f"{column}__{_LOOKUPS[op]}": value})
        if _TESTS[op](default, value):
            return ~Exists(PurchaseStats.objects.filter(~condition, member=OuterRef("pk")))
        return Exists(PurchaseStats.objects.filter(condition, member=OuterRef("pk")))

    return build


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _exists(queryset_of):
    """`any` of the chosen: a row exists; `none`: no row does."""

    def build(op, value):
        found = Exists(queryset_of(value).filter(member=OuterRef("pk")))
        return found if op == "any" else ~found

    return build


def _category_and_below(ids: list[int]) -> set[int]:
    """"Bought skincare" means any product under it: the categories and their descendants
    (a small table, walked here; the members are still filtered in SQL)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), list(ids)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def _joined(op, days):
    return Q(date_joined__gte=_days_ago(days)) if op == "lt" else Q(date_joined__lt=_days_ago(days))


def _last_paid(op, days):
    recent = Exists(PurchaseStats.objects.filter(member=OuterRef("pk"), last_paid_at__gte=_days_ago(days)))
    return recent if op == "lt" else ~recent  # "not in the last N days" takes in who never bought


def _first_paid(op, days):
    lookup = "first_paid_at__gte" if op == "lt" else "first_paid_at__lt"
    return Exists(PurchaseStats.objects.filter(member=OuterRef("pk"), **{lookup: _days_ago(days)}))


def _has_phone(op, value):
    return ~Q(phone="") if value else Q(phone="")


def _referrer(op, value):
    bound = Referral.objects.filter(live_bindings(), member=OuterRef("pk"))
    if op == "by":
        return Exists(bound.filter(referrer__referral_code=value))
    return Exists(bound) if value else ~Exists(bound)


def _checked_in(op, days):
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    found = Exists(Checkin.objects.filter(member=OuterRef("pk"), day__gte=since))
    return found if op == "within" else ~found


def _checkin_count(op, value):
    since = timezone.localdate() - datetime.timedelta(days=value["days"] - 1)
    per_member = Checkin.objects.filter(day__gte=since).values("member").order_by().annotate(n=Count("pk"))
    enough = per_member.filter(n__gte=value["count"]).values("member")
    return Q(pk__in=enough) if op == "gte" else ~Q(pk__in=enough)


class _JsonType(Func):
    """The JSON type of one key of a JSON column, by PostgreSQL's names ('number', …)."""

    function = "jsonb_typeof"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's json_type() calls a number 'integer' or 'real'.
        key = self.source_expressions[0]
        column, params = compiler.compile(key.lhs)
        path = compile_json_path([key.key_name])
        sql = f"CASE WHEN json_type({column}, %s) IN ('integer', 'real') THEN 'number' ELSE json_type({column}, %s) END"
        return sql, (*params, path, *params, path)


class _Numeric(Func):
    """Text to an unconstrained numeric (Cast would want digits and places)."""

    template = "(%(expressions)s)::numeric"
    output_field = DecimalField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # NUMERIC affinity makes SQLite compare the decimal parameter as a number.
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS NUMERIC)", **extra_context)


def _attribute_build(key: str, kind: str):
    """Values in Member.attributes, compared by their kind: numbers as numbers (a value of
    another JSON type never reaches the cast), dates as ISO text, choices as JSON values."""
    as_json = KeyTransform(key, "attributes")
    as_text = KeyTextTransform(key, "attributes")
    # A plain text, so its lookups are text ones on every database (a JSON key's own
    # lookups would read the operand as JSON on SQLite).
    text = Cast(as_text, TextField())

    def lookup(expression, op, value):
        return Q(expression.get_lookup(_LOOKUPS.get(op, op))(expression, value))

    def build(op, value):
        if kind == AttributeKind.NUMBER:
            number = Case(When(Exact(_JsonType(as_json), "number"), then=_Numeric(as_text)), output_field=DecimalField())
            if op == "between":
                return lookup(number, op, (Decimal(str(value[0])), Decimal(str(value[1]))))
            return lookup(number, op, Decimal(str(value)))
        if kind == AttributeKind.BOOLEAN:
            said_yes = Q(as_json.get_lookup("exact")(as_json, Value(True, output_field=JSONField())))  # JSON's true, as JSON
            return said_yes if value else ~said_yes | lookup(as_json, "isnull", True)  # never said counts as no
        if kind == AttributeKind.CHOICE:
            return lookup(text, op, value)
        if op == "contains":
            return lookup(text, "icontains", value)
        if op == "before":
            return lookup(text, "lt", value)
        if op == "after":
            return lookup(text, "gt", value)
        return lookup(text, "exact", value)

    return build


_ATTRIBUTE_OPS = {
    AttributeKind.CHOICE: {"eq": ("等于", "choice"), "in": ("属于", "choices")},
    AttributeKind.NUMBER: {op: (label, "number_range" if op == "between" else "number") for op, label in NUMBER_OPS.items() if op != "eq"},
    AttributeKind.TEXT: {"eq": ("等于", "text"), "contains": ("包含", "text")},
    AttributeKind.DATE: {"before": ("早于", "date"), "after": ("晚于", "date")},
    AttributeKind.BOOLEAN: {"is": ("是否", "bool")},
}


def _int_ops(kind="int"):
    return {op: (label, f"{kind}_range" if op == "between" else kind) for op, label in NUMBER_OPS.items()}


IS = {"is": ("是否", "bool")}
ANY_NONE = {"any": ("包含任一", "choices"), "none": ("都不包含", "choices")}
ONE_OR_MORE = {"eq": ("等于", "choice"), "in": ("属于", "choices")}


def _static_fields() -> list[Field]:
    return [
        Field("gender", "性别", "资料", ONE_OR_MORE, _on_member("gender"), choices=lambda: list(Gender.choices)),
        Field("province", "省份", "资料", {"eq": ("等于", "text"), "in": ("属于", "text_list")}, _on_member("province"),
              extra={"suggest": PROVINCES}),
        Field("city", "城市", "资料", {"eq": ("等于", "text"), "in": ("属于", "text_list")}, _on_member("city")),
        Field("has_phone", "已留手机号", "资料", IS, _has_phone),
        Field("is_subscribed", "已关注公众号", "资料", IS, _on_member("is_subscribed")),
        Field("date_joined", "注册时间", "资料", {"lt": ("N 天内注册", "days"), "gt": ("注册超过 N 天", "days")}, _joined, unit="天"),
        Field("source_channel", "来源渠道", "来源", ONE_OR_MORE, _on_member("source_channel"),
              choices=lambda: list(Channel.objects.order_by("name").values_list("code", "name"))),
        Field("referrer", "推荐人", "来源", {"is": ("有推荐人", "bool"), "by": ("推荐人的推荐码是", "text")}, _referrer),
        Field("points", "积分", "资料", _int_ops(), _on_member("points")),
        Field("tags", "标签", "标签", ANY_NONE, _exists(lambda ids: MemberTag.objects.filter(tag_id__in=ids)),
              choices=lambda: list(Tag.objects.order_by("name").values_list("pk", "name"))),
        Field("order_count", "订单数", "购买", _int_ops(), _on_stats("order_count", 0), unit="单"),
        Field("paid_fen", "累计实付", "购买", _int_ops("fen"), _on_stats("paid_fen", 0), unit="元", hint="后台按元填写，规则里存分"),
        Field("last_paid_days", "最近购买", "购买", {"lt": ("N 天内买过", "days"), "gt": ("超过 N 天没买（含从未购买）", "days")}, _last_paid,
              unit="天"),
        Field("first_paid_days", "首次购买", "购买", {"lt": ("N 天内首次购买", "days"), "gt": ("首次购买在 N 天前", "days")}, _first_paid,
              unit="天"),
        Field("products", "买过的商品", "购买", ANY_NONE,
              _exists(lambda ids: PurchasedProduct.objects.filter(product_id__in=ids)),
              choices=lambda: list(Product.objects.order_by("-is_on_sale", "position", "id").values_list("pk", "title")[:500])),
        Field("categories", "买过的分类", "购买", ANY_NONE,
              _exists(lambda ids: PurchasedProduct.objects.filter(category_id__in=_category_and_below(ids))),
              choices=_category_choices, hint="含下级分类"),
        Field("rfm_group", "RFM 分组", "RFM", {"in": ("属于", "choices")}, _on_stats("rfm_group", ""), choices=lambda: list(RfmGroup.choices)),
        Field("r_score", "R 近度分", "RFM", _int_ops(), _on_stats("r_score", 0), maximum=5),
        Field("f_score", "F 频度分", "RFM", _int_ops(), _on_stats("f_score", 0), maximum=5),
        Field("m_score", "M 额度分", "RFM", _int_ops(), _on_stats("m_score", 0), maximum=5),
        Field("checked_in", "签到", "活动", {"within": ("N 天内签到过", "days"), "not_within": ("N 天内没签到", "days")}, _checked_in, unit="天"),
        Field("checkin_count", "签到次数", "活动", {"gte": ("最近 N 天签到至少 M 次", "days_count"), "lt": ("最近 N 天签到少于 M 次", "days_count")},
              _checkin_count),
        Field("campaigns", "参与过的活动", "活动", ANY_NONE,
              _exists(lambda ids: Participation.objects.filter(campaign_id__in=ids)),
              choices=lambda: list(Campaign.objects.order_by("-starts_at").values_list("pk", "title")[:200])),
    ]


def _category_choices():
    names = dict(Category.objects.values_list("pk", "name"))
    return [(pk, f"{names[parent]} / {name}" if parent in names else name)
            for pk, name, parent in Category.objects.order_by("parent_id", "position", "id").values_list("pk", "name", "parent_id")]


def _fields() -> dict[str, Field]:
    fields = {f.key: f for f in _static_fields()}
    for attribute in active_attributes().values():
        kind = attribute.kind
        fields[f"attr:{attribute.key}"] = Field(
            f"attr:{attribute.key}", attribute.label, "自定义资料", _ATTRIBUTE_OPS[kind], _attribute_build(attribute.key, kind),
            choices=(lambda a=attribute: [(c, c) for c in a.choices]) if kind == AttributeKind.CHOICE else None,
            unit=attribute.unit, minimum=None,
        )
    return fields


# --- Checking values ------------------------------------------------------------------------


def _number(value, *, whole: bool, f: Field):
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or value != value or abs(value) > 1e12:
        raise ValueError("请填写整数" if whole else "请填写数字")
    if f.minimum is not None and value < f.minimum:
        raise ValueError(f"不能小于 {f.minimum}")
    if f.maximum is not None and value > f.maximum:
        raise ValueError(f"不能大于 {f.maximum}")
    return value


def _days(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValueError(f"天数应为 1–{MAX_DAYS} 的整数")
    return value


def _text(value):
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_TEXT:
        raise ValueError(f"请填写 1–{MAX_TEXT} 个字")
    # PostgreSQL refuses NUL in text and a lone surrogate in any string: a 500 otherwise.
    if any("\ud800" <= char <= "\udfff" for char in value) or control_character_problem(value):
        raise ValueError("不能包含控制字符或无法识别的字符")
    return value.strip()


def _clean_value(kind: str, value, f: Field):
    if kind in ("int", "fen", "number"):
        return _number(value, whole=kind != "number", f=f)
    if kind.endswith("_range"):
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("介于需要最小值和最大值")
        low, high = (_number(v, whole=kind != "number_range", f=f) for v in value)
        if low > high:
            raise ValueError("最小值不能大于最大值")
        return [low, high]
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("请选择是或否")
        return value
    if kind == "days":
        return _days(value)
    if kind == "text":
        return _text(value)
    if kind == "text_list":
        if not isinstance(value, list) or not value or len(value) > MAX_CHOICES:
            raise ValueError(f"请填写 1–{MAX_CHOICES} 项")
        return [_text(v) for v in value]
    if kind == "date":
        try:
            datetime.date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
        except ValueError:
            raise ValueError("日期格式为 YYYY-MM-DD") from None
        return value
    if kind == "days_count":
        if not isinstance(value, dict) or set(value) != {"days", "count"}:
            raise ValueError("需要天数和次数")
        count = value["count"]
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DAYS:
            raise ValueError("次数应为正整数")
        return {"days": _days(value["days"]), "count": count}
    allowed = {choice for choice, _ in f.choices()}
    chosen = value if kind == "choices" else [value]
    if kind == "choices" and (not isinstance(value, list) or not value or len(value) > MAX_CHOICES):
        raise ValueError(f"请选择 1–{MAX_CHOICES} 项")
    unknown = [v for v in chosen if isinstance(v, (list, dict)) or v not in allowed]
    if unknown:
        raise ValueError(f"没有这个选项：{unknown[0]}")
    return value


# --- Compiling ------------------------------------------------------------------------------


class _Compiler:
    def __init__(self):
        self.fields = _fields()
        self.rule_count = 0

    def group(self, node, depth: int) -> Q:
        if depth > MAX_DEPTH:
            raise SegmentRuleError(f"条件组最多嵌套 {MAX_DEPTH} 层")
        if not isinstance(node, dict) or node.get("match") not in ("all", "any") or not isinstance(node.get("rules"), list):
            raise SegmentRuleError("条件组的格式不对：需要 match（all 或 any）和 rules 列表")
        if not node["rules"]:
            raise SegmentRuleError("条件组不能为空：请添加条件，或删除这个组" if depth > 1 else "请至少添加一条条件")
        parts = [self.group(child, depth + 1) if isinstance(child, dict) and "match" in child else self.rule(child)
                 for child in node["rules"]]
        return reduce(operator.and_ if node["match"] == "all" else operator.or_, parts)

    def rule(self, rule) -> Q:
        self.rule_count += 1
        n = self.rule_count
        if n > MAX_RULES:
            raise SegmentRuleError(f"条件最多 {MAX_RULES} 条")
        if not isinstance(rule, dict):
            raise SegmentRuleError(f"第 {n} 条条件：格式不对，需要 field、op 和 value")
        f = self.fields.get(rule.get("field")) if isinstance(rule.get("field"), str) else None
        if f is None:
            raise SegmentRuleError(f"第 {n} 条条件：没有「{rule.get('field')}」这个字段（资料项可能已停用）")
        if set(rule) - {"field", "op", "value"} or "value" not in rule:
            raise SegmentRuleError(f"第 {n} 条条件（{f.label}）：格式不对，需要 field、op 和 value")
        spec = f.ops.get(rule.get("op")) if isinstance(rule.get("op"), str) else None
        if spec is None:
            raise SegmentRuleError(f"第 {n} 条条件（{f.label}）：不支持「{rule.get('op')}」这种比较")
        try:
            value = _clean_value(spec[1], rule["value"], f)
        except ValueError as problem:
            raise SegmentRuleError(f"第 {n} 条条件（{f.label}）：{problem}") from None
        except (TypeError, KeyError):
            raise SegmentRuleError(f"第 {n} 条条件（{f.label}）：取值的格式不对") from None
        if rule["field"] == "referrer" and rule["op"] == "by" and not Member.objects.filter(referral_code=value).exists():
            raise SegmentRuleError(f"第 {n} 条条件（{f.label}）：没有推荐码为 {value} 的会员")
        return Q(f.build(rule["op"], value))


def _compile(rules) -> Q:
    return _Compiler().group(rules, 1)


def validate_rules(rules) -> None:
    """Raises SegmentRuleError, naming the rule, if the rules cannot be compiled."""
    _compile(rules)


def segment_members(rules) -> QuerySet[Member]:
    """Segments choose among shoppers still reachable: not closed, not erased."""
    return shoppers().filter(is_active=True, erased_at__isnull=True).filter(_compile(rules))


def segment_count(rules) -> int:
    return segment_members(rules).count()


def segment_sample(rules, *, size: int = SAMPLE_SIZE) -> list[dict]:
    """A few members of the segment as the builder shows them (nickname, region, last purchase)."""
    rows = segment_members(rules).select_related("purchase_stats").order_by("-pk")[:size]
    return [
        {
            "id": member.pk, "nickname": member.display_name, "region": f"{member.province} {member.city}".strip(),
            "last_paid_at": _last_paid_at(member),
        }
        for member in rows
    ]


def _last_paid_at(member) -> str:
    stats = getattr(member, "purchase_stats", None)  # the reverse one-to-one raises an AttributeError when absent
    moment = stats.last_paid_at if stats else None
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def segment_fields_schema() -> list[dict]:
    """The registry as the admin's rule builder reads it (JSON)."""
    return [
        {
            "key": f.key, "label": f.label, "group": f.group, "unit": f.unit, "hint": f.hint, **f.extra,
            "ops": [{"op": op, "label": label, "kind": kind} for op, (label, kind) in f.ops.items()],
            "choices": [[value, str(label)] for value, label in f.choices()] if f.choices else None,
        }
        for f in _fields().values()
    ]


# --- Segments as campaign audiences ("segment:<id>", registered with campaigns at startup) ---


def segment_audiences() -> list[tuple[str, str]]:
    return [(f"segment:{pk}", f"分群：{name}") for pk, name in Segment.objects.order_by("name").values_list("pk", "name")]


def _audience_members(audience: str) -> QuerySet[Member]:
    """The members of the audience's segment; nobody when the segment is gone or its rules
    no longer compile (a campaign for a group never opens to everyone by mistake)."""
    pk = audience.partition(":")[2]
    segment = Segment.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    try:
        return segment_members(segment.rules) if segment else Member.objects.none()
    except SegmentRuleError:
        return Member.objects.none()


def segment_audience_size(audience: str) -> int:
    return _audience_members(audience).count()


def segment_audience_includes(audience: str, member_id: int) -> bool:
    return _audience_members(audience).filter(pk=member_id).exists()


# --- What to push to a segment ---------------------------------------------------------------


def segment_recommended_products(rules, *, limit: int = 5) -> list[Product]:
    """Products on sale that go best with what the segment's members bought (the nightly
    recommendations, their scores summed over the products the members hold), for a push's
    content. One query besides the segment's own subquery."""
    bought = PurchasedProduct.objects.filter(member__in=segment_members(rules)).values("product_id")
    ranked = (
        Recommendation.objects.filter(product_id__in=bought).values("recommended_id")
        .annotate(weight=Sum("score")).order_by("-weight", "recommended_id").values("recommended_id")
    )
    by_weight = {pk: place for place, pk in enumerate(r["recommended_id"] for r in ranked[: limit * 4])}
    products = Product.objects.filter(pk__in=by_weight, is_on_sale=True)
    return sorted(products, key=lambda product: by_weight[product.pk])[:limit]
