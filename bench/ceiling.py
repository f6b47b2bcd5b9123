"""The ceiling of a member's scenario: how close to its limit any endpoint of the shop can come.

    scripts/bench --ceiling [--only spin] [--seconds 5]

A limit (bench/limits.py) is served bare. Its ceiling is the same view, running the same SQL
and nothing else, served as the shop serves its API: behind the shop's middleware, as a DRF
APIView with the shop's authentication (the session and the member's row), CSRF check,
permissions, throttles and renderer (limits.ceiling, under /ceiling/); and, for the API one
might write without DRF, behind the middleware only (limits.ceiling_without_drf, /plain/).
They are loaded one after the other on the same gunicorn, each by members of its own who have
not yet played today, and each ceiling's ratio printed: what the framework leaves to a
scenario's own work before our code runs at all. Beside them, our endpoint's ratio from the
last full run (bench/results/latest.json), when there is one.

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
SIDES = {"limit": "/limit/", "plain": "/plain/", "ceiling": "/ceiling/"}  # each side's URL prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="words of the scenarios' names")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--members", type=int, default=8_000, help="members a side and scenario (each plays once)")
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
            figures = {}
            for side, prefix in SIDES.items():
                able = CEILINGS[scenario.name]
                crowd = next(members)
                if able:
                    playable = able(shop, 1, crowd)  # as the suite's limit side (no spins, the bare packet)
                    crowd = [member for member in crowd if member in playable]
                cookies = Path(directory) / f"{scenario.name}.{side}"
                bench_shop.sessions(crowd, cookies)
                figures[side] = harness.load(
                    server.base,
                    [target.replace("/limit/", prefix, 1) for target in limit],
                    method=scenario.method,
                    cookies=cookies,
                    seconds=args.seconds,
                    max_requests=len(crowd),
                    content_type=scenario.content_type,
                )
            rows.append((scenario, {side: figures[side]["rps"] for side in SIDES}))
            print(f"  {scenario.name}: answers " + ", ".join(f"{side} {figures[side]['statuses']}" for side in SIDES))
    print("\n| scenario | limit req/s | middleware only req/s | ratio | middleware + DRF req/s | ratio | ours (last full run) | floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario, rps in rows:
        shown = f"{ours[scenario.name]:.2f}" if scenario.name in ours else "–"
        print(
            f"| {scenario.name} | {rps['limit']:,.0f} | {rps['plain']:,.0f} | **{rps['plain'] / rps['limit']:.2f}** "
            f"| {rps['ceiling']:,.0f} | **{rps['ceiling'] / rps['limit']:.2f}** | {shown} | {scenario.floor} |"
        )


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
