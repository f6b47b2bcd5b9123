"""The scale-out shape's pieces: PgBouncer in transaction mode in front of the database the
shop uses, HAProxy spreading over the instances, the instances pointed at the pooler."""

import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.scale_out import haproxy_config, installed, pooler, through_pooler
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_instances_reach_the_same_database_through_the_pooler():
    assert (
        through_pooler("postgres://postgres@127.0.0.1:5432/micromall_bench", 8795)
        == "postgres://postgres@127.0.0.1:8795/micromall_bench"
    )


def test_the_balancer_spreads_over_every_instance(tmp_path):
    config = haproxy_config(tmp_path, port=8792, backends=[8793, 8794]).read_text()
    assert "bind 127.0.0.1:8792" in config and "balance roundrobin" in config
    assert "server web1 127.0.0.1:8793" in config and "server web2 127.0.0.1:8794" in config


def test_a_transaction_through_the_pooler_reaches_the_shops_database():
    installed("pgbouncer")
    directory = Path(tempfile.mkdtemp(prefix="micromall_pooler_"))  # pytest's own is closed to the postgres user
    settings, port = connection.settings_dict, free_port()
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    with pooler(directory, port=port, database_url=url, pool_size=2):
        with psycopg.connect(through_pooler(url, port).replace("postgres://", "postgresql://")) as pooled:
            assert pooled.execute("SELECT current_database()").fetchone() == (settings["NAME"],)
        with psycopg.connect(f"postgresql://{settings['USER']}@127.0.0.1:{port}/pgbouncer", autocommit=True) as console:
            modes = {row[0]: row[1] for row in console.execute("SHOW CONFIG").fetchall()}
    shutil.rmtree(directory)
    assert modes["pool_mode"] == "transaction"
