"""KPI arithmetic: rates against the benchmarks the shop aims for, and the funnel of a
push (targeted → delivered → opened → visited → ordered). Rates are basis points
(1 % = 100) in integer arithmetic, rounded half up; a rate over nothing is None ("—"),
never 0 % and never a division error. Dashboards reuse these for campaigns, channels and
sharers."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, TextChoices

from config.money import format_percent

# The benchmarks (DOMAIN.md, issue 10): at least this many basis points.
BENCHMARKS = {"reach": 4000, "read": 3000, "participation": 2000, "fan_growth": 2000}
# Meeting a benchmark by less than this is "at" it; further above is "above".
AT_BAND = 200


class Verdict(TextChoices):
    BELOW = "below", "低于基准"
    AT = "at", "达到基准"
    ABOVE = "above", "高于基准"


def rate_bp(numerator: int, denominator: int) -> int | None:
    """numerator / denominator in basis points, rounded half up; None when the
    denominator is zero (or less: nothing to measure)."""
    if denominator <= 0:
        return None
    return (numerator * 20_000 + denominator) // (2 * denominator)


def verdict(rate: int | None, benchmark: int) -> Verdict | None:
    if rate is None:
        return None
    if rate < benchmark:
        return Verdict.BELOW
    return Verdict.AT if rate < benchmark + AT_BAND else Verdict.ABOVE


@dataclass(frozen=True)
class Rate:
    label: str
    numerator: int
    denominator: int
    benchmark: int | None = None  # basis points, when the rate has one

    @property
    def bp(self) -> int | None:
        return rate_bp(self.numerator, self.denominator)

    @property
    def verdict(self) -> Verdict | None:
        return verdict(self.bp, self.benchmark) if self.benchmark is not None else None

    @property
    def percent(self) -> str:
        return "—" if self.bp is None else f"{format_percent(self.bp)}%"

    @property
    def benchmark_percent(self) -> str:
        return f"≥ {format_percent(self.benchmark)}%" if self.benchmark is not None else ""


def participation_rate(*, participants: int, audience: int) -> Rate:
    return Rate("参与率", participants, audience, BENCHMARKS["participation"])


def fan_growth_rate(*, followers_before: int, followers_after: int) -> Rate:
    """Growth over a promotion: new followers (net) over the followers it started with."""
    return Rate("粉丝增长", followers_after - followers_before, followers_before, BENCHMARKS["fan_growth"])


@dataclass(frozen=True)
class Funnel:
    targeted: int
    delivered: int
    opened: int
    visited: int
    ordered: int

    @property
    def reach(self) -> Rate:
        return Rate("到达率", self.delivered, self.targeted, BENCHMARKS["reach"])

    @property
    def read(self) -> Rate:
        return Rate("阅读率", self.opened, self.delivered, BENCHMARKS["read"])

    @property
    def visit(self) -> Rate:
        return Rate("进店率", self.visited, self.opened)

    @property
    def order(self) -> Rate:
        return Rate("下单率", self.ordered, self.visited)

    @property
    def conversion(self) -> Rate:
        return Rate("送达转化", self.ordered, self.delivered)

    @property
    def rates(self) -> list[Rate]:
        return [self.reach, self.read, self.visit, self.order, self.conversion]


def with_push_funnel(pushes: QuerySet) -> QuerySet:
    """Pushes with their recipients' opened / visited / ordered counts (one query)."""
    return pushes.annotate(
        opened=Count("recipients", filter=Q(recipients__opened_at__isnull=False)),
        visited=Count("recipients", filter=Q(recipients__visited_at__isnull=False)),
        ordered=Count("recipients", filter=Q(recipients__ordered_at__isnull=False)),
    )


def push_funnel(push) -> Funnel:
    """A push's funnel; `push` comes from with_push_funnel (or is counted here)."""
    if not hasattr(push, "opened"):
        push = with_push_funnel(type(push).objects.filter(pk=push.pk)).get()
    return Funnel(targeted=push.targeted_count, delivered=push.delivered_count, opened=push.opened, visited=push.visited, ordered=push.ordered)
