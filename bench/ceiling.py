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
from bench.suite import RESULTS, SCENARIOS, chosen, not_checked_in, order_targets  # noqa: E402


def _limit_targets(scenario):
    """A side's targets: the limit's, under the side's prefix (none depends on who sends it)."""
    return lambda shop, prefix, indexes: [target.replace("/limit/", prefix, 1) for target in scenario.limit(shop)]


def _order_targets(shop, prefix: str, indexes: list[int]) -> list[str]:
    return order_targets(shop, f"{prefix}orders", indexes)  # each member's order to their own address


# The scenarios a ceiling is served for (bench/urls.py): who may still play, and each side's
# targets (shop, URL prefix, indexes of its members) -> targets, None for the limit's own.
CEILINGS = {
    "add to cart": (None, None),
    "create order": (None, _order_targets),
    "check-in": (not_checked_in, None),
    "wheel spin": (None, None),  # three spins a member a day: each member spins once here
}
WARM_UP = 1_000  # members a side whose requests go first, unmeasured: every worker's code and statements warm
SIDES = {"limit": "/limit/", "plain": "/plain/", "ceiling": "/ceiling/"}  # each side's URL prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="words of the scenarios' names")
    # Bounded by time: the members a side outlast it (at 1,800 requests/s), so every side runs
    # the same seconds whatever its speed.
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--members", type=int, default=6_600, help="members a side and scenario (each plays once)")
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args()
    shop = bench_shop.load()
    scenarios = [scenario for scenario in SCENARIOS if scenario.name in CEILINGS and chosen(scenario.name, args.only)]
    ours = _our_ratios()
    members = iter(_members_from_the_end(shop, len(scenarios) * len(SIDES), args.members))
    rows = []
    with harness.Server(port=args.port) as server, tempfile.TemporaryDirectory() as directory:
        for scenario in scenarios:
            figures = {side: _side(scenario, shop, server, side, next(members), Path(directory), args.seconds) for side in SIDES}
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


def _side(scenario, shop, server, side: str, indexes: list[int], directory: Path, seconds: float) -> dict:
    """One side's load: its first WARM_UP members unmeasured, then the rest for `seconds`,
    those who can still play only."""
    able, targets = CEILINGS[scenario.name]
    targets = targets or _limit_targets(scenario)
    if able:
        playable = able(shop, 1, [shop.member_ids[index] for index in indexes])  # as the suite's limit side
        indexes = [index for index in indexes if shop.member_ids[index] in playable]
    if len(indexes) < 2 * WARM_UP:
        raise SystemExit(f"{scenario.name}: {len(indexes):,} members can still play: run it on a fresh seed")
    figures = {}
    for part, chosen_indexes in (("warm-up", indexes[:WARM_UP]), ("load", indexes[WARM_UP:])):
        cookies = directory / f"{scenario.name}.{side}.{part}"
        bench_shop.sessions([shop.member_ids[index] for index in chosen_indexes], cookies)
        figures[part] = harness.load(
            server.base,
            targets(shop, SIDES[side], chosen_indexes),
            method=scenario.method,
            cookies=cookies,
            seconds=seconds if part == "load" else 1,
            max_requests=len(chosen_indexes),
            content_type=scenario.content_type,
        )
    return figures["load"]


def _members_from_the_end(shop, groups: int, size: int) -> list[list[int]]:
    """`groups` disjoint lists of `size` members (their indexes in the seed's list), taken
    from the end of the seeded members."""
    count = len(shop.member_ids)
    if groups * size > count:
        raise SystemExit(f"{groups} × {size:,} members wanted, {count:,} seeded: lower --members")
    return [list(range(count - (n + 1) * size, count - n * size)) for n in range(groups)]


def _our_ratios() -> dict[str, float]:
    latest = RESULTS / "latest.json"
    if not latest.exists():
        return {}
    return {row["name"]: row["ratio"] for row in json.loads(latest.read_text()).get("scenarios", [])}


if __name__ == "__main__":
    main()
