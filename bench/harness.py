"""The benchmark's machinery: a gunicorn it starts and stops itself (bench/wsgi.py: the shop
and the limits in the same workers), wrk bounded in time and in request count driving a
list of request targets through bench/wrk.lua, and a few counted requests to read the
queries per request from the X-Queries header (bench/middleware.py) outside the load.

No Django here: the suite and the tests import it before or without setting Django up.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1
CONNECTIONS = 64
WRK_THREADS = 2
LUA = ROOT / "bench" / "wrk.lua"
THREAD_DONE = "bench: thread done"  # wrk.lua's line when a thread has its share of answers
JSON = "application/json"


@dataclass(frozen=True)
class Shape:
    """How gunicorn runs: worker processes, threads in each, worker class."""

    workers: int = 2 * CORES
    threads: int = 1
    worker_class: str = "sync"

    def __str__(self) -> str:
        threads = f" × {self.threads} threads" if self.threads > 1 else ""
        return f"{self.worker_class} {self.workers} workers{threads}"

    @classmethod
    def parse(cls, text: str) -> "Shape":
        """ "sync:4", "gthread:2x4" (workers × threads)."""
        worker_class, _, size = text.partition(":")
        workers, _, threads = size.partition("x")
        return cls(workers=int(workers or 2 * CORES), threads=int(threads or 1), worker_class=worker_class or "sync")


class Server:
    """gunicorn serving bench.wsgi on 127.0.0.1:port, as a context manager: up when entered
    (the first request answered), stopped with its whole process group when left."""

    def __init__(self, shape: Shape = Shape(), port: int = 8792, environment: dict | None = None, log: Path | None = None):
        self.shape, self.port, self.log = shape, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "RATE_LIMITS_ENABLED": "false",  # every client is 127.0.0.1
            "LOG_LEVEL": "WARNING",
            **(environment or {}),
        }
        self.process: subprocess.Popen | None = None

    def __str__(self) -> str:
        return f"gunicorn {self.shape}"

    def __enter__(self) -> "Server":
        if _answers(self.port):
            # Our gunicorn would fail to bind and the readiness probe below would be answered
            # by whatever holds the port: a run measuring someone else's server.
            raise RuntimeError(f"127.0.0.1:{self.port} is taken (another suite, or a server left behind): choose --port")
        command = [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.shape.workers),
            "--threads",
            str(self.shape.threads),
            "--worker-class",
            self.shape.worker_class,
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        output = None
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            output = self.log.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment, start_new_session=True, stdout=output, stderr=output
        )
        if output:
            output.close()  # the server holds its own copy
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base}/limit/products?category=0", timeout=5):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not come up in 30 s")

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=30)


def stop(process: subprocess.Popen | None, *, timeout: float) -> None:
    """A server started in its own process group, and everything it started: TERM, then KILL."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wrk_installed() -> None:
    """wrk comes from Debian's package; installed here when missing (as root)."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("the benchmark needs wrk: sudo apt-get install wrk")
    print("installing wrk …", flush=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )


def _targets_file(targets: list[str]) -> Path:
    handle = tempfile.NamedTemporaryFile("w", prefix="bench_targets_", suffix=".txt", delete=False)
    with handle:
        handle.write("\n".join(targets) + "\n")
    return Path(handle.name)


def load(
    base: str,
    targets: list[str],
    *,
    method: str = "GET",
    cookies: Path | None = None,
    seconds: float = 10,
    max_requests: int = 0,
    connections: int = CONNECTIONS,
    threads: int = WRK_THREADS,
    content_type: str = JSON,
    refusal: str = "",
) -> dict:
    """One wrk run: `connections` clients for `seconds` or until `max_requests` answers (0: no
    bound), whichever comes first; at the bound up to a request per connection is still in
    flight (sent, finished by the server, not counted). Request n is target n of `targets`
    ("<path>" or "<path>\\t<body>", round again when they run out) as member n of `cookies`.
    Returns requests, seconds, rps, p50_ms, p99_ms, statuses, ok (2xx), refused (2xx whose
    body holds `refusal`), socket errors, connections; `errors_of` counts the errors by the
    caller's rules."""
    targets_path = _targets_file(targets)
    environment = {
        **os.environ,
        "BENCH_TARGETS": str(targets_path),
        "BENCH_METHOD": method,
        "BENCH_COOKIES": str(cookies or ""),
        "BENCH_THREADS": str(threads),
        "BENCH_MAX": str(max_requests),
        "BENCH_CONTENT_TYPE": content_type,
        "BENCH_REFUSAL": refusal,
    }
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        base,
    ]
    try:
        output = _run_wrk(command, environment, threads)
    finally:
        targets_path.unlink(missing_ok=True)
    figures = json.loads(output.strip().splitlines()[-1])
    figures["statuses"] = {int(status): count for status, count in figures["statuses"].items()}
    figures["rps"] = figures["requests"] / figures["seconds"] if figures["seconds"] else 0.0
    figures["ok"] = sum(count for status, count in figures["statuses"].items() if 200 <= status < 300)
    figures["socket_error_count"] = sum(figures["socket_errors"].values())
    figures["connections"] = connections
    return figures


def _run_wrk(command: list[str], environment: dict, threads: int) -> str:
    """wrk's output. wrk sleeps its whole duration even when every thread has stopped at the
    request bound; once each has said so, SIGINT ends that wait (wrk's own Ctrl-C), so the run
    lasts as long as its requests and its figures are per second of them."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, finished = [], 0
    for line in process.stdout:
        lines.append(line)
        if line.startswith(THREAD_DONE):
            finished += 1
            if finished == threads:
                process.send_signal(signal.SIGINT)
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, command, "".join(lines))
    return "".join(lines)


def errors_of(figures: dict, expected: tuple[int, ...] = ()) -> int:
    """Answers that are neither 2xx nor an expected status, refusals inside a 2xx, socket errors."""
    unexpected = sum(count for status, count in figures["statuses"].items() if not 200 <= status < 300 and status not in expected)
    return unexpected + figures.get("refused", 0) + figures["socket_error_count"]


def sample_queries(
    base: str, targets: list[str], *, method: str = "GET", cookies: Path | None = None, count: int = 5, content_type: str = JSON
) -> list[int]:
    """SQL statements per request for the last `count` targets, one request at a time with
    the query counter asked for (X-Count-Queries), each as one of the last members of `cookies`."""
    members = [line.split() for line in cookies.read_text().splitlines() if line.strip()] if cookies else []
    found = []
    for n in range(min(count, len(targets))):
        # From the end (the load starts at the beginning), target and member paired as the
        # load pairs them when the two lists are as long as each other.
        path, _, body = targets[-1 - n].partition("\t")
        headers = {"X-Count-Queries": "1"}
        if members:
            session, csrf = members[-1 - n]
            headers.update({"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf})
        if body:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(base + path, data=body.encode() if body else None, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                found.append(int(response.headers.get("X-Queries", -1)))
        except urllib.error.HTTPError as answer:
            found.append(int(answer.headers.get("X-Queries", -1)))
    return found


def as_dict(shape: Shape) -> dict:
    return asdict(shape)
