"""Red packets (抢红包) and share red packets (分享红包).

A packet is split into its shares when it is made, so the shares add up to its total
exactly and a grab only has to claim one: under the packet's row, held while it is active,
`SELECT … FOR UPDATE SKIP LOCKED` picks an unclaimed share nobody else is claiming, the
UPDATE writes the member on it under the unique (packet, member) key (once per member),
and the packet's counter moves with it. What the share is worth reaches the member with
the claim (store balance: the same statement, on PostgreSQL; a coupon: the same
transaction) or, for a WeChat cash red packet, through the outbox: the grab stands
even while WeChat is down, and the payout is retried under the same merchant number until
WeChat has sent it.

Coupon packets: each share is one no-threshold coupon whose face value is the share's
amount, so they split equally (a coupon carries its template's amount). When the chosen
template is worth something else, the packet gets a dedicated template of its own at the
share's amount (hidden from the coupon centre). Either way the packet's coupons are taken
from the template's stock when the packet is made, so every share can be delivered, and
the unclaimed ones go back to stock when it expires.
"""

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from campaigns.errors import AlreadyGrabbed, CampaignNotActive, PacketEmpty
from campaigns.models import Campaign, PacketDelivery, PacketShare, PacketStatus, Play, RedPacket, SplitMode
from campaigns.selectors import campaign_is_running, campaigns_running
from campaigns.services.chain import Step, chain_run, chain_transaction
from campaigns.services.participation import audience_check, participation_step
from config.errors import InvalidInput
from config.money import format_yuan
from mall.errors import SoldOut
from mall.models import Coupon, CouponKind, CouponTemplate, CouponValidity, Order, ShopSettings
from mall.services.coupons import coupon_validity
from members.models import BalanceKind
from members.services.balance import balance_move_once
from members.services.ledgers import BALANCE, Movement, Sql, ledger_moves_steps
from outbox.services import publish
from wechat.red_packets import CASH_MAX_FEN, CASH_MIN_FEN, RecipientRefused, cash_billno, send_cash_red_packet

logger = logging.getLogger(__name__)

# Published for WeChat cash shares: the only grab with something left to do after commit.
RED_PACKET_GRABBED = "red_packet.grabbed"
MAX_SHARES = 10_000
WISHING = "恭喜发财，大吉大利"


# --- Splitting ---------------------------------------------------------------------------


def split_total(total_fen: int, shares: int, mode: str, *, low: int = 1, high: int | None = None) -> list[int]:
    """`total_fen` in `shares` shares that add up to it exactly, each between `low` and
    `high` fen (WeChat cash: 100 and 20 000).

    Equal: the remainder is spread one fen at a time over the first shares. Random
    ("double mean", as WeChat's own packets): each share is drawn uniformly from
    [1, 2 × what is left per share left], narrowed so the shares still to come can each
    keep at least `low` and at most `high`, and the last takes the rest."""
    if shares < 1 or low < 1 or (high is not None and high < low):
        raise ValueError("at least one share, each at least a fen")
    if total_fen < shares * low or (high is not None and total_fen > shares * high):
        raise ValueError(f"{total_fen} fen cannot make {shares} shares of {low}–{high} fen")
    if mode == SplitMode.EQUAL:
        base, extra = divmod(total_fen, shares)
        return [base + 1] * extra + [base] * (shares - extra)
    if mode != SplitMode.RANDOM:
        raise ValueError(f"unknown split {mode!r}")
    amounts, left = [], total_fen
    for still in range(shares, 1, -1):  # shares left, this one included
        # Bounds that keep the rest feasible: the others need `low` each, and can take at
        # most `high` each. (still × low ≤ left ≤ still × high holds throughout, so lo ≤ hi.)
        hi = min(2 * left // still, left - (still - 1) * low)
        lo = low
        if high is not None:
            hi = min(hi, high)
            lo = max(lo, left - (still - 1) * high)
        amount = lo + secrets.randbelow(hi - lo + 1)
        amounts.append(amount)
        left -= amount
    amounts.append(left)
    return amounts


def share_bounds(delivers: str) -> tuple[int, int | None]:
    """The smallest and largest share a delivery allows, in fen."""
    return (CASH_MIN_FEN, CASH_MAX_FEN) if delivers == PacketDelivery.WECHAT_CASH else (1, None)


# --- Making a packet -----------------------------------------------------------------------


def red_packet_problems(
    *,
    campaign: Campaign | None,
    total_fen: int,
    shares: int,
    split: str,
    delivers: str,
    expires_at,
    coupon_template: CouponTemplate | None = None,
    now=None,
) -> dict[str, list[str]]:
    """What is wrong with a packet before it is made, by field (the admin form shows the
    same words): {} when it can be made."""
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}

    def wrong(field, message):
        problems.setdefault(field, []).append(message)

    if campaign is not None and campaign.play not in (Play.RED_PACKET, Play.SHARE_PACKET):
        wrong("campaign", "请选择玩法为「抢红包」或「分享红包」的活动")
    if not 1 <= shares <= MAX_SHARES:
        wrong("shares", f"份数须在 1 到 {MAX_SHARES} 之间")
    elif total_fen < shares:
        wrong("total_fen", "总金额（分）不能少于份数：每份至少 1 分")
    if expires_at is None or expires_at <= now:
        wrong("expires_at", "过期时间必须晚于现在")
    if split not in SplitMode.values:
        wrong("split", "未知的拆分方式")
    if delivers == PacketDelivery.WECHAT_CASH and shares >= 1:
        low, high = share_bounds(delivers)
        if not shares * low <= total_fen <= shares * high:
            wrong(
                "total_fen",
                f"微信现金红包每份须在 1 到 200 元之间：{shares} 份的总金额应在 "
                f"{format_yuan(shares * low)} 到 {format_yuan(shares * high)} 元之间",
            )
    elif delivers == PacketDelivery.COUPON:
        if coupon_template is None:
            wrong("coupon_template", "优惠券红包请选择一个无门槛满减券作为模板")
        elif coupon_template.kind != CouponKind.AMOUNT or coupon_template.threshold_fen:
            wrong("coupon_template", "优惠券红包只能用无门槛的满减券（使用门槛为 0）")
        elif not coupon_template.is_active:
            wrong("coupon_template", "这张优惠券模板已停用")
        elif (
            coupon_template.validity == CouponValidity.FIXED
            and coupon_template.valid_until
            and coupon_template.valid_until <= now
        ):
            wrong("coupon_template", "这张优惠券已过有效期")
        if split != SplitMode.EQUAL:
            wrong("split", "优惠券红包每份是一张同面额的券，请选择平均拆分")
        elif shares >= 1 and total_fen % shares:
            wrong(
                "total_fen",
                f"优惠券红包每份一张同面额的券：总金额须是份数的整数倍（例如 {format_yuan(shares * max(1, total_fen // shares))} 元）",
            )
    elif delivers not in PacketDelivery.values:
        wrong("delivers", "未知的发放方式")
    return problems


def red_packet_create(
    *,
    campaign: Campaign | None,
    title: str,
    total_fen: int,
    shares: int,
    split: str,
    delivers: str,
    expires_at,
    coupon_template: CouponTemplate | None = None,
    owner=None,
    order: Order | None = None,
    now=None,
) -> RedPacket:
    """Make a packet and all its shares at once. InvalidInput (by field) when it cannot be
    made; SoldOut when a coupon packet's template has fewer coupons left than shares."""
    now = now or timezone.now()
    problems = red_packet_problems(
        campaign=campaign,
        total_fen=total_fen,
        shares=shares,
        split=split,
        delivers=delivers,
        expires_at=expires_at,
        coupon_template=coupon_template,
        now=now,
    )
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], fields=problems)
    low, high = share_bounds(delivers)
    amounts = split_total(total_fen, shares, split, low=low, high=high)
    with transaction.atomic():
        if delivers == PacketDelivery.COUPON:
            coupon_template = _coupon_template_for(
                coupon_template, title=title, amount_fen=total_fen // shares, shares=shares, now=now, until=expires_at
            )
            _coupons_reserve(template=coupon_template, count=shares)
        else:
            coupon_template = None
        packet = RedPacket.objects.create(
            campaign=campaign,
            title=title,
            total_fen=total_fen,
            shares=shares,
            shares_left=shares,
            split=split,
            delivers=delivers,
            coupon_template=coupon_template,
            expires_at=expires_at,
            owner=owner,
            order=order,
        )
        PacketShare.objects.bulk_create(
            [PacketShare(packet=packet, position=position, amount_fen=amount) for position, amount in enumerate(amounts, start=1)]
        )
    return packet


def _coupon_template_for(template: CouponTemplate, *, title: str, amount_fen: int, shares: int, now, until) -> CouponTemplate:
    """The template whose coupons are worth one share: the chosen one, or a dedicated copy
    at the share's amount (its stock exactly the packet's shares)."""
    if template.amount_fen == amount_fen:
        return template
    copy = CouponTemplate.objects.create(
        title=f"{title}·红包券"[:40],
        kind=CouponKind.AMOUNT,
        amount_fen=amount_fen,
        threshold_fen=0,
        scope=template.scope,
        validity=template.validity,
        valid_from=template.valid_from,
        valid_until=template.valid_until,
        valid_days=template.valid_days,
        total=shares,
        per_member_limit=1,
        is_public=False,
        claim_starts_at=now,
        claim_ends_at=until,
        is_active=True,
    )
    copy.categories.set(template.categories.all())
    copy.products.set(template.products.all())
    return copy


def _coupons_reserve(*, template: CouponTemplate, count: int) -> None:
    """Take `count` coupons from the template's stock for the packet, or SoldOut (one
    guarded UPDATE: the stock never goes below what was promised)."""
    taken = (
        CouponTemplate.objects.filter(pk=template.pk)
        .filter(Q(total__isnull=True) | Q(total__gte=F("claimed") + count))
        .update(claimed=F("claimed") + count)
    )
    if not taken:
        raise SoldOut(f"「{template.title}」剩余不足 {count} 张")


# --- Grabbing ------------------------------------------------------------------------------


def red_packet_grab(*, packet: RedPacket, member, now=None) -> PacketShare:
    """Claim one unclaimed share for the member and deliver it; `packet.shares_left` is then
    the counter as this grab left it. CampaignNotActive when the packet's campaign is not
    running or the packet has expired, AlreadyGrabbed on a second grab (and for the sharer
    of a share packet: it is for their friends), PacketEmpty when every share is taken (or
    being taken right now)."""
    now = now or timezone.now()
    if packet.status != PacketStatus.ACTIVE or packet.expires_at <= now:
        raise CampaignNotActive("红包已过期")
    if packet.campaign_id is not None and not campaign_is_running(packet.campaign, now=now):
        raise CampaignNotActive()
    if packet.campaign_id is not None:
        audience_check(campaign=packet.campaign, member=member)
    if packet.owner_id is not None and packet.owner_id == member.pk:
        raise AlreadyGrabbed("这是你分享给好友的红包，留给好友来领吧")
    balance = packet.delivers == PacketDelivery.BALANCE
    try:
        # A balance share is delivered by the chain itself: then the grab is one statement.
        with chain_transaction(one_statement=balance):
            rows = chain_run(_grab_steps(packet=packet, member_id=member.pk, now=now, balance=balance))
            share = _share(packet=packet, member=member, now=now, row=rows["claimed"]) if rows["claimed"] else None
            if share is not None and not balance:
                _deliver(packet=packet, share=share, member_id=member.pk, now=now)
                if packet.delivers == PacketDelivery.WECHAT_CASH:
                    publish(
                        RED_PACKET_GRABBED, packet_id=packet.pk, share_id=share.pk, member_id=member.pk, delivers=packet.delivers
                    )
    except IntegrityError as exc:
        # The same member's other grab at the same instant won the unique (packet, member)
        # key; the statement that lost took everything it did back with it.
        raise AlreadyGrabbed() from exc
    if share is None:
        raise _why_nothing_claimed(packet=packet, member=member, now=now)
    packet.shares_left = rows["counted"][0]
    return share


def _grab_steps(*, packet: RedPacket, member_id: int, now, balance: bool) -> list[Step]:
    """A grab as one chain: the packet's row held while it is active and unexpired, the first
    unclaimed share nobody else is claiming (SKIP LOCKED) written to the member unless they
    hold one of this packet already, and — only when a share was claimed — the member's
    participation, the packet's counter and, for a balance packet, the balance moved with
    its ledger row. (A WeChat cash share's merchant number, made from its id, is written
    after.)

    The packet row is taken first, inside the share's lookup, because the counter must move
    exactly when a share is claimed and a one-statement grab has no transaction in which to
    take a claim back. Claimed first and counted after, an expiry landing in between would
    return the share's amount as unclaimed while the claim stands. Held first, the packet is
    either closed before the grab gets its row (read after the wait, it says so, and nothing
    is claimed) or stays open until the grab's statement has committed, and the expiry,
    which holds the same row, then finds the share claimed. The counter itself needs no
    guard of its own: the row is ours, and a counter below zero is refused by its check
    constraint. Grabs of one packet queue on its row, as they did for the counter, but only
    for the statement itself, never across a round trip.

    Claims under the packet's row go in position order, so the first unclaimed share is
    found where the counter says (shares − shares left + 1, read from the held row) without
    walking past the claimed ones — a walk that grew with every grab and now happened under
    the row; should a share below that be unclaimed after all, the walk from the start finds
    it. The lookup reads with the snapshot taken before the wait: a share claimed meanwhile
    is locked and found claimed (SKIP LOCKED passes over it), and a member's other grab that
    committed meanwhile is refused by the unique (packet, member) key, which fails the whole
    statement."""
    shares, packets = PacketShare._meta.db_table, RedPacket._meta.db_table
    lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_update else ""
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    at = connection.ops.adapt_datetimefield_value(now)
    steps = [
        Step(
            "claimed",
            f"""WITH packet AS (
                    SELECT id, shares - shares_left + 1 AS next FROM {packets}
                    WHERE id = %(packet)s AND status = %(active)s AND expires_at > %(now)s{lock})
                UPDATE {shares} SET member_id = %(member)s, grabbed_at = %(now)s, delivery_reference = COALESCE(%(reference)s || id, '')
                WHERE id = COALESCE(
                        (SELECT id FROM {shares} WHERE member_id IS NULL AND packet_id = (SELECT id FROM packet)
                            AND position >= (SELECT next FROM packet) ORDER BY position LIMIT 1{skip_locked}),
                        (SELECT id FROM {shares} WHERE member_id IS NULL AND packet_id = (SELECT id FROM packet)
                            ORDER BY position LIMIT 1{skip_locked}))
                  AND NOT EXISTS (SELECT 1 FROM {shares} WHERE packet_id = %(packet)s AND member_id = %(member)s)
                RETURNING id, position, amount_fen, delivery_reference""",
            {
                "member": member_id,
                "now": at,
                "reference": REFERENCE_PREFIX.get(packet.delivers),
                "packet": packet.pk,
                "active": PacketStatus.ACTIVE,
            },
            ("id", "position", "amount_fen", "delivery_reference"),
        ),
        Step(
            "counted",
            f"UPDATE {packets} SET shares_left = shares_left - 1 WHERE id = %(packet)s AND EXISTS (SELECT 1 FROM claimed) RETURNING shares_left",
            {"packet": packet.pk},
            ("shares_left",),
            ("claimed",),
        ),
    ]
    if packet.campaign_id is not None:
        steps.append(participation_step(campaign_id=packet.campaign_id, member_id=member_id, after="claimed"))
    if balance:
        moves = ledger_moves_steps(
            member_id=member_id,
            movements=[
                Movement(
                    BALANCE,
                    amount=Sql("SELECT amount_fen FROM claimed"),
                    kind=BalanceKind.ADJUSTMENT,
                    source_key=Sql("SELECT %(prefix)s || id FROM claimed"),
                    note=f"抢红包：{packet.title}",
                    params={"prefix": "packet:"},
                )
            ],
            when="EXISTS (SELECT 1 FROM claimed)",
            needs=("claimed",),
        )
        steps += [Step(*step) for step in moves]
    return steps


def _share(*, packet: RedPacket, member, now, row: tuple) -> PacketShare:
    share = PacketShare(
        pk=row[0], packet=packet, position=row[1], amount_fen=row[2], member=member, grabbed_at=now, delivery_reference=row[3]
    )
    share._state.adding = False
    return share


def _why_nothing_claimed(*, packet: RedPacket, member, now) -> Exception:
    """Why a grab claimed nothing, asked afterwards (a refusal's one more query)."""
    state = RedPacket.objects.filter(pk=packet.pk).values("status", "expires_at").first()
    if state is None or state["status"] != PacketStatus.ACTIVE or state["expires_at"] <= now:
        return CampaignNotActive("红包已过期")
    if PacketShare.objects.filter(packet=packet, member=member).exists():
        return AlreadyGrabbed()
    return PacketEmpty()


# Where a share goes, named by the ledger row or coupon it becomes (their source key is
# "packet:<share id>"); a WeChat cash share is named by its merchant number instead.
REFERENCE_PREFIX = {PacketDelivery.BALANCE: "balance:packet:", PacketDelivery.COUPON: "coupon:packet:"}


def _deliver(*, packet: RedPacket, share: PacketShare, member_id: int, now) -> None:
    """Hand over a share that is not store balance (the grab's chain moves that itself)."""
    source = f"packet:{share.pk}"
    if packet.delivers == PacketDelivery.COUPON:
        # The packet took its coupons from stock when it was made: issue one, no stock again.
        template = packet.coupon_template
        valid_from, valid_until = coupon_validity(template, now)
        Coupon.objects.create(
            template=template, member_id=member_id, valid_from=valid_from, valid_until=valid_until, source_key=source
        )
    else:
        # WeChat cash goes out after commit (the RED_PACKET_GRABBED subscriber), retried until sent.
        share.delivery_reference = cash_billno(share_id=share.pk, day=timezone.localtime(packet.created_at).date())
        PacketShare.objects.filter(pk=share.pk).update(delivery_reference=share.delivery_reference)


def red_packet_cash_send(*, share_id: int) -> str:
    """Send a grabbed share as a WeChat cash red packet, under the merchant number made
    from the share (so a retry never pays twice). A member WeChat cannot pay gets the
    money in store balance instead. Anything else WeChat says raises, and the outbox
    tries again later. What happened: "sent", "balance" or "nothing"."""
    share = PacketShare.objects.select_related("packet", "member").get(pk=share_id)
    packet, reference = share.packet, share.delivery_reference
    if (
        packet.delivers != PacketDelivery.WECHAT_CASH
        or share.member is None
        or reference.startswith("balance:")
        or ":" in reference
    ):
        return "nothing"  # not cash, or sent already
    try:
        send_listid = send_cash_red_packet(
            mch_billno=reference,
            openid=share.member.openid or "",
            amount_fen=share.amount_fen,
            send_name=ShopSettings.get_solo().shop_name,
            act_name=packet.title,
            wishing=WISHING,
            remark=f"抢红包：{packet.title}",
        )
    except RecipientRefused as exc:
        logger.warning("red packet share %s cannot go to WeChat (%s): credited to store balance", share.pk, exc)
        source = f"packet:{share.pk}"
        balance_move_once(
            member_id=share.member_id,
            amount_fen=share.amount_fen,
            kind=BalanceKind.ADJUSTMENT,
            source_key=source,
            note=f"抢红包（微信红包无法发放，转入余额）：{packet.title}",
        )
        PacketShare.objects.filter(pk=share.pk, delivery_reference=reference).update(
            delivery_reference=REFERENCE_PREFIX[PacketDelivery.BALANCE] + str(share.pk)
        )
        return "balance"
    PacketShare.objects.filter(pk=share.pk, delivery_reference=reference).update(
        delivery_reference=f"{reference}:{send_listid or 'sent'}"
    )
    return "sent"


# --- Expiry --------------------------------------------------------------------------------


def red_packet_expire(*, packet_id: int, now=None) -> int | None:
    """Close one expired packet and return its unclaimed shares to the operator, once: the
    amount returned, or None when it is not (or no longer) an active expired packet."""
    now = now or timezone.now()
    with transaction.atomic():
        # Holding the packet row: a grab in flight either counted itself before (its share
        # is claimed, not returned) or will find the packet expired and undo itself.
        packet = (
            RedPacket.objects.select_for_update().filter(pk=packet_id, status=PacketStatus.ACTIVE, expires_at__lte=now).first()
        )
        if packet is None:
            return None
        left = PacketShare.objects.filter(packet=packet, member__isnull=True).aggregate(n=Count("pk"), fen=Sum("amount_fen"))
        returned = left["fen"] or 0
        RedPacket.objects.filter(pk=packet.pk, status=PacketStatus.ACTIVE).update(
            status=PacketStatus.EXPIRED, returned_fen=returned
        )
        if packet.delivers == PacketDelivery.COUPON and packet.coupon_template_id and left["n"]:
            # The coupons the packet held back return to the template's stock.
            CouponTemplate.objects.filter(pk=packet.coupon_template_id, claimed__gte=left["n"]).update(
                claimed=F("claimed") - left["n"]
            )
    return returned


def red_packets_expire(*, now=None) -> dict[str, int]:
    """The scheduled job: every active packet past its expiry, closed and its remainder
    returned. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    due = list(
        RedPacket.objects.filter(status=PacketStatus.ACTIVE, expires_at__lte=now).order_by("pk").values_list("pk", flat=True)
    )
    expired = returned = 0
    for packet_id in due:
        amount = red_packet_expire(packet_id=packet_id, now=now)
        if amount is not None:
            expired, returned = expired + 1, returned + amount
    return {"expired": expired, "returned_fen": returned}


# --- Share red packets (分享红包) ----------------------------------------------------------


def share_packet_give(*, order: Order, now=None) -> RedPacket | None:
    """After an order is paid: when a share-packet campaign was running at payment and the
    order reached its minimum, the buyer gets a packet of the campaign's coupons to pass
    on, once per order. None when nothing is due (or the coupons ran out)."""
    now = now or timezone.now()
    paid_at = order.paid_at or now
    campaign = (
        campaigns_running(now=paid_at)
        .filter(play=Play.SHARE_PACKET, share_packet__isnull=False)
        .select_related("share_packet__coupon_template")
        .order_by("-starts_at", "-id")
        .first()
    )
    if campaign is None:
        return None
    setup = campaign.share_packet
    if order.paid_total_fen < setup.min_order_fen or setup.shares < 1:
        return None
    existing = RedPacket.objects.filter(order=order).first()
    if existing is not None:
        return existing
    template = setup.coupon_template
    try:
        with transaction.atomic():
            return red_packet_create(
                campaign=campaign,
                title=campaign.title,
                total_fen=setup.shares * template.amount_fen,
                shares=setup.shares,
                split=SplitMode.EQUAL,
                delivers=PacketDelivery.COUPON,
                expires_at=now + timedelta(hours=setup.valid_hours or 1),
                coupon_template=template,
                owner=order.member,
                order=order,
                now=now,
            )
    except IntegrityError:  # the same order at the same instant: its packet exists
        return RedPacket.objects.filter(order=order).first()
    except (SoldOut, InvalidInput) as exc:
        logger.warning("no share packet for order %s: %s", order.number, exc)
        return None
