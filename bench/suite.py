"""`make bench`: every hot path against its own limit, in the same run, on the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python -m bench.suite [--seconds 8] [--only detail]

Seeds the large shop (bench/shop.py, set-based SQL; `--no-seed` reuses a seeded database),
starts gunicorn itself (bench/harness.py: `--shape sync:4` by default, two workers a core;
`gthread:2x4` for threads) serving the shop and the limits (bench/limits.py: bare views
without our middleware, bench/wsgi.py) from the same workers, then for each scenario:

- reads the SQL statements per request of a few requests (X-Queries, not under load);
- drives our endpoint, then its limit, with wrk (64 connections on loopback): a warm-up,
  then a load bounded by `--seconds` and `--max-requests`; a scenario whose requests use
  something up (the flash sale's stock, a payment's first notification) has no warm-up and
  sends each target once, the flash sale exactly 3 buyers a unit whatever the time;
- ratio = our requests/s ÷ the limit's requests/s, held against the scenario's floor, and
  the scenario's invariants checked in the database after the load.

Then the batch jobs of bench/batch.py (settlement, CRM segment count), each against its
bare SQL. Prints the table and saves bench/results/latest.json, latest.md and latest.png.
Scenarios are the rows of SCENARIOS: add one with its targets, its limit's and its floor.
"""

import argparse
import functools
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F, Q, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import harness  # noqa: E402
from bench import shop as bench_shop  # noqa: E402
from bench.scale_out import ScaleOut  # noqa: E402
from bench.shop import OpenPayment, flash_reset, open_payments, sessions  # noqa: E402
from campaigns.models import Checkin, PacketShare, RedPacket, Spin, WheelPrize  # noqa: E402
from mall.models import SKU, Order, OrderLine, OrderStatus  # noqa: E402
from members.models import PointsEntry, PointsReason  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGES = range(1, 6)
SIDES = ("ours", "limit")
SESSIONS = 20_000  # logged-in members, half for our endpoints, half for the limits
SAMPLED = 3  # requests a side whose queries are counted (the last targets, kept out of a once-only load)
BUYERS_PER_UNIT = 3  # the flash sale: 1,000 units, 3,000 buyers
UNTIMED = 120  # seconds: only a safety net for a load its request count ends
PAYMENTS = 20_000  # open payments a side: more first notifications than 8 s can send (the limit sent 10,902)
REFUSED = "FAIL"  # WeChat Pay's notifications are answered 200 either way; FAIL inside is a refusal


@dataclass(frozen=True)
class Scenario:
    """One row of the table: our endpoint's request targets and its limit's ("<path>" or
    "<path>\\t<body>", spread over ids, pages, SKUs), how they are sent, the floor, and what
    must hold in the database afterwards."""

    name: str
    ours: Callable  # (shop) -> list[str]
    limit: Callable  # (shop) -> list[str]
    floor: float
    method: str = "GET"
    members: bool = False  # request n as logged-in member n (disjoint halves for the two sides)
    expected: tuple[int, ...] = ()  # answers that are not errors here (a 409 when stock runs out)
    content_type: str = harness.JSON
    refusal: str = ""  # a 2xx whose body holds this is an error
    once: bool = False  # each target is used up by its request: no warm-up, the list never comes round again
    requests: Callable | None = None  # (shop) -> how many requests a side sends, whatever the time
    prepare: Callable | None = None  # (shop) -> state, after the counted requests and the warm-ups, before the loads
    check: Callable | None = None  # (shop, sides, state) -> {what must hold, with its figures: whether it does}
    needs: str = ""  # the scenario whose outcome this one's targets are made of: it runs first
    crowd: Callable | None = None  # (shop, side, member ids) -> those who can still act (a run again the same day)


# --- Whose requests --------------------------------------------------------------------------


def spread(ids: list, count: int = 500) -> list:
    """Up to `count` of `ids`, evenly apart: requests spread over the catalogue."""
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def _halves(shop) -> tuple[range, range]:
    """Indexes of the logged-in members: our endpoint's half, the limit's half."""
    count = min(len(shop.member_ids), SESSIONS)
    return range(0, count // 2), range(count // 2, count // 2 * 2)


def side_members(shop, side: int) -> list[int]:
    return [shop.member_ids[index] for index in _halves(shop)[side]]


def payers(shop, side: int) -> list[int]:
    """The members whose orders the notifications pay: those after the logged-in ones (the
    order scenarios count their unpaid orders), in two halves; on a shop too small for that,
    all the members in two halves."""
    rest = shop.member_ids[_halves(shop)[1].stop :] or shop.member_ids
    half = len(rest) // 2
    return rest[side * half : (side + 1) * half]


def _answered(side: str, what: str, count: int, figures: dict) -> tuple[str, bool]:
    """Rows the side's successful answers wrote: as many, or up to the requests still in flight
    when wrk stopped (the server finishes them; those of the warm-up may land after the count
    before the load)."""
    answers = figures["ok"] - figures.get("refused", 0)
    return f"{side}: {count:,} {what} for {answers:,} answers", answers <= count <= answers + figures["in_flight"]


# --- Catalogue, cart, orders -----------------------------------------------------------------


def _products(shop) -> list[int]:
    return spread(shop.product_ids)


def _pages(shop, path: str) -> list[str]:
    separator = "&" if "?" in path else "?"
    return [f"{path}{separator}category={category}&page={page}" for category in shop.leaf_category_ids for page in PAGES]


def _cart_lines(shop, path: str) -> list[str]:
    return [f"{path}\t{json.dumps({'sku_id': sku, 'quantity': 1})}" for sku in spread(shop.sku_ids, 2000)]


def _order(lines: list[dict], address_id: int) -> str:
    return json.dumps({"lines": lines, "address_id": address_id})


def order_targets(shop, path: str, indexes) -> list[str]:
    """One target per member (their indexes in the seed's list), in the cookie file's order
    (the n-th request is the n-th member's, with their default address): two lines of SKUs
    far apart."""
    skus = shop.sku_ids
    targets = []
    for n, index in enumerate(indexes):
        lines = [
            {"sku_id": skus[(n * 7) % len(skus)], "quantity": 1},
            {"sku_id": skus[(n * 7 + len(skus) // 2) % len(skus)], "quantity": 1},
        ]
        targets.append(f"{path}\t{_order(lines, shop.address_ids[index])}")
    return targets


# --- Flash sale: one hot SKU, 1,000 units, 3,000 buyers ---------------------------------------


def flash_buyers(shop) -> int:
    return BUYERS_PER_UNIT * shop.flash_units


def flash_orders(shop, path: str, sku_id: int, half: int) -> list[str]:
    """One unit of the flash SKU per member of the side's half, to their default address; the
    first flash_buyers() of them are the sale's crowd, the last few the counted requests."""
    return [f"{path}\t{_order([{'sku_id': sku_id, 'quantity': 1}], shop.address_ids[index])}" for index in _halves(shop)[half]]


def flash_prepare(shop) -> None:
    buyers = [member for side in (0, 1) for member in side_members(shop, side)[: flash_buyers(shop)]]
    flash_reset(sku_ids=[shop.flash_sku_id, shop.bare_flash_sku_id], units=shop.flash_units, buyer_ids=buyers)


def flash_checks(shop, sides: dict, _state=None) -> dict[str, bool]:
    """Each side sold its units exactly: that many orders, no stock left, every other buyer a 409."""
    units, checks = shop.flash_units, {}
    for side, sku_id in (("ours", shop.flash_sku_id), ("limit", shop.bare_flash_sku_id)):
        placed = OrderLine.objects.filter(sku_id=sku_id, order__status=OrderStatus.PENDING_PAYMENT).count()
        left = SKU.objects.values_list("stock", flat=True).get(pk=sku_id)
        statuses = sides[side]["statuses"]
        checks[f"{side}: {placed:,} orders for {units:,} units"] = placed == units
        checks[f"{side}: {left} units left"] = left == 0
        checks[f"{side}: answers {_statuses(statuses)}"] = statuses == {201: units, 409: flash_buyers(shop) - units}
    return checks


def _statuses(statuses: dict) -> str:
    return ", ".join(f"{count:,} × {status}" for status, count in sorted(statuses.items()))


# --- Payment notifications: the first delivery, then the same again ----------------------------

_notifications: dict[int, dict[str, str]] = {}  # side -> out_trade_no -> the notification its first delivery sent


def notification(payment: OpenPayment) -> str:
    """The notification WeChat Pay sends when this payment succeeds, signed with the merchant
    key as the emulator signs it (wechatpy's calculate_signature), on one line: dict_to_xml
    puts a field a line, the targets file holds a request a line, and XML does not mind."""
    from wechat.emulator.models import MchOrder
    from wechat.emulator.notices import payment_notice

    paid = MchOrder(
        appid=settings.WECHAT_APPID,
        mch_id=settings.WECHAT_MCH_ID,
        openid=payment.openid,
        out_trade_no=payment.out_trade_no,
        total_fee=payment.amount_fen,
        time_end=timezone.now(),
        transaction_id=f"4200{payment.out_trade_no}",
    )
    return payment_notice(paid).decode().replace("\n", "")


def notifications(shop, side: int) -> list[str]:
    """First deliveries: one notification per open payment of the side's payers (placed now
    when missing), remembered for the replay."""
    sent = {
        payment.out_trade_no: notification(payment)
        for payment in open_payments(member_ids=payers(shop, side), count=PAYMENTS, sku_ids=shop.sku_ids)
    }
    _notifications[side] = sent
    return list(sent.values())


def replays(shop, side: int) -> list[str]:
    """The notifications the first delivery sent whose orders it paid, the same bytes again."""
    sent = _notifications.get(side, {})
    targets = [sent[number] for number in _paid(side).values_list("number", flat=True)]
    if not targets:
        raise SystemExit("payment notification replayed: the first delivery paid no order to notify again")
    return targets


def _notified(side: int) -> list[str]:
    return list(_notifications.get(side, {}))


def _paid(side: int):
    return Order.objects.filter(number__in=_notified(side), status=OrderStatus.PAID)


def payment_prepare(shop) -> dict[str, int]:
    return {side: _paid(n).count() for n, side in enumerate(SIDES)}


def payment_checks(shop, sides: dict, paid_before: dict) -> dict[str, bool]:
    """Every answer paid an order, and every paid order has exactly one paid event."""
    checks = dict(
        _answered(side, "orders paid", _paid(n).count() - paid_before[side], sides[side]) for n, side in enumerate(SIDES)
    )
    return checks | _paid_once()


def _paid_once() -> dict[str, bool]:
    odd = (
        _paid(0)
        .annotate(paid_events=Count("events", filter=Q(events__to_status=OrderStatus.PAID)))
        .exclude(paid_events=1)
        .count()
    )
    return {f"ours: {odd:,} paid orders without exactly one paid event": odd == 0}


def replay_prepare(shop) -> dict[str, str]:
    return {side: _payments_fingerprint(_notified(n)) for n, side in enumerate(SIDES)}


def replay_checks(shop, sides: dict, before: dict) -> dict[str, bool]:
    """The replays changed nothing: no order, payment or event of the notified ones moved."""
    checks = {
        f"{side}: the notified orders, payments and events as they were": _payments_fingerprint(_notified(n)) == before[side]
        for n, side in enumerate(SIDES)
    }
    return checks | _paid_once()


def _payments_fingerprint(numbers: list[str]) -> str:
    rows = (
        Order.objects.filter(number__in=numbers)
        .annotate(event_count=Count("events"))
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "updated_at",
            "paid_at",
            "payment__state",
            "payment__transaction_id",
            "payment__paid_at",
            "event_count",
        )
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


# --- Campaigns: check-in, wheel spin, red packet grab ----------------------------------------


def _checkins_today(member_ids: list[int]):
    return Checkin.objects.filter(day=timezone.localdate(), member_id__in=member_ids)


def not_checked_in(shop, side: int, member_ids: list[int]) -> set[int]:
    return set(member_ids) - set(_checkins_today(member_ids).values_list("member_id", flat=True))


def checkin_prepare(shop) -> dict[str, int]:
    return {side: _checkins_today(side_members(shop, n)).count() for n, side in enumerate(SIDES)}


def checkin_checks(shop, sides: dict, before: dict) -> dict[str, bool]:
    """One check-in per member-day; each of ours today with its reward; one per answer."""
    checks = dict(
        _answered(side, "check-ins", _checkins_today(side_members(shop, n)).count() - before[side], sides[side])
        for n, side in enumerate(SIDES)
    )
    twice = Checkin.objects.values("member", "day").annotate(rows=Count("id")).filter(rows__gt=1).count()
    checks[f"{twice:,} member-days checked in twice"] = twice == 0
    day = timezone.localdate().isoformat()
    keys = [f"checkin:{member}:{day}" for member in _checkins_today(side_members(shop, 0)).values_list("member_id", flat=True)]
    rewarded = PointsEntry.objects.filter(reason=PointsReason.CHECKIN, source_key__in=keys).count()
    checks[f"ours: {len(keys) - rewarded:,} check-ins today without their reward"] = rewarded == len(keys)
    return checks


def not_spun(shop, side: int, member_ids: list[int]) -> set[int]:
    if side:  # the limit keeps no spins
        return set(member_ids)
    spun = Spin.objects.filter(wheel_id=shop.wheel_id, day=timezone.localdate(), member_id__in=member_ids).values_list(
        "member_id", flat=True
    )
    return set(member_ids) - set(spun)


def wheel_prepare(shop) -> dict[str, int]:
    return {
        "ours": Spin.objects.filter(wheel_id=shop.wheel_id).count(),
        "limit": WheelPrize.objects.get(pk=shop.bare_prize_id).given,
    }


def wheel_checks(shop, sides: dict, before: dict) -> dict[str, bool]:
    """Prize stock never below zero, each prize's wins the stock it gave, one spin per answer."""
    spun = Spin.objects.filter(wheel_id=shop.wheel_id).count() - before["ours"]
    taken = WheelPrize.objects.get(pk=shop.bare_prize_id).given - before["limit"]  # its stock outlasts any run
    checks = dict([_answered("ours", "spins", spun, sides["ours"]), _answered("limit", "prizes taken", taken, sides["limit"])])
    stocked = WheelPrize.objects.filter(pk__in=[*shop.prize_ids, shop.bare_prize_id], stock__isnull=False)
    overdrawn = stocked.filter(given__gt=F("stock")).count()
    checks[f"{overdrawn} prizes given beyond their stock"] = overdrawn == 0
    miscounted = stocked.filter(wheel_id=shop.wheel_id).annotate(wins=Count("spins")).exclude(wins=F("given")).count()
    checks[f"ours: {miscounted} prizes whose wins are not the stock they gave"] = miscounted == 0
    return checks


def _claimed(packet_id: int) -> int:
    return PacketShare.objects.filter(packet_id=packet_id, member__isnull=False).count()


def not_grabbed(shop, side: int, member_ids: list[int]) -> set[int]:
    packet = (shop.packet_id, shop.bare_packet_id)[side]
    return set(member_ids) - set(
        PacketShare.objects.filter(packet_id=packet, member_id__in=member_ids).values_list("member_id", flat=True)
    )


def grab_prepare(shop) -> dict[str, int]:
    return {"ours": _claimed(shop.packet_id), "limit": _claimed(shop.bare_packet_id)}


def grab_checks(shop, sides: dict, before: dict) -> dict[str, bool]:
    """One share claimed per successful grab, the shares adding up to the packet's total, the
    packet's count of shares left true."""
    packets = {"ours": shop.packet_id, "limit": shop.bare_packet_id}
    checks = dict(
        _answered(side, "shares claimed", _claimed(packet) - before[side], sides[side]) for side, packet in packets.items()
    )
    for side, packet in packets.items():
        red = RedPacket.objects.annotate(shared=Sum("share_set__amount_fen")).get(pk=packet)
        checks[f"{side}: shares add up to {red.shared:,} fen of {red.total_fen:,}"] = red.shared == red.total_fen
    ours = RedPacket.objects.get(pk=shop.packet_id)
    checks[f"ours: {ours.shares_left:,} shares left of {ours.shares:,}"] = ours.shares_left == ours.shares - _claimed(
        shop.packet_id
    )
    return checks


SCENARIOS = [
    Scenario(
        "product detail API",
        lambda s: [f"/api/v1/products/{pk}" for pk in _products(s)],
        lambda s: [f"/limit/products/{pk}" for pk in _products(s)],
        floor=0.7,
    ),
    Scenario(
        "product detail H5",
        lambda s: [f"/products/{pk}/" for pk in _products(s)],
        lambda s: [f"/limit/products/{pk}" for pk in _products(s)],
        floor=0.7,
    ),
    Scenario("product list API", lambda s: _pages(s, "/api/v1/products"), lambda s: _pages(s, "/limit/products"), floor=0.5),
    Scenario("product list H5", lambda s: _pages(s, "/products/"), lambda s: _pages(s, "/limit/products"), floor=0.5),
    Scenario(
        "add to cart",
        lambda s: _cart_lines(s, "/api/v1/cart/items"),
        lambda s: _cart_lines(s, "/limit/cart/items"),
        floor=0.6,
        method="POST",
        members=True,
    ),
    Scenario(
        "create order",
        lambda s: order_targets(s, "/api/v1/orders", _halves(s)[0]),
        lambda s: order_targets(s, "/limit/orders", _halves(s)[1]),
        floor=0.5,
        method="POST",
        members=True,
        expected=(409,),
    ),
    Scenario(
        "flash sale",
        lambda s: flash_orders(s, "/api/v1/orders", s.flash_sku_id, 0),
        lambda s: flash_orders(s, "/limit/orders", s.bare_flash_sku_id, 1),
        floor=0.4,
        method="POST",
        members=True,
        expected=(409,),
        once=True,
        requests=flash_buyers,
        prepare=flash_prepare,
        check=flash_checks,
    ),
    Scenario(
        "payment notification",
        lambda s: [f"/wechat/pay/notify/\t{body}" for body in notifications(s, 0)],
        lambda s: [f"/limit/pay/notify\t{body}" for body in notifications(s, 1)],
        floor=0.5,
        method="POST",
        content_type="text/xml",
        refusal=REFUSED,
        once=True,
        prepare=payment_prepare,
        check=payment_checks,
    ),
    Scenario(
        "payment notification replayed",
        lambda s: [f"/wechat/pay/notify/\t{body}" for body in replays(s, 0)],
        lambda s: [f"/limit/pay/notify\t{body}" for body in replays(s, 1)],
        floor=0.5,
        method="POST",
        content_type="text/xml",
        refusal=REFUSED,
        prepare=replay_prepare,
        check=replay_checks,
        needs="payment notification",
    ),
    Scenario(
        "check-in",
        lambda s: ["/api/v1/checkin"],
        lambda s: [f"/limit/checkin?campaign={s.checkin_campaign_id}"],
        floor=0.6,
        method="POST",
        members=True,
        expected=(409,),
        crowd=not_checked_in,
        prepare=checkin_prepare,
        check=checkin_checks,
    ),
    Scenario(
        "wheel spin",
        lambda s: [f"/api/v1/wheels/{s.wheel_id}/spin"],
        lambda s: [f"/limit/spin/{s.bare_prize_id}"],
        floor=0.6,
        method="POST",
        members=True,
        expected=(409,),
        crowd=not_spun,
        prepare=wheel_prepare,
        check=wheel_checks,
    ),
    Scenario(
        "red packet grab",
        lambda s: [f"/api/v1/red-packets/{s.packet_id}/grab"],
        lambda s: [f"/limit/grab/{s.bare_packet_id}"],
        floor=0.6,
        method="POST",
        members=True,
        expected=(409,),
        crowd=not_grabbed,
        prepare=grab_prepare,
        check=grab_checks,
    ),
]
# The batch jobs (bench/batch.py), run after the HTTP scenarios: name -> (batch module, args) -> its row.
BATCH = {
    "settlement 1,000,000": lambda batch, args: batch.settlement(rows=args.batch_rows),
    "CRM segment count": lambda batch, args: batch.segment_count(members=args.batch_members),
}


# --- Running ---------------------------------------------------------------------------------


def run_scenario(scenario: Scenario, shop, server: harness.Server, args) -> dict:
    members = _member_files(scenario, shop) if scenario.members else {}
    targets = {"ours": scenario.ours(shop), "limit": scenario.limit(shop)}
    cookies = {side: members.get(side) for side in SIDES}
    queries = {
        side: harness.sample_queries(
            server.base,
            targets[side],
            method=scenario.method,
            cookies=cookies[side],
            count=SAMPLED,
            content_type=scenario.content_type,
        )
        for side in SIDES
    }
    warmed = bool(args.warmup) and not scenario.once
    if warmed:
        for side in SIDES:
            # From the other end of the members: a warm-up's check-in or grab would turn the
            # load's first requests into "already done".
            harness.load(
                server.base,
                targets[side][::-1],
                cookies=members.get(f"{side} backwards"),
                seconds=args.warmup,
                **_sending(scenario, args),
            )
    state = scenario.prepare(shop) if scenario.prepare else None
    sides = {}
    for side in SIDES:
        figures = _load(scenario, shop, server, args, targets[side], cookies[side])
        figures["queries"] = queries[side]
        figures["errors"] = harness.errors_of(figures, scenario.expected)
        figures["in_flight"] = args.connections * (2 if warmed else 1)  # a request a connection, at most, at each wrk's end
        sides[side] = figures
    checks = scenario.check(shop, sides, state) if scenario.check else {}
    ours, limit = sides["ours"], sides["limit"]
    ratio = ours["rps"] / limit["rps"] if limit["rps"] else 0.0
    return {
        "name": scenario.name,
        "method": scenario.method,
        "floor": scenario.floor,
        "ratio": ratio,
        "checks": checks,
        "ok": ratio >= scenario.floor and ours["errors"] == 0 and limit["errors"] == 0 and all(checks.values()),
        "ours": ours,
        "limit": limit,
    }


def _sending(scenario: Scenario, args) -> dict:
    return {
        "method": scenario.method,
        "connections": args.connections,
        "content_type": scenario.content_type,
        "refusal": scenario.refusal,
    }


def _load(scenario: Scenario, shop, server: harness.Server, args, targets: list[str], cookies: Path | None) -> dict:
    if not scenario.once:
        return harness.load(
            server.base,
            targets,
            cookies=cookies,
            seconds=args.seconds,
            max_requests=args.max_requests,
            **_sending(scenario, args),
        )
    # The counted requests took the last targets; those in flight at the bound take the next ones.
    unused = len(targets) - SAMPLED - args.connections
    count = scenario.requests(shop) if scenario.requests else min(args.max_requests, unused)
    if count > unused:
        raise SystemExit(f"{scenario.name}: {count:,} requests a side, but only {unused:,} targets: seed more members")
    return harness.load(
        server.base,
        targets,
        cookies=cookies,
        seconds=UNTIMED if scenario.requests else args.seconds,
        max_requests=count,
        **_sending(scenario, args),
    )


@functools.cache
def run_directory() -> Path:
    """This run's own files (the members' cookie lines): two suites may run at once."""
    return Path(tempfile.mkdtemp(prefix="micromall_bench_"))


_cookies_written: dict[str, Path] = {}


def _cookie_files(shop) -> dict[str, Path]:
    """Logged-in sessions for the first SESSIONS members, split in two disjoint halves: our
    endpoint's and its limit's requests never come from the same member."""
    if not _cookies_written:
        everyone = run_directory() / "cookies"
        sessions([shop.member_ids[i] for i in range(_halves(shop)[1].stop)], everyone)
        lines = everyone.read_text().splitlines()
        for side, half in zip(SIDES, _halves(shop), strict=True):
            _cookies_written.update(_side_files("cookies", side, lines[half.start : half.stop]))
    return _cookies_written


def _member_files(scenario: Scenario, shop) -> dict[str, Path]:
    """The scenario's members: each half, or those of it who can still act (the crowd; all of
    them again when none can)."""
    files = _cookie_files(shop)
    if not scenario.crowd:
        return files
    chosen = {}
    for n, side in enumerate(SIDES):
        members = side_members(shop, n)
        able = scenario.crowd(shop, n, members)
        lines = files[side].read_text().splitlines()
        crowd = [line for member, line in zip(members, lines, strict=True) if member in able]
        chosen.update(_side_files(scenario.name.replace(" ", "_"), side, crowd or lines))
    return chosen


def _side_files(name: str, side: str, lines: list[str]) -> dict[str, Path]:
    """A side's cookie lines, forwards for the load and backwards for the warm-up."""
    files = {}
    for key, order in ((side, 1), (f"{side} backwards", -1)):
        path = run_directory() / f"{name}.{key.replace(' ', '.')}"
        path.write_text("\n".join(lines[::order]) + "\n")
        files[key] = path
    return files


def chosen(name: str, only: list[str]) -> bool:
    return not only or any(word.lower() in name.lower() for word in only)


def scenarios_chosen(only: list[str]) -> list[Scenario]:
    """The scenarios `--only` names, with those their targets come from."""
    names = {scenario.name for scenario in SCENARIOS if chosen(scenario.name, only)}
    names |= {scenario.needs for scenario in SCENARIOS if scenario.name in names and scenario.needs}
    return [scenario for scenario in SCENARIOS if scenario.name in names]


def run_batch(args) -> tuple[list[dict], list[str]]:
    """The chosen batch jobs' rows; their names instead while bench/batch.py is not there."""
    names = [name for name in BATCH if chosen(name, args.only)]
    try:
        from bench import batch
    except ModuleNotFoundError as missing:
        if missing.name != "bench.batch":
            raise
        return [], names
    return [BATCH[name](batch, args) for name in names], []


# --- The table, the files, the chart ------------------------------------------------------------


def _queries(figures: dict) -> str:
    found = [q for q in figures["queries"] if q >= 0]
    if not found:
        return "?"
    return str(min(found)) if min(found) == max(found) else f"{min(found)}–{max(found)}"


def _errors(figures: dict, expected: tuple) -> str:
    text = str(figures["errors"])
    for status in expected:
        if figures["statuses"].get(status):
            text += f" (+{figures['statuses'][status]:,} × {status})"
    return text


def verdict(result: dict) -> str:
    broken = [what for what, holds in result.get("checks", {}).items() if not holds]
    if broken:
        return "FAILED: " + "; ".join(broken)
    return "OK" if result["ok"] else "BELOW"


def _rows_per_second(figures: dict) -> float:
    return figures["rows"] / figures["seconds"] if figures["seconds"] else 0.0


def throughput(figures: dict) -> float:
    """Requests/s of an HTTP side, rows/s of a batch side."""
    return figures["rps"] if "rps" in figures else _rows_per_second(figures)


def _row(result: dict, expected: tuple) -> str:
    ours, limit = result["ours"], result["limit"]
    tail = f"**{result['ratio']:.2f}** | {result['floor']:.1f} | {verdict(result)} |"
    if result.get("kind") == "batch":
        return (
            f"| {result['name']} | {_rows_per_second(ours):,.0f} rows/s ({ours['seconds']:.2f} s) | | | | | "
            f"{_rows_per_second(limit):,.0f} rows/s ({limit['seconds']:.2f} s) | | | {tail}"
        )
    return (
        f"| {result['name']} | {ours['rps']:.0f} | {ours['p50_ms']:.0f} | {ours['p99_ms']:.0f} | {_errors(ours, expected)} | "
        f"{_queries(ours)} | {limit['rps']:.0f} | {limit['p50_ms']:.0f} | {_queries(limit)} | {tail}"
    )


def table(results: list[dict], pending: list[str] = ()) -> str:
    rows = [
        "| scenario | req/s | p50 ms | p99 ms | errors | queries/req | limit req/s | limit p50 ms | limit queries | ratio | floor | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    expected = {scenario.name: scenario.expected for scenario in SCENARIOS}
    rows += [_row(result, expected.get(result["name"], ())) for result in results]
    rows += [f"| {name} | | | | | | | | | | | not yet in the suite |" for name in pending]
    return "\n".join(rows)


def machine(args, server) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return {
        "taken_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cores": harness.CORES,
        "cpu": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "load_average_before": os.getloadavg()[0],
        "server": str(server),
        "connections": args.connections,
        "seconds": args.seconds,
        "max_requests": args.max_requests,
    }


def header(info: dict, scale: dict) -> str:
    return (
        f"{info['taken_at']}: {info['cores']} cores ({info['cpu']}), PostgreSQL {info['postgresql']}, {info['server']}, "
        f"wrk {info['connections']} connections, {info['seconds']} s or {info['max_requests']:,} requests per side; "
        f"shop: {scale['products']:,} products × 5 SKUs, {scale['members']:,} members, {scale['orders']:,} orders; "
        f"load average before: {info['load_average_before']:.2f}"
    )


def chart(results: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = [result["name"] for result in results]
    positions = range(len(results))
    figure, (speed, ratios) = pyplot.subplots(2, 1, figsize=(11, 7.5), sharex=True)
    width = 0.38
    speed.bar([p - width / 2 for p in positions], [throughput(r["ours"]) for r in results], width, label="ours", color="#d7262b")
    speed.bar(
        [p + width / 2 for p in positions],
        [throughput(r["limit"]) for r in results],
        width,
        label="limit (bare view or SQL)",
        color="#9aa4b1",
    )
    speed.set_yscale("log")  # a batch job's rows/s sit orders of magnitude above the requests/s
    speed.set_ylabel("requests/s (batch: rows/s)")
    speed.legend()
    speed.set_title(title, fontsize=9)
    colours = ["#067d3f" if r["ok"] else "#d7262b" for r in results]
    ratios.bar(list(positions), [r["ratio"] for r in results], 0.6, color=colours)
    for p, result in zip(positions, results, strict=True):
        ratios.hlines(result["floor"], p - 0.4, p + 0.4, colors="black", linestyles="dashed")
        ratios.text(p, result["ratio"] + 0.02, f"{result['ratio']:.2f}", ha="center", fontsize=8)
    ratios.set_ylabel("ours ÷ limit (dashed: floor)")
    ratios.set_ylim(0, max(1.0, *(r["ratio"] + 0.1 for r in results)))
    ratios.set_xticks(list(positions), names, rotation=20, ha="right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def save(results: list[dict], info: dict, scale: dict, out: Path, pending: list[str] = ()) -> None:
    out.mkdir(parents=True, exist_ok=True)
    title = header(info, scale)
    (out / "latest.json").write_text(
        json.dumps(
            {"machine": info, "scale": scale, "scenarios": results, "pending": list(pending)}, ensure_ascii=False, indent=1
        )
        + "\n"
    )
    (out / "latest.md").write_text(f"{title}\n\n{table(results, pending)}\n")
    if results:
        chart(results, out / "latest.png", textwrap.fill(title, 120))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="each side's load, at most (default 8)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="each side's load, at most (default 50,000)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load before each measured one (0: none)")
    parser.add_argument("--connections", type=int, default=harness.CONNECTIONS)
    parser.add_argument(
        "--shape", type=harness.Shape.parse, default=harness.Shape(), help="sync:4 (default: 2 per core), gthread:2x4 …"
    )
    parser.add_argument(
        "--port", type=int, default=8792, help="the server's (with --scale-out: the balancer's, the next three too)"
    )
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="two gunicorn instances behind HAProxy, through PgBouncer in transaction mode (bench/scale_out.py)",
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--batch-rows", type=int, default=1_000_000, help="the settlement's commissions (default 1,000,000)")
    parser.add_argument(
        "--batch-members", type=int, default=1_000_000, help="the CRM segment count's members (default 1,000,000)"
    )
    parser.add_argument("--no-seed", action="store_true", help="reuse the shop seeded by an earlier run")
    parser.add_argument("--only", nargs="*", default=[], help="scenarios whose name contains one of these words")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    try:
        run(args)
    finally:
        shutil.rmtree(run_directory(), ignore_errors=True)


def run(args) -> None:
    harness.wrk_installed()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the H5 pages name hashed static files
    started = time.perf_counter()
    if args.no_seed:
        shop = bench_shop.load()
    else:
        print(f"seeding: {args.products:,} products, {args.members:,} members, {args.orders:,} orders …", flush=True)
        shop = bench_shop.seed(products=args.products, members=args.members, orders=args.orders)
    scale = {"products": len(shop.product_ids), "members": len(shop.member_ids), "orders": bench_shop.counts()["orders"]}
    print(f"shop ready in {time.perf_counter() - started:.1f} s", flush=True)
    log = ROOT / "var" / f"bench-server-{args.port}.log"  # a port per suite running at once
    if args.scale_out:
        server = ScaleOut(args.shape, port=args.port, database_url=os.environ["DATABASE_URL"], log_directory=ROOT / "var")
    else:
        server = harness.Server(args.shape, port=args.port, log=log)
    info = machine(args, server)
    results = []
    with server:
        for scenario in scenarios_chosen(args.only):
            print(f"  {scenario.name} …", flush=True)
            results.append(run_scenario(scenario, shop, server, args))
    batch_results, pending = run_batch(args)
    results += batch_results
    print()
    print(header(info, scale))
    print()
    print(table(results, pending))
    save(results, info, scale, args.out, pending)
    print(
        f"\nsaved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}/latest.json, latest.md, latest.png; "
        f"the server's log: {'var/bench-web*.log' if args.scale_out else log.relative_to(ROOT)}; {time.perf_counter() - started:.0f} s in all"
    )
    if not all(result["ok"] for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
