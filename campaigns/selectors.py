"""Reads about campaigns."""

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from time import monotonic

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from campaigns.models import (
    Audience,
    Campaign,
    CampaignType,
    Checkin,
    CheckinMilestone,
    CheckinSetup,
    GiftGrant,
    PacketDelivery,
    PacketShare,
    PacketStatus,
    Participation,
    Play,
    PrizeKind,
    RedPacket,
    SharePacketSetup,
    Spin,
    SplitMode,
    Wheel,
    WheelPrize,
)
from mall.models import Coupon, CouponStatus, Order


def campaigns_running(*, now=None) -> QuerySet[Campaign]:
    now = now or timezone.now()
    return Campaign.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)


def campaign_is_running(campaign: Campaign, *, now=None) -> bool:
    """The same test as campaigns_running, on a campaign already loaded."""
    now = now or timezone.now()
    return campaign.is_active and campaign.starts_at <= now < campaign.ends_at


# --- Rules read by every play, through the cache ---------------------------------------
# A check-in and a spin each need rules that change only when an operator saves them; read
# from the database on every tap they cost more than the play itself. They are cached
# under a generation that a save of any rule model replaces (connected in campaigns/apps.py),
# so an edit shows on the next tap. Counters are never trusted from here: a prize's stock
# is checked again by the guarded UPDATE that takes it.
#
# The wheel's and the check-in's rules are also held by the process that read them, for
# RULES_HELD_SECONDS (as pages hold the shop's settings): the cache's round trip was a sixth
# of a spin's or a check-in's time. A save lets go of them at once in its own process and
# within those seconds in the others. A packet is not held so: a grab writes the packet's
# count of shares left on the object it was given.

RULES_TIMEOUT = 300  # seconds; a backstop, saves clear the rules at once
RULES_HELD_SECONDS = 2
_MISSING = object()
_held: dict[str, tuple[float, object]] = {}  # cache key -> (read at, monotonic; the rules)


def _rules_key(name: str) -> str:
    return f"campaigns:rules:{name}"


def rules_changed(**kwargs) -> None:
    """A rule was saved or deleted: every cached rule goes, now and once it commits (a read
    between the two could cache what was there before). Operators save rarely; a tap reads
    one cache key."""
    keys = [_rules_key("checkin"), *(_rules_key(f"wheel:{pk}") for pk in Wheel.objects.values_list("pk", flat=True))]
    _let_go(keys)
    transaction.on_commit(lambda: _let_go(keys))


def _let_go(keys: list[str]) -> None:
    cache.delete_many(keys)
    rules_held_forget()


def rules_held_forget() -> None:
    """Let go of the rules this process holds (a save does; so do the tests, between them)."""
    _held.clear()


def _rules(name: str, build, *, held: bool = False):
    """The rules under `name`, built when the shared cache has none; with `held`, from this
    process's own copy while it is younger than RULES_HELD_SECONDS."""
    key = _rules_key(name)
    if held:
        kept = _held.get(key)
        if kept is not None and monotonic() - kept[0] <= RULES_HELD_SECONDS:
            return kept[1]
    cached = cache.get(key, _MISSING)
    if cached is _MISSING:
        cached = build()
        cache.set(key, cached, RULES_TIMEOUT)
    if held:
        _held[key] = (monotonic(), cached)
    return cached


def checkin_setups_live() -> list[CheckinSetup]:
    """Every switched-on check-in campaign with its rules, rewards and milestones (a few a
    year: which one runs is decided on the time asked about, not the time cached)."""
    return _rules(
        "checkin",
        held=True,
        build=lambda: list(
            CheckinSetup.objects.select_related("campaign", "daily_reward__coupon_template")
            .prefetch_related(Prefetch("milestones", queryset=CheckinMilestone.objects.select_related("reward__coupon_template")))
            .filter(campaign__play=Play.CHECKIN, campaign__is_active=True)
        ),
    )


def wheel_rules(wheel_id: int) -> Wheel | None:
    """A wheel with its campaign and prizes (their stock not to be trusted), or None."""
    return _rules(
        f"wheel:{wheel_id}",
        held=True,
        build=lambda: Wheel.objects.select_related("campaign")
        .prefetch_related(Prefetch("prizes", queryset=WheelPrize.objects.select_related("coupon_template")))
        .filter(pk=wheel_id)
        .first(),
    )


def red_packet_rules(packet_id: int) -> RedPacket | None:
    """A packet with its campaign, or None; its counter and status are not to be trusted
    (the grab's guarded UPDATE checks them again). Cleared by a save of the packet or its
    campaign (red_packet_rules_changed)."""
    return _rules(f"packet:{packet_id}", lambda: RedPacket.objects.select_related("campaign").filter(pk=packet_id).first())


def red_packet_rules_changed(sender, instance, **kwargs) -> None:
    packets = (
        [instance.pk]
        if isinstance(instance, RedPacket)
        else RedPacket.objects.filter(campaign=instance).values_list("pk", flat=True)
    )
    keys = [_rules_key(f"packet:{pk}") for pk in packets]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# --- The calendar ---------------------------------------------------------------------

# The seeds' guideline: about two thirds of a month's campaigns are theme campaigns.
THEME_SHARE_GUIDE = Fraction(2, 3)


@dataclass(frozen=True)
class Bar:
    campaign: Campaign
    first_day: date  # clipped to the month
    last_day: date

    @property
    def offset(self) -> int:
        return self.first_day.day - 1

    @property
    def span(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def trailing(self) -> int:
        """Empty days after the bar to the end of the month (for the table's columns)."""
        return monthrange(self.last_day.year, self.last_day.month)[1] - self.last_day.day


@dataclass(frozen=True)
class Month:
    first: date
    days: list[date]
    bars: list[Bar]
    gaps: list[tuple[date, date]]  # runs of days no important campaign covers
    mix: dict[str, int]  # campaigns per type
    theme_share: Fraction | None

    @property
    def theme_share_low(self) -> bool:
        return self.theme_share is not None and self.theme_share < THEME_SHARE_GUIDE


def _local_day(moment) -> date:
    return timezone.localtime(moment).date()


def calendar_month(*, year: int, month: int) -> Month:
    """A month of the calendar: each campaign as a bar, the gaps between important ones,
    and the month's mix of types against the two-thirds-theme guideline."""
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    starts = timezone.make_aware(datetime.combine(first, time.min))
    ends = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    campaigns = list(Campaign.objects.filter(starts_at__lt=ends, ends_at__gt=starts).order_by("starts_at", "id"))
    bars = [
        Bar(c, max(first, _local_day(c.starts_at)), min(last, _local_day(c.ends_at - timedelta(microseconds=1))))
        for c in campaigns
    ]
    covered = {
        bar.first_day + timedelta(days=n)
        for bar in bars
        if bar.campaign.is_important and bar.campaign.is_active
        for n in range(bar.span)
    }
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    mix = {kind: 0 for kind in CampaignType.values}
    for campaign in campaigns:
        mix[campaign.type] += 1
    return Month(
        first=first,
        days=days,
        bars=bars,
        gaps=_runs([day for day in days if day not in covered]),
        mix=mix,
        theme_share=Fraction(mix[CampaignType.THEME], len(campaigns)) if campaigns else None,
    )


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def gaps_beside(*, campaign: Campaign) -> list[str]:
    """What an operator should hear on saving an important campaign: the gaps it leaves
    before or after itself to the nearest important campaigns."""
    if not campaign.is_important:
        return []
    others = Campaign.objects.filter(is_important=True, is_active=True).exclude(pk=campaign.pk)
    warnings = []
    before = others.filter(starts_at__lt=campaign.starts_at).order_by("-ends_at").first()
    if before is not None and before.ends_at < campaign.starts_at:
        warnings.append(f"与上一个重点活动「{before}」之间空档 {_span(before.ends_at, campaign.starts_at)}")
    after = others.filter(ends_at__gt=campaign.ends_at).order_by("starts_at").first()
    if after is not None and after.starts_at > campaign.ends_at:
        warnings.append(f"与下一个重点活动「{after}」之间空档 {_span(campaign.ends_at, after.starts_at)}")
    return warnings


def _span(start, end) -> str:
    hours = int((end - start).total_seconds() // 3600)
    return f"{hours // 24} 天 {hours % 24} 小时" if hours >= 24 else f"{hours} 小时"


# --- What a campaign brought ----------------------------------------------------------

# Participation of a fifth of the targeted fans or more counts as a good campaign.
GOOD_PARTICIPATION = Fraction(1, 5)


# --- Audiences: who a campaign is for -------------------------------------------------------
# "all" is every shopper. Apps above campaigns (the CRM's segments) register more kinds at
# startup under a prefix ("segment:<id>"), so campaigns offers and checks them without
# importing them.


@dataclass(frozen=True)
class AudienceSource:
    choices: Callable[[], list[tuple[str, str]]]  # (audience value, label for operators)
    size: Callable[[str], int]
    includes: Callable[[str, int], bool]  # (audience value, member id)


_AUDIENCE_SOURCES: dict[str, AudienceSource] = {}


def audience_source_register(*, prefix: str, source: AudienceSource) -> None:
    _AUDIENCE_SOURCES[prefix] = source


def _audience_source(audience: str) -> AudienceSource | None:
    return _AUDIENCE_SOURCES.get(audience.split(":", 1)[0])


def audience_choices() -> list[tuple[str, str]]:
    return [
        (Audience.ALL.value, Audience.ALL.label),
        *(choice for source in _AUDIENCE_SOURCES.values() for choice in source.choices()),
    ]


def audience_size(*, campaign: Campaign) -> int:
    """How many members the campaign targets (0 for an audience nobody provides any more)."""
    if campaign.audience == Audience.ALL:
        return get_user_model().objects.filter(is_active=True, is_staff=False).count()
    source = _audience_source(campaign.audience)
    return source.size(campaign.audience) if source else 0


def audience_includes(*, campaign: Campaign, member) -> bool:
    """Whether the member may play the campaign: no query at all for "all" (the plays' hot
    paths), closed when the audience's provider is gone."""
    if campaign.audience == Audience.ALL:
        return True
    source = _audience_source(campaign.audience)
    return source is not None and source.includes(campaign.audience, member.pk)


@dataclass(frozen=True)
class CampaignStats:
    participants: int
    audience: int
    prizes_given: int
    money_given_fen: int  # balance and cash handed out
    discount_fen: int  # what orders saved with its coupons
    orders: int
    sales_fen: int

    @property
    def participation(self) -> Fraction | None:
        return Fraction(self.participants, self.audience) if self.audience else None

    @property
    def is_good(self) -> bool:
        return self.participation is not None and self.participation >= GOOD_PARTICIPATION

    @property
    def cost_fen(self) -> int:
        return self.money_given_fen + self.discount_fen


def campaign_coupon_templates(*, campaign: Campaign) -> set[int]:
    """The coupon templates a campaign hands out, whatever its play."""
    ids = set(campaign.coupon_templates.values_list("pk", flat=True))
    ids |= set(
        WheelPrize.objects.filter(wheel__campaign=campaign, coupon_template__isnull=False).values_list(
            "coupon_template", flat=True
        )
    )
    ids |= set(
        RedPacket.objects.filter(campaign=campaign, coupon_template__isnull=False).values_list("coupon_template", flat=True)
    )
    ids |= set(SharePacketSetup.objects.filter(campaign=campaign).values_list("coupon_template", flat=True))
    return ids


def campaign_stats(*, campaign: Campaign) -> CampaignStats:
    """Participants against the audience, prizes, money and coupon discounts given, and the
    orders and sales its coupons brought (a fixed number of queries)."""
    grabbed = PacketShare.objects.filter(packet__campaign=campaign, member__isnull=False)
    wins = Spin.objects.filter(wheel__campaign=campaign).exclude(prize_kind=PrizeKind.NONE)
    prizes = {
        Play.CHECKIN: lambda: Checkin.objects.filter(campaign=campaign).count(),
        Play.WHEEL: lambda: wins.count(),
        Play.RED_PACKET: lambda: grabbed.count(),
        Play.SHARE_PACKET: lambda: grabbed.count(),
        Play.FOLLOW_GIFT: lambda: GiftGrant.objects.filter(campaign=campaign).count(),
        Play.REFERRAL_GIFT: lambda: GiftGrant.objects.filter(campaign=campaign).count(),
    }.get(campaign.play, lambda: 0)()
    money = (
        grabbed.filter(packet__delivers__in=[PacketDelivery.BALANCE, PacketDelivery.WECHAT_CASH]).aggregate(s=Sum("amount_fen"))[
            "s"
        ]
        or 0
    ) + (wins.filter(prize_kind=PrizeKind.RED_PACKET).aggregate(s=Sum("prize__balance_fen"))["s"] or 0)
    used = Coupon.objects.filter(template__in=campaign_coupon_templates(campaign=campaign), status=CouponStatus.USED)
    orders = Order.objects.filter(pk__in=used.values("order")).aggregate(
        n=Count("pk"), discount=Sum("discount_fen"), sales=Sum(F("pay_fen") + F("balance_fen"))
    )
    return CampaignStats(
        participants=Participation.objects.filter(campaign=campaign).count(),
        audience=audience_size(campaign=campaign),
        prizes_given=prizes,
        money_given_fen=money,
        discount_fen=orders["discount"] or 0,
        orders=orders["n"],
        sales_fen=orders["sales"] or 0,
    )


# --- What a member may join now ---------------------------------------------------------


def campaigns_to_join(*, member) -> list[dict]:
    """The running campaigns, newest first, each as the API and the hub page show it: `id`
    is the id of its own endpoints (the wheel's, the packet's), `path` its page. A packet
    with nothing left, or one the member grabbed, is not offered again."""
    entries = []
    running = campaigns_running().exclude(play=Play.OTHER).select_related("wheel").order_by("-starts_at", "-id")
    open_packets = RedPacket.objects.filter(
        campaign__in=running, status=PacketStatus.ACTIVE, shares_left__gt=0, expires_at__gt=timezone.now()
    )
    if member is not None and member.is_authenticated:
        open_packets = open_packets.exclude(share_set__member=member)
    packets = {packet.campaign_id: packet for packet in open_packets.order_by("campaign_id", "-id")}
    for campaign in running:
        target = _target(campaign, packets)
        if target is None:
            continue
        ident, path = target
        entries.append(
            {
                "kind": campaign.play,
                "kind_label": campaign.get_play_display(),
                "id": ident,
                "title": campaign.title,
                "starts_at": campaign.starts_at,
                "ends_at": campaign.ends_at,
                "rules": list(campaign.rules)[:3],
                "path": path,
            }
        )
    return entries


def _target(campaign: Campaign, packets: dict) -> tuple[int, str] | None:
    if campaign.play == Play.WHEEL:
        wheel = getattr(campaign, "wheel", None)
        return (wheel.pk, f"/wheels/{wheel.pk}/") if wheel else None
    if campaign.play == Play.RED_PACKET:
        packet = packets.get(campaign.pk)
        return (packet.pk, f"/red-packets/{packet.pk}/") if packet else None
    path = {Play.CHECKIN: "/checkin/", Play.COUPON: "/coupons/center/", Play.SHARE_PACKET: "/orders/"}.get(
        campaign.play, f"/campaigns/{campaign.pk}/"
    )
    return campaign.pk, path


# --- Red packets: who got what, and what each sharer brought ------------------------------


def red_packet_grabs(*, packet: RedPacket) -> list[PacketShare]:
    """The grabbed shares of a packet, first grab first, with who grabbed them (拼手气)."""
    return list(
        PacketShare.objects.filter(packet=packet, member__isnull=False).select_related("member").order_by("grabbed_at", "id")
    )


PACKET_DESTINATIONS = {
    PacketDelivery.BALANCE: "已存入商城余额，下单时可抵扣",
    PacketDelivery.COUPON: "已放入「我的优惠券」，下单时可直接抵扣",
}


def share_destination(*, packet: RedPacket, reference: str) -> str:
    """Where a grabbed share went, in a shopper's words (from its delivery reference:
    `balance:<row>`, `coupon:<id>`, or the WeChat merchant number, `:<send_listid>` once sent)."""
    if reference.startswith("balance:"):
        return PACKET_DESTINATIONS[PacketDelivery.BALANCE]
    if packet.delivers == PacketDelivery.WECHAT_CASH:
        return "微信红包已发出，请在微信消息中领取" if ":" in reference else "微信红包发放中，稍后请在微信消息中领取"
    return PACKET_DESTINATIONS.get(packet.delivers, "")


def red_packet_view(*, packet: RedPacket, member, now=None) -> dict:
    """A packet as the API and its page show it to this member: what is left, what I got
    and where it went, whether I can grab now, and who got how much (手气最佳 once a
    random packet is settled). `packet` with its owner and order selected."""
    now = now or timezone.now()
    grabs = red_packet_grabs(packet=packet)
    mine = next((share for share in grabs if share.member_id == member.pk), None)
    active = packet.status == PacketStatus.ACTIVE and packet.expires_at > now
    running = packet.campaign_id is None or campaigns_running(now=now).filter(pk=packet.campaign_id).exists()
    settled = packet.split == SplitMode.RANDOM and len(grabs) > 1 and (packet.shares_left == 0 or not active)
    best = max(grabs, key=lambda share: (share.amount_fen, -share.pk)) if settled else None
    owner = packet.owner
    return {
        "id": packet.pk,
        "title": packet.title,
        "total_fen": packet.total_fen,
        "shares": packet.shares,
        "shares_left": packet.shares_left,
        "expires_at": packet.expires_at,
        "my_amount_fen": mine.amount_fen if mine else None,
        "delivers": packet.delivers,
        "split": packet.split,
        "status": packet.status if active else PacketStatus.EXPIRED,
        "running": running,
        "can_grab": active and running and packet.shares_left > 0 and mine is None and packet.owner_id != member.pk,
        "my_destination": share_destination(packet=packet, reference=mine.delivery_reference) if mine else None,
        "owner": {"nickname": owner.display_name, "avatar_url": owner.avatar_url} if owner else None,
        "order_number": packet.order.number if packet.order_id and packet.owner_id == member.pk else None,
        "path": f"/red-packets/{packet.pk}/",
        "grabs": [
            {
                "nickname": share.member.display_name,
                "avatar_url": share.member.avatar_url,
                "amount_fen": share.amount_fen,
                "grabbed_at": share.grabbed_at,
                "best": share is best,
            }
            for share in grabs
        ],
    }


def _coupon_order_of_share():
    """The order that used the coupon a share became (coupons from packets are keyed
    `packet:<share id>`), as a subquery on PacketShare."""
    key = Concat(Value("packet:"), Cast(OuterRef("pk"), CharField()), output_field=CharField())
    return Subquery(Coupon.objects.filter(source_key=key, order__isnull=False).values("order")[:1])


def red_packets_with_stats(queryset: QuerySet[RedPacket]) -> QuerySet[RedPacket]:
    """Each packet with `claims` (shares grabbed), `new_members` (grabbers who joined after
    the packet was made) and `orders` (orders that used its coupons): one query for a page."""
    grabbed = PacketShare.objects.filter(packet=OuterRef("pk"), member__isnull=False)

    def count(shares, expression=Count("pk")):
        per_packet = shares.order_by().values("packet").annotate(n=expression).values("n")
        return Coalesce(Subquery(per_packet[:1], output_field=IntegerField()), Value(0))

    return queryset.annotate(
        claims=count(grabbed),
        new_members=count(grabbed, Count("pk", filter=Q(member__date_joined__gt=F("packet__created_at")))),
        orders=count(grabbed.annotate(used_order=_coupon_order_of_share()), Count("used_order", distinct=True)),
    )


@dataclass(frozen=True)
class SharerStats:
    member_id: int
    nickname: str
    packets: int
    claims: int
    new_members: int
    orders: int


def share_packet_sharers(*, campaign: Campaign | None = None, limit: int = 200) -> list[SharerStats]:
    """Per sharer (分享红包): packets received, friends who claimed, of them new members,
    and orders those coupons were used in; most claims first (three queries)."""
    packets = RedPacket.objects.filter(owner__isnull=False)
    if campaign is not None:
        packets = packets.filter(campaign=campaign)
    given = dict(packets.order_by().values("owner").annotate(n=Count("pk")).values_list("owner", "n"))
    rows = (
        PacketShare.objects.filter(packet__in=packets, member__isnull=False)
        .annotate(used_order=_coupon_order_of_share())
        .order_by()
        .values("packet__owner")
        .annotate(
            claims=Count("pk"),
            new_members=Count("pk", filter=Q(member__date_joined__gt=F("packet__created_at"))),
            orders=Count("used_order", distinct=True),
        )
    )
    by_owner = {row["packet__owner"]: row for row in rows}
    owners = sorted(given, key=lambda owner: (-(by_owner.get(owner, {}).get("claims") or 0), owner))[:limit]
    names = {member.pk: member.display_name for member in get_user_model().objects.filter(pk__in=owners)}
    return [
        SharerStats(
            member_id=owner,
            nickname=names.get(owner, ""),
            packets=given[owner],
            claims=by_owner.get(owner, {}).get("claims", 0),
            new_members=by_owner.get(owner, {}).get("new_members", 0),
            orders=by_owner.get(owner, {}).get("orders", 0),
        )
        for owner in owners
    ]
