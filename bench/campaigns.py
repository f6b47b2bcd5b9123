"""Benchmark: check-in, spin and grab over HTTP, 64 concurrent clients, gunicorn and
PostgreSQL, each held against a bare view that runs only its one unavoidable statement
(the INSERT … ON CONFLICT, the guarded stock UPDATE, the share claim) in the same run.

Usage (a PostgreSQL database this script may fill; Redis for the cache and the broker; wrk
from Debian's package):

    createdb -h 127.0.0.1 -U postgres micromall_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python bench/campaigns.py [--seconds 10]

Every request comes from a different member (their own session and CSRF token), so a
check-in inserts, a grab claims. Rate limits are switched off for the run
(RATE_LIMITS_ENABLED=false): every client shares 127.0.0.1. After each run the invariants
are checked: one check-in per member and day with its points, prize stock never below
zero and equal to the wins, each share claimed once, amounts adding up.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.shop import empty, members, sessions  # noqa: E402
from campaigns.models import (  # noqa: E402
    Campaign,
    Checkin,
    CheckinSetup,
    PacketDelivery,
    PacketShare,
    RedPacket,
    Reward,
    Spin,
    SplitMode,
    Wheel,
    WheelPrize,
)
from campaigns.services.packets import MAX_SHARES, red_packet_create  # noqa: E402
from members.models import PointsEntry  # noqa: E402

PORT = 8791
CONNECTIONS = 64
WRK_THREADS = 2
# Sync workers, two per core: each request is short and database-bound, threads only add contention.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1)))
COOKIES = Path("/tmp/micromall_bench_cookies")


def fill(count: int) -> dict:
    empty()  # a database of its own: the shop's tables go whole (bench/shop.py seeds the large shop in them)
    ids = members(count)
    now = timezone.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=1)}
    checkin = Campaign.objects.create(title="压测签到", play="checkin", **window)
    CheckinSetup.objects.create(campaign=checkin, daily_reward=Reward.objects.create(kind="points", points=5))
    wheel = Wheel.objects.create(campaign=Campaign.objects.create(title="压测转盘", play="wheel", **window), spins_per_day=10_000)
    prize = WheelPrize.objects.create(wheel=wheel, name="大奖", kind="points", points=100, weight=1, stock=200, position=0)
    WheelPrize.objects.create(wheel=wheel, name="谢谢参与", kind="none", weight=9, position=1)
    bare_prize = WheelPrize.objects.create(wheel=wheel, name="对照", kind="none", weight=1, stock=200, position=2)
    packet_campaign = Campaign.objects.create(title="压测红包", play="red_packet", **window)
    packets = [packet(packet_campaign, title) for title in ("压测红包", "对照红包")]
    return {"ids": ids, "checkin": checkin, "wheel": wheel, "prize": prize, "bare_prize": bare_prize, "packets": packets}


def packet(campaign: Campaign, title: str) -> RedPacket:
    """As big a packet as the shop lets an operator make, split equally into balance shares."""
    return red_packet_create(
        campaign=campaign, title=title, total_fen=MAX_SHARES * 88 + 7, shares=MAX_SHARES, split=SplitMode.EQUAL,
        delivers=PacketDelivery.BALANCE, expires_at=timezone.now() + timedelta(days=1),
    )


def serve() -> subprocess.Popen:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "RATE_LIMITS_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=environment, start_new_session=True,
    )
    for _ in range(100):
        try:
            subprocess.run(["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{PORT}/api/v1/categories"], check=True)
            return server
        except subprocess.CalledProcessError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def load(path: str, cookies: Path, seconds: int) -> dict:
    environment = {**os.environ, "BENCH_COOKIES": str(cookies), "BENCH_THREADS": str(WRK_THREADS)}
    result = subprocess.run(
        ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "-s", str(ROOT / "bench/wrk_post.lua"),
         f"http://127.0.0.1:{PORT}{path}"],
        env=environment, capture_output=True, text=True, check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def split(lines: list[str], parts: int) -> list[Path]:
    """Disjoint member ranges, so the real and the bare run never touch the same rows."""
    size = len(lines) // parts
    paths = []
    for n in range(parts):
        path = COOKIES.with_suffix(f".{n}")
        path.write_text("\n".join(lines[n * size:(n + 1) * size]) + "\n")
        paths.append(path)
    return paths


def check(data: dict, runs: dict) -> list[str]:
    """The invariants, after the crowd: what each endpoint may never do."""
    problems = []
    day = timezone.localdate()
    checkins = Checkin.objects.filter(day=day)
    if checkins.values("member").annotate(n=Count("id")).filter(n__gt=1).exists():
        problems.append("a member checked in twice")
    real_checkins = checkins.filter(campaign=data["checkin"]).exclude(created_at__isnull=True).count()
    rewarded = PointsEntry.objects.filter(reason="checkin").count()
    if rewarded > real_checkins:
        problems.append(f"{rewarded} check-in rewards for {real_checkins} check-ins")
    for prize in (data["prize"], data["bare_prize"]):
        prize.refresh_from_db()
        if prize.given > prize.stock:
            problems.append(f"{prize.name}: {prize.given} given of {prize.stock}")
    won = Spin.objects.filter(prize=data["prize"]).count()
    if won != data["prize"].given:
        problems.append(f"大奖 won {won} times but stock says {data['prize'].given}")
    for red in data["packets"]:
        red.refresh_from_db()
        claimed = PacketShare.objects.filter(packet=red, member__isnull=False)
        if claimed.values("member").annotate(n=Count("id")).filter(n__gt=1).exists():
            problems.append(f"{red.title}: someone grabbed twice")
        total = PacketShare.objects.filter(packet=red).aggregate(s=Sum("amount_fen"))["s"]
        if total != red.total_fen:
            problems.append(f"{red.title}: shares add up to {total}, not {red.total_fen}")
    grabbed = PacketShare.objects.filter(packet=data["packets"][0], member__isnull=False).count()
    # wrk stops counting with requests still in flight (at most one per connection); the server finishes them.
    if not runs["grab"]["ok"] <= grabbed <= runs["grab"]["ok"] + CONNECTIONS:
        problems.append(f"{grabbed} shares claimed for {runs['grab']['ok']} successful grabs")
    if data["packets"][0].shares_left != data["packets"][0].shares - grabbed:
        problems.append("shares_left does not match the claimed shares")
    return problems


def wrk_installed() -> None:
    """wrk comes from Debian's package; installed here when missing (as root)."""
    if shutil.which("wrk"):
        return
    print("installing wrk …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                   stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    wrk_installed()
    call_command("migrate", verbosity=0)
    print(f"filling: {args.members} members with sessions, a check-in, a wheel, two packets of {MAX_SHARES} shares …", flush=True)
    data = fill(args.members)
    sessions(data["ids"], COOKIES)
    real_half, bare_half = split(COOKIES.read_text().splitlines(), 2)
    wheel, bare_prize = data["wheel"], data["bare_prize"]
    real_packet, bare_packet = data["packets"]
    scenarios = [
        ("check-in", "/api/v1/checkin", real_half, f"/bench/bare/checkin?campaign={data['checkin'].pk}", bare_half),
        ("spin", f"/api/v1/wheels/{wheel.pk}/spin", real_half, f"/bench/bare/spin/{bare_prize.pk}", bare_half),
        ("grab", f"/api/v1/red-packets/{real_packet.pk}/grab", real_half, f"/bench/bare/grab/{bare_packet.pk}", bare_half),
    ]
    server = serve()
    runs, table = {}, []
    try:
        for name, path, cookies, bare_path, bare_cookies in scenarios:
            real = load(path, cookies, args.seconds)
            bare = load(bare_path, bare_cookies, args.seconds)
            runs[name.replace("check-in", "checkin")] = real
            table.append((name, real, bare))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print()
    print(f"{CONNECTIONS} concurrent clients, {args.seconds} s each, gunicorn {WORKERS} sync workers, PostgreSQL, one member per request")
    print()
    print("| endpoint | req/s | p50 ms | p99 ms | 2xx | 409 | other | bare req/s | bare p50 ms | bare p99 ms | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, real, bare in table:
        print(f"| {name} | {real['rps']:.0f} | {real['p50_ms']:.1f} | {real['p99_ms']:.1f} | {real['ok']} | {real['conflict']} | "
              f"{real['other'] + real['socket_errors']} | {bare['rps']:.0f} | {bare['p50_ms']:.1f} | {bare['p99_ms']:.1f} | "
              f"{real['rps'] / bare['rps']:.2f} |")
    problems = check(data, runs)
    print()
    print("invariants: " + ("all hold" if not problems else "; ".join(problems)))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
