"""The production shape on one machine (`make bench BENCH_ARGS=--scale-out`): two gunicorn
instances, each with half the workers, behind a local load balancer (HAProxy, round robin),
their database connections going through PgBouncer in transaction mode. Every request may
land on either instance and every transaction on any server connection, so a scenario whose
figures and invariants hold here relies on no process's memory and no database session
state between transactions. Limits and shop go through the same balancer and pooler: the
ratio stays a same-run comparison.

No Django here, as in harness.py: Debian's pgbouncer and haproxy are installed when missing
(as root), configured in a directory of the run's own and stopped with it.
"""

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import harness

INSTANCES = 2


def installed(*programs: str) -> None:
    """Debian's packages of these programs (named alike), installed when missing (as root)."""
    missing = [program for program in programs if not shutil.which(program) and not Path("/usr/sbin", program).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"the scale-out shape needs {' and '.join(missing)}: sudo apt-get install {' '.join(missing)}")
    print(f"installing {', '.join(missing)} …", flush=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *missing],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _program(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


class _Daemon:
    """A program run in the foreground in its own process group, up once its port answers."""

    def __init__(self, command: list[str], port: int, what: str):
        self.command, self.port, self.what = command, port, what
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        if harness._answers(self.port):
            raise RuntimeError(f"127.0.0.1:{self.port} is taken: choose another --port")
        self.process = subprocess.Popen(self.command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not harness._answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"{self.what} did not come up on 127.0.0.1:{self.port}: {' '.join(self.command)}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        harness.stop(self.process, timeout=15)


def pgbouncer_config(directory: Path, *, port: int, database_url: str, pool_size: int) -> Path:
    """Transaction pooling in front of the database of `database_url` (any database name on its server)."""
    server = urlsplit(database_url)
    user = server.username or "postgres"
    (directory / "userlist.txt").write_text(f'"{user}" ""\n')
    config = directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={server.hostname or '127.0.0.1'} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'userlist.txt'}\nstats_users = {user}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {directory / 'pgbouncer.log'}\npidfile = {directory / 'pgbouncer.pid'}\n"
    )
    return config


def pooler(directory: Path, *, port: int, database_url: str, pool_size: int) -> _Daemon:
    """PgBouncer on `port` (not started until entered), as postgres when run as root: it refuses root."""
    config = pgbouncer_config(directory, port=port, database_url=database_url, pool_size=pool_size)
    command = [_program("pgbouncer"), str(config)]
    if os.geteuid() == 0:
        for path in (directory, *directory.iterdir()):
            shutil.chown(path, "postgres")
        command[1:1] = ["-u", "postgres"]
    return _Daemon(command, port, "pgbouncer")


def haproxy_config(directory: Path, *, port: int, backends: list[int]) -> Path:
    config = directory / "haproxy.cfg"
    servers = "".join(f"    server web{n} 127.0.0.1:{backend}\n" for n, backend in enumerate(backends, 1))
    config.write_text(
        "global\n    maxconn 2048\n"
        "defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n"
        f"frontend shop\n    bind 127.0.0.1:{port}\n    default_backend web\n"
        f"backend web\n    balance roundrobin\n{servers}"
    )
    return config


def through_pooler(database_url: str, port: int) -> str:
    """The same database, reached through the pooler on 127.0.0.1:port."""
    parts = urlsplit(database_url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, f"{user}127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


class ScaleOut:
    """The shape, as a context manager with the `base` URL a harness.Server has: the balancer
    on `port`, the instances on the next ports, the pooler after them. `shape` is the whole
    machine's: each instance gets its share of the workers."""

    def __init__(self, shape: harness.Shape, *, port: int, database_url: str, log_directory: Path):
        self.shape, self.port, self.database_url, self.logs = shape, port, database_url, log_directory
        self.base = f"http://127.0.0.1:{port}"
        self._stack = ExitStack()

    def __enter__(self) -> "ScaleOut":
        installed("pgbouncer", "haproxy")
        directory = Path(tempfile.mkdtemp(prefix="micromall_scale_out_"))
        self._stack.callback(shutil.rmtree, directory, ignore_errors=True)
        pooler_port, backends = self.port + INSTANCES + 1, [self.port + n for n in range(1, INSTANCES + 1)]
        each = harness.Shape(
            workers=max(1, self.shape.workers // INSTANCES), threads=self.shape.threads, worker_class=self.shape.worker_class
        )
        try:
            self._stack.enter_context(
                pooler(
                    directory,
                    port=pooler_port,
                    database_url=self.database_url,
                    pool_size=self.shape.workers * self.shape.threads + 2,
                )
            )
            environment = {
                "DATABASE_URL": through_pooler(self.database_url, pooler_port),
                "DISABLE_SERVER_SIDE_CURSORS": "true",
                "DB_PREPARED_STATEMENTS": "false",  # Debian's PgBouncer (1.18) keeps none in transaction mode
            }
            for n, backend in enumerate(backends, 1):
                self._stack.enter_context(
                    harness.Server(each, port=backend, environment=environment, log=self.logs / f"bench-web{n}-{backend}.log")
                )
            config = haproxy_config(directory, port=self.port, backends=backends)
            self._stack.enter_context(_Daemon([_program("haproxy"), "-db", "-f", str(config)], self.port, "haproxy"))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def __str__(self) -> str:
        each = max(1, self.shape.workers // INSTANCES)
        return f"{INSTANCES} gunicorn instances × {each} {self.shape.worker_class} workers behind HAProxy, PgBouncer (transaction pooling)"
