"""One scenario of bench/suite.py in process, without HTTP: the same WSGI application the
benchmark's gunicorn serves (bench/wsgi.py), called in a loop for our endpoint and then for
its limit, each request from a member of its own. Prints the CPU and wall time a request
costs on each side and, with --profile, where ours spends it (pyinstrument, or cProfile
with a CPU clock). What the closing notes' profiles come from.

    scripts/bench --no-seed --only check   # once: the seeded micromall_bench database
    .venv/bin/python -m bench.profile check-in --requests 300 --profile pyinstrument

Requests that use something up (a check-in, a grab, an order's unpaid-order cap) take the
members from --members-from on: move it on between runs of the same day.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/micromall_bench")
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
    os.environ["RATE_LIMITS_ENABLED"] = "false"  # every request comes from one address, as under the benchmark

from bench import shop as bench_shop  # noqa: E402
from bench import suite  # noqa: E402  (sets Django up)
from bench.wsgi import application  # noqa: E402

WARM_UP = 20


def _cookies(member_ids: list[int]) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cookies"
        bench_shop.sessions(member_ids, path)
        return [tuple(line.split()) for line in path.read_text().splitlines()]


def _environ(target: str, cookie: tuple[str, str] | None, scenario: suite.Scenario) -> dict:
    path, _, body = target.partition("\t")
    path, _, query = path.partition("?")
    data = body.encode()
    environ = {
        "REQUEST_METHOD": scenario.method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8792",
        "HTTP_HOST": "127.0.0.1:8792",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": scenario.content_type,
        "HTTP_USER_AGENT": "Mozilla/5.0 MicroMessenger/8.0",
    }
    if cookie:
        environ["HTTP_COOKIE"] = f"sessionid={cookie[0]}; csrftoken={cookie[1]}"
        environ["HTTP_X_CSRFTOKEN"] = cookie[1]
    return environ


def _send(scenario, targets: list[str], cookies: list | None, count: int) -> tuple[float, float, dict[str, int]]:
    """CPU and wall milliseconds a request, and the answers' statuses."""
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status[:3]] = statuses.get(status[:3], 0) + 1

    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        for _ in application(_environ(targets[n % len(targets)], cookies[n] if cookies else None, scenario), start_response):
            pass
    return (time.process_time() - cpu) / count * 1000, (time.perf_counter() - wall) / count * 1000, statuses


def _sides(scenario, shop, count: int, first_member: int) -> dict[str, tuple[list, list | None]]:
    """Each side's targets and cookies: per-member targets (orders) keep their own members,
    in order; the others go to fresh members from `first_member` on."""
    targets = {"ours": scenario.ours(shop), "limit": scenario.limit(shop)}
    if not scenario.members:
        return {side: (targets[side], None) for side in suite.SIDES}
    if len(targets["ours"]) > 1 and scenario.method == "POST" and "orders" in targets["ours"][0]:
        start = first_member % (len(suite.side_members(shop, 0)) - count - WARM_UP)
        return {
            side: (
                targets[side][start : start + count + WARM_UP],
                _cookies(suite.side_members(shop, n)[start : start + count + WARM_UP]),
            )
            for n, side in enumerate(suite.SIDES)
        }
    ids = shop.member_ids[first_member : first_member + 2 * (count + WARM_UP)]
    half = len(ids) // 2
    return {"ours": (targets["ours"], _cookies(ids[:half])), "limit": (targets["limit"], _cookies(ids[half:]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", help="a word of the scenario's name: check-in, spin, grab, order, notification …")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--members-from", type=int, default=40_000, help="index of the first member used")
    parser.add_argument("--profile", choices=("pyinstrument", "cprofile"))
    parser.add_argument("--out", type=Path, help="where the profile goes (default: printed)")
    args = parser.parse_args()
    scenario = next(s for s in suite.SCENARIOS if args.scenario.lower() in s.name.lower())
    shop = bench_shop.load()
    if scenario.needs:  # its targets are made of that one's outcome (the replay of first deliveries)
        needed = next(s for s in suite.SCENARIOS if s.name == scenario.needs)
        for targets, cookies in _sides(needed, shop, args.requests, args.members_from).values():
            _send(needed, targets, cookies, min(len(targets), args.requests + WARM_UP))
    sides = _sides(scenario, shop, args.requests, args.members_from)
    for targets, cookies in sides.values():  # code paths, caches and connections warm
        _send(scenario, targets[-WARM_UP:], cookies[-WARM_UP:] if cookies else None, WARM_UP)
    profiler = _profiler(args.profile)
    targets, cookies = sides["ours"]
    ours = (
        _send(scenario, targets, cookies, args.requests)
        if profiler is None
        else profiler(lambda: _send(scenario, targets, cookies, args.requests), args)
    )
    limit = _send(scenario, *sides["limit"], args.requests)
    print(f"{scenario.name}, {args.requests} requests a side, in process:")
    for side, (cpu, wall, statuses) in (("ours", ours), ("limit", limit)):
        print(f"  {side:<6} CPU {cpu:6.2f} ms  wall {wall:6.2f} ms  answers {statuses}")
    print(f"  ratio (wall, limit / ours): {limit[1] / ours[1]:.2f}")


def _profiler(kind: str | None):
    if kind is None:
        return None

    def pyinstrument(run, args):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            result = run()
        _write(profiler.output_text(unicode=True, color=False), args.out)
        return result

    def cprofile(run, args):
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        result = profiler.runcall(run)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
        _write(text.getvalue(), args.out)
        return result

    return {"pyinstrument": pyinstrument, "cprofile": cprofile}[kind]


def _write(text: str, out: Path | None) -> None:
    if out:
        out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
