"""`make bench`: every hot path against its own limit, in the same run, on the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python -m bench.suite [--seconds 10] [--only detail]

Seeds the large shop (bench/shop.py, set-based SQL; `--no-seed` reuses a seeded database),
starts gunicorn itself (bench/harness.py: `--shape sync:4` by default, two workers a core;
`gthread:2x4` for threads) serving the shop and the limits (bench/limits.py: bare views
without our middleware, bench/wsgi.py) from the same workers, then for each scenario:

- reads the SQL statements per request of a few requests (X-Queries, not under load),
- warms both sides up, then drives our endpoint and its limit with wrk (64 connections on
  loopback, bounded by `--seconds` and `--max-requests`), one after the other;
- ratio = our requests/s ÷ the limit's requests/s, held against the scenario's floor.

Prints the table and saves bench/results/latest.json, latest.md and latest.png.
Scenarios are the rows of SCENARIOS: add one with its targets, its limit's and its floor.
"""

import argparse
import json
import os
import platform
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
os.environ["RATE_LIMITS_ENABLED"] = "false"  # every client is 127.0.0.1; the server inherits this

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import harness  # noqa: E402

RESULTS = ROOT / "bench" / "results"
COOKIES = Path("/tmp/micromall_bench_suite_cookies")
PAGES = range(1, 6)


@dataclass(frozen=True)
class Scenario:
    """One row of the table: our endpoint's request targets and its limit's ("<path>" or
    "<path>\\t<JSON body>", spread over ids, pages, SKUs), how they are sent, the floor."""

    name: str
    ours: Callable  # (shop) -> list[str]
    limit: Callable  # (shop) -> list[str]
    floor: float
    method: str = "GET"
    members: bool = False  # each request as the next logged-in member (disjoint halves for the two sides)
    expected: tuple[int, ...] = ()  # answers that are not errors here (a 409 when stock runs out)


def spread(ids: list, count: int = 500) -> list:
    """Up to `count` of `ids`, evenly apart: requests spread over the catalogue."""
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def _products(shop) -> list[int]:
    return spread(shop.product_ids)


def _pages(shop, path: str) -> list[str]:
    separator = "&" if "?" in path else "?"
    return [f"{path}{separator}category={category}&page={page}" for category in shop.leaf_category_ids for page in PAGES]


def _cart_lines(shop, path: str) -> list[str]:
    return [f"{path}\t{json.dumps({'sku_id': sku, 'quantity': 1})}" for sku in spread(shop.sku_ids, 2000)]


def _orders(shop, path: str, half: int) -> list[str]:
    """One target per member of the side's half, in the cookie file's order (the n-th request
    is the n-th member's, with their default address): two lines of SKUs far apart."""
    members = _halves(shop)[half]
    skus = shop.sku_ids
    targets = []
    for n, index in enumerate(members):
        lines = [{"sku_id": skus[(n * 7) % len(skus)], "quantity": 1}, {"sku_id": skus[(n * 7 + len(skus) // 2) % len(skus)], "quantity": 1}]
        targets.append(f"{path}\t{json.dumps({'lines': lines, 'address_id': shop.address_ids[index]})}")
    return targets


def _halves(shop) -> tuple[range, range]:
    count = min(len(shop.member_ids), SESSIONS)
    return range(0, count // 2), range(count // 2, count // 2 * 2)


SCENARIOS = [
    Scenario("product detail API", lambda s: [f"/api/v1/products/{pk}" for pk in _products(s)],
             lambda s: [f"/limit/products/{pk}" for pk in _products(s)], floor=0.7),
    Scenario("product detail H5", lambda s: [f"/products/{pk}/" for pk in _products(s)],
             lambda s: [f"/limit/products/{pk}" for pk in _products(s)], floor=0.7),
    Scenario("product list API", lambda s: _pages(s, "/api/v1/products"), lambda s: _pages(s, "/limit/products"), floor=0.5),
    Scenario("product list H5", lambda s: _pages(s, "/products/"), lambda s: _pages(s, "/limit/products"), floor=0.5),
    Scenario("add to cart", lambda s: _cart_lines(s, "/api/v1/cart/items"), lambda s: _cart_lines(s, "/limit/cart/items"),
             floor=0.6, method="POST", members=True),
    Scenario("create order", lambda s: _orders(s, "/api/v1/orders", 0), lambda s: _orders(s, "/limit/orders", 1),
             floor=0.5, method="POST", members=True, expected=(409,)),
]
# Still to add as rows (their limits are in bench/limits.py): the flash sale on one hot SKU
# (1,000 units, 3,000 buyers: exactly 1,000 orders), the payment notification (signed with
# wechatpy, and replayed), check-in, wheel spin and red packet grab (bench/campaigns.py's
# invariants after the run); settlement and the CRM segment count are timed by
# bench/settlement.py and bench/crm.py.
PENDING = ["flash sale", "payment notification", "check-in", "wheel spin", "red packet grab", "settlement 1,000,000", "CRM segment count"]
SESSIONS = 20_000


def run_scenario(scenario: Scenario, shop, server: harness.Server, args) -> dict:
    cookie_files = _cookie_files(shop) if scenario.members else (None, None)
    sides = {}
    for side, targets, cookies in (("ours", scenario.ours(shop), cookie_files[0]), ("limit", scenario.limit(shop), cookie_files[1])):
        queries = harness.sample_queries(server.base, targets, method=scenario.method, cookies=cookies, count=3)
        if args.warmup:
            harness.load(server.base, targets, method=scenario.method, cookies=cookies, seconds=args.warmup,
                         connections=args.connections)
        figures = harness.load(server.base, targets, method=scenario.method, cookies=cookies, seconds=args.seconds,
                               max_requests=args.max_requests, connections=args.connections)
        figures["queries"] = queries
        figures["errors"] = harness.errors_of(figures, scenario.expected)
        sides[side] = figures
    ours, limit = sides["ours"], sides["limit"]
    ratio = ours["rps"] / limit["rps"] if limit["rps"] else 0.0
    return {"name": scenario.name, "method": scenario.method, "floor": scenario.floor, "ratio": ratio,
            "ok": ratio >= scenario.floor and ours["errors"] == 0 and limit["errors"] == 0, "ours": ours, "limit": limit}


_cookies_written: dict = {}


def _cookie_files(shop) -> tuple[Path, Path]:
    """Logged-in sessions for the first SESSIONS members, split in two disjoint halves: our
    endpoint's and its limit's requests never come from the same member."""
    if not _cookies_written:
        from bench.shop import sessions

        halves = _halves(shop)
        sessions([shop.member_ids[i] for i in range(halves[1].stop)], COOKIES)
        lines = COOKIES.read_text().splitlines()
        for n, half in enumerate(halves):
            path = COOKIES.with_suffix(f".{n}")
            path.write_text("\n".join(lines[half.start:half.stop]) + "\n")
            _cookies_written[n] = path
    return _cookies_written[0], _cookies_written[1]


# --- The table, the files, the chart ------------------------------------------------------------


def _queries(figures: dict) -> str:
    found = [q for q in figures["queries"] if q >= 0]
    if not found:
        return "?"
    return str(min(found)) if min(found) == max(found) else f"{min(found)}–{max(found)}"


def _errors(figures: dict, expected: tuple) -> str:
    expected_count = sum(figures["statuses"].get(status, 0) for status in expected)
    text = str(figures["errors"])
    return f"{text} (+{expected_count} × 409)" if expected_count else text


def table(results: list[dict]) -> str:
    rows = [
        "| scenario | req/s | p50 ms | p99 ms | errors | queries/req | limit req/s | limit p50 ms | limit queries | ratio | floor | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    expected = {scenario.name: scenario.expected for scenario in SCENARIOS}
    for result in results:
        ours, limit = result["ours"], result["limit"]
        rows.append(
            f"| {result['name']} | {ours['rps']:.0f} | {ours['p50_ms']:.0f} | {ours['p99_ms']:.0f} | "
            f"{_errors(ours, expected.get(result['name'], ()))} | {_queries(ours)} | {limit['rps']:.0f} | {limit['p50_ms']:.0f} | "
            f"{_queries(limit)} | **{result['ratio']:.2f}** | {result['floor']:.1f} | {'OK' if result['ok'] else 'BELOW'} |"
        )
    for name in PENDING:
        rows.append(f"| {name} | | | | | | | | | | | not yet in the suite |")
    return "\n".join(rows)


def machine(args, shape: harness.Shape) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {
        "taken_at": datetime.now().astimezone().isoformat(timespec="seconds"), "cores": harness.CORES, "cpu": model,
        "platform": platform.platform(), "python": platform.python_version(), "postgresql": postgres,
        "load_average_before": os.getloadavg()[0], "server": str(shape), "connections": args.connections,
        "seconds": args.seconds, "max_requests": args.max_requests,
    }


def header(info: dict, scale: dict) -> str:
    return (f"{info['taken_at']}: {info['cores']} cores ({info['cpu']}), PostgreSQL {info['postgresql']}, gunicorn {info['server']}, "
            f"wrk {info['connections']} connections, {info['seconds']} s or {info['max_requests']:,} requests per side; "
            f"shop: {scale['products']:,} products × 5 SKUs, {scale['members']:,} members, {scale['orders']:,} orders; "
            f"load average before: {info['load_average_before']:.2f}")


def chart(results: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = [result["name"] for result in results]
    positions = range(len(results))
    figure, (throughput, ratios) = pyplot.subplots(2, 1, figsize=(10, 7.5), sharex=True)
    width = 0.38
    throughput.bar([p - width / 2 for p in positions], [r["ours"]["rps"] for r in results], width, label="ours", color="#d7262b")
    throughput.bar([p + width / 2 for p in positions], [r["limit"]["rps"] for r in results], width, label="limit (bare view)", color="#9aa4b1")
    throughput.set_ylabel("requests/s")
    throughput.legend()
    throughput.set_title(title, fontsize=9)
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


def save(results: list[dict], info: dict, scale: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    title = header(info, scale)
    (out / "latest.json").write_text(json.dumps({"machine": info, "scale": scale, "scenarios": results, "pending": PENDING},
                                                ensure_ascii=False, indent=1) + "\n")
    (out / "latest.md").write_text(f"{title}\n\n{table(results)}\n")
    chart(results, out / "latest.png", textwrap.fill(title, 120))


# --- Running ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="each side's load, at most (default 10)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="each side's load, at most (default 50,000)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load before each measured one (0: none)")
    parser.add_argument("--connections", type=int, default=harness.CONNECTIONS)
    parser.add_argument("--shape", type=harness.Shape.parse, default=harness.Shape(), help="sync:4 (default: 2 per core), gthread:2x4 …")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--no-seed", action="store_true", help="reuse the shop seeded by an earlier run")
    parser.add_argument("--only", nargs="*", default=[], help="scenarios whose name contains one of these words")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from bench import shop as bench_shop

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
    scenarios = [s for s in SCENARIOS if not args.only or any(word.lower() in s.name.lower() for word in args.only)]
    info = machine(args, args.shape)
    results = []
    log = ROOT / "var" / "bench-server.log"
    with harness.Server(args.shape, port=args.port, log=log) as server:
        for scenario in scenarios:
            print(f"  {scenario.name} …", flush=True)
            results.append(run_scenario(scenario, shop, server, args))
    print()
    print(header(info, scale))
    print()
    print(table(results))
    save(results, info, scale, args.out)
    print(f"\nsaved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}/latest.json, latest.md, latest.png; "
          f"the server's log: {log.relative_to(ROOT)}")
    if not all(result["ok"] for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
