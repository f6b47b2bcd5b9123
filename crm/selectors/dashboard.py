"""Figures of the CRM dashboard: fan growth, and the funnels per campaign, channel and
sharer, each read in a fixed number of queries from the CRM's own tables (purchase stats,
clicks, page events) and the other apps' — never by walking members in Python."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import campaign_stats
from crm.models import Channel, LinkClick, PurchaseStats, RfmGroup, TrackedEvent
from crm.selectors import shoppers
from distribution.models import Referral
from wechat.models import AccountEvent

SUBSCRIBE, UNSUBSCRIBE = "subscribe", "unsubscribe"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class FanDay:
    day: date
    gained: int
    lost: int
    followers: int  # at the end of the day


def fan_days(*, days: int, today: date | None = None) -> list[FanDay]:
    """Follows and unfollows per shop day over the last `days` days, and the followers at
    each day's end, worked back from today's count (WeChat's events are the history)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    moves = {
        row["day"]: row
        for row in AccountEvent.objects.filter(kind__in=[SUBSCRIBE, UNSUBSCRIBE], received_at__gte=_start_of(first))
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(gained=Count("id", filter=Q(kind=SUBSCRIBE)), lost=Count("id", filter=Q(kind=UNSUBSCRIBE)))
    }
    followers = shoppers().filter(is_subscribed=True).count()
    result = []
    for offset in range(days):  # newest first, undoing each day's moves to reach the day before
        day = today - timedelta(days=offset)
        row = moves.get(day, {"gained": 0, "lost": 0})
        result.append(FanDay(day=day, gained=row["gained"], lost=row["lost"], followers=followers))
        followers -= row["gained"] - row["lost"]
    return result[::-1]


def fan_growth_during(*, start: datetime, end: datetime, followers_now: int | None = None) -> tuple[int, int]:
    """Followers when a period began, and how many more (net) it ended with."""
    end = min(end, timezone.now())
    # Net follows since the start and since the end, in one pass over the events.
    since = AccountEvent.objects.filter(kind__in=[SUBSCRIBE, UNSUBSCRIBE], received_at__gte=start).aggregate(
        since_start=Count("id", filter=Q(kind=SUBSCRIBE)) - Count("id", filter=Q(kind=UNSUBSCRIBE)),
        since_end=Count("id", filter=Q(kind=SUBSCRIBE, received_at__gte=end)) - Count("id", filter=Q(kind=UNSUBSCRIBE, received_at__gte=end)),
    )
    if followers_now is None:
        followers_now = shoppers().filter(is_subscribed=True).count()
    at_start = followers_now - since["since_start"]
    during = since["since_start"] - since["since_end"]
    return max(at_start, 0), during


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    participants: int
    audience: int
    followers_at_start: int
    followers_gained: int


def campaign_rows(*, days: int, limit: int = 10) -> list[CampaignRow]:
    """The campaigns that ran in the last `days` days: participation against the audience,
    and the fan growth while they ran."""
    since = timezone.now() - timedelta(days=days)
    followers_now = shoppers().filter(is_subscribed=True).count()
    rows = []
    for campaign in Campaign.objects.filter(ends_at__gte=since, starts_at__lte=timezone.now()).order_by("-starts_at")[:limit]:
        stats = campaign_stats(campaign=campaign)
        at_start, gained = fan_growth_during(start=campaign.starts_at, end=campaign.ends_at, followers_now=followers_now)
        rows.append(CampaignRow(campaign=campaign, participants=stats.participants, audience=stats.audience,
                                followers_at_start=at_start, followers_gained=gained))
    return rows


@dataclass(frozen=True)
class ChannelRow:
    name: str
    code: str
    clicks: int
    members: int
    followers: int
    buyers: int
    sales_fen: int


def channel_rows() -> list[ChannelRow]:
    """Per channel: clicks on its links, members it brought, of them followers and buyers,
    and what they paid (net of refunds)."""
    brought = (
        shoppers().exclude(source_channel="").values("source_channel")
        .annotate(members=Count("id"), followers=Count("id", filter=Q(is_subscribed=True)),
                  buyers=Count("id", filter=Q(purchase_stats__order_count__gt=0)), sales=Sum("purchase_stats__paid_fen"))
    )
    by_code = {row["source_channel"]: row for row in brought}
    clicks = dict(LinkClick.objects.filter(link__channel__isnull=False).values_list("link__channel").annotate(n=Count("id")))
    rows = []
    for channel in Channel.objects.order_by("id"):
        row = by_code.get(channel.code, {})
        rows.append(ChannelRow(name=channel.name, code=channel.code, clicks=clicks.get(channel.pk, 0), members=row.get("members", 0),
                               followers=row.get("followers", 0), buyers=row.get("buyers", 0), sales_fen=row.get("sales") or 0))
    return rows


@dataclass(frozen=True)
class SharerRow:
    member_id: int
    name: str
    shares: int
    friends: int
    buyers: int
    sales_fen: int


def sharer_rows(*, limit: int = 10) -> list[SharerRow]:
    """The sharers who brought most friends: their shares, friends bound, friends who
    bought and what those friends paid."""
    top = list(
        Referral.objects.values("referrer_id", "referrer__nickname", "referrer__username")
        .annotate(friends=Count("id"), buyers=Count("id", filter=Q(member__purchase_stats__order_count__gt=0)),
                  sales=Sum("member__purchase_stats__paid_fen"))
        .order_by("-friends", "referrer_id")[:limit]
    )
    shares = dict(
        TrackedEvent.objects.filter(name="share", member_id__in=[row["referrer_id"] for row in top])
        .values_list("member_id").annotate(n=Count("id"))
    )
    return [
        SharerRow(member_id=row["referrer_id"], name=row["referrer__nickname"] or row["referrer__username"],
                  shares=shares.get(row["referrer_id"], 0), friends=row["friends"], buyers=row["buyers"], sales_fen=row["sales"] or 0)
        for row in top
    ]


def rfm_groups() -> list[tuple[str, int]]:
    """How many members each RFM group holds, in the groups' order."""
    counts = dict(PurchaseStats.objects.exclude(rfm_group="").values_list("rfm_group").annotate(n=Count("pk")))
    return [(label, counts.get(value, 0)) for value, label in RfmGroup.choices]


def members_overview() -> dict:
    """Members, followers, buyers, and members seen in the store in the last 7 days."""
    overview = shoppers().aggregate(
        members=Count("id"), followers=Count("id", filter=Q(is_subscribed=True)), buyers=Count("id", filter=Q(purchase_stats__order_count__gt=0)),
    )
    since = timezone.now() - timedelta(days=7)
    overview["visitors_7d"] = TrackedEvent.objects.filter(member__isnull=False, created_at__gte=since).values("member").distinct().count()
    return overview
