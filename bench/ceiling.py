"""The ceiling of a member's scenario: how close to its limit any endpoint of the shop can come.

    scripts/bench --ceiling [--only spin] [--seconds 5]

A limit (bench/limits.py) is served bare. Its ceiling is the same view, running the same SQL
and nothing else, served as the shop serves its API: behind the shop's middleware, as a DRF
APIView with the shop's authentication (the session and the member's row), CSRF check,
permissions, throttles and renderer (limits.ceiling, under /ceiling/). The two are loaded one
after the other on the same gunicorn, each by members of its own who have not yet played
today, and the ceiling's ratio printed: what the framework leaves to a scenario's own work
before our code runs at all. Beside it, our endpoint's ratio from the last full run
(bench/results/latest.json), when there is one.

It plays for real (check-ins, spins, claims, cart lines) as members from the end of the
seeded list, whom the suite's scenarios do not log in; run it on a fresh seed, after `make
bench` or on its own.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")

from bench import harness  # noqa: E402
from bench import shop as bench_shop  # noqa: E402
from bench.suite import RESULTS, SCENARIOS, chosen, not_checked_in  # noqa: E402

# The scenarios a ceiling is served for (bench/urls.py) and who may still play in each.
CEILINGS = {
    "add to cart": None,
    "check-in": not_checked_in,
    "wheel spin": None,  # three spins a member a day: each member spins once here
}
SIDES = ("limit", "ceiling")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="words of the scenarios' names")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--members", type=int, default=10_000, help="members a side and scenario (each plays once)")
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args()
    shop = bench_shop.load()
    scenarios = [scenario for scenario in SCENARIOS if scenario.name in CEILINGS and chosen(scenario.name, args.only)]
    ours = _our_ratios()
    members = iter(_members_from_the_end(shop, len(scenarios) * len(SIDES), args.members))
    rows = []
    with harness.Server(port=args.port) as server, tempfile.TemporaryDirectory() as directory:
        for scenario in scenarios:
            limit = scenario.limit(shop)
            targets = {"limit": limit, "ceiling": [target.replace("/limit/", "/ceiling/", 1) for target in limit]}
            figures = {}
            for side in SIDES:
                able = CEILINGS[scenario.name]
                crowd = next(members)
                if able:
                    playable = able(shop, SIDES.index(side), crowd)
                    crowd = [member for member in crowd if member in playable]
                cookies = Path(directory) / f"{scenario.name}.{side}"
                bench_shop.sessions(crowd, cookies)
                figures[side] = harness.load(
                    server.base,
                    targets[side],
                    method=scenario.method,
                    cookies=cookies,
                    seconds=args.seconds,
                    max_requests=len(crowd),
                    content_type=scenario.content_type,
                )
            limit_rps, ceiling_rps = figures["limit"]["rps"], figures["ceiling"]["rps"]
            rows.append((scenario.name, limit_rps, ceiling_rps, ceiling_rps / limit_rps, ours.get(scenario.name), scenario.floor))
            print(f"  {scenario.name}: answers {figures['ceiling']['statuses']} (ceiling), {figures['limit']['statuses']} (limit)")
    print("\n| scenario | limit req/s | ceiling req/s | ceiling ratio | ours (last full run) | floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, limit_rps, ceiling_rps, ratio, our_ratio, floor in rows:
        shown = f"{our_ratio:.2f}" if our_ratio is not None else "–"
        print(f"| {name} | {limit_rps:,.0f} | {ceiling_rps:,.0f} | **{ratio:.2f}** | {shown} | {floor} |")


def _members_from_the_end(shop, groups: int, size: int) -> list[list[int]]:
    """`groups` disjoint lists of `size` members, taken from the end of the seeded members."""
    ids = shop.member_ids[::-1]
    if groups * size > len(ids):
        raise SystemExit(f"{groups} × {size:,} members wanted, {len(ids):,} seeded: lower --members")
    return [ids[n * size : (n + 1) * size] for n in range(groups)]


def _our_ratios() -> dict[str, float]:
    latest = RESULTS / "latest.json"
    if not latest.exists():
        return {}
    return {row["name"]: row["ratio"] for row in json.loads(latest.read_text()).get("scenarios", [])}


if __name__ == "__main__":
    main()
