"""The suite's bookkeeping, without a database: which scenarios `--only` runs, the batch jobs'
rows (or their place while bench/batch.py is missing), the table and the chart with both
kinds of rows, and what counts as an error."""

import shutil
import sys
from argparse import Namespace
from types import SimpleNamespace

from bench import harness, suite

HTTP_ROW = {
    "name": "check-in", "method": "POST", "floor": 0.6, "ratio": 0.75, "ok": True, "checks": {"ours: 10 check-ins for 10 answers": True},
    "ours": {"rps": 300.0, "p50_ms": 200.0, "p99_ms": 400.0, "statuses": {201: 10, 409: 4}, "errors": 0, "queries": [3, 3]},
    "limit": {"rps": 400.0, "p50_ms": 150.0, "p99_ms": 300.0, "statuses": {201: 20}, "errors": 0, "queries": [1]},
}
BATCH_ROW = {
    "name": "settlement 2,000", "kind": "batch", "floor": 0.5, "ratio": 0.4, "ok": False,
    "ours": {"seconds": 2.0, "rows": 2000}, "limit": {"seconds": 0.8, "rows": 2000}, "checks": {"the books balance": False},
}


def test_only_runs_the_named_scenarios_and_those_their_targets_come_from():
    assert [s.name for s in suite.scenarios_chosen(["replayed"])] == ["payment notification", "payment notification replayed"]
    assert [s.name for s in suite.scenarios_chosen(["flash", "grab"])] == ["flash sale", "red packet grab"]
    assert len(suite.scenarios_chosen([])) == len(suite.SCENARIOS)


def test_the_batch_jobs_run_when_chosen_and_wait_as_pending_while_their_module_is_missing(monkeypatch):
    args = Namespace(only=["settlement"], batch_rows=2000, batch_members=500)
    asked = []
    fake = SimpleNamespace(settlement=lambda rows: asked.append(rows) or BATCH_ROW, segment_count=lambda members: asked.append(members))
    monkeypatch.setitem(sys.modules, "bench.batch", fake)
    monkeypatch.setattr("bench.batch", fake, raising=False)
    assert suite.run_batch(args) == ([BATCH_ROW], []) and asked == [2000]

    monkeypatch.setitem(sys.modules, "bench.batch", None)  # as if bench/batch.py were not there
    monkeypatch.delattr("bench.batch", raising=False)
    assert suite.run_batch(args) == ([], ["settlement 1,000,000"])
    assert suite.run_batch(Namespace(only=["flash"])) == ([], [])


def test_the_table_shows_requests_and_rows_per_second_and_names_a_broken_invariant():
    rows = suite.table([HTTP_ROW, BATCH_ROW], ["CRM segment count"]).splitlines()

    assert rows[2] == ("| check-in | 300 | 200 | 400 | 0 (+4 × 409) | 3 | 400 | 150 | 1 | **0.75** | 0.6 | OK |")
    assert rows[3] == ("| settlement 2,000 | 1,000 rows/s (2.00 s) | | | | | 2,500 rows/s (0.80 s) | | | **0.40** | 0.5 | "
                       "FAILED: the books balance |")
    assert rows[4] == "| CRM segment count | | | | | | | | | | | not yet in the suite |"


def test_the_chart_draws_both_kinds_of_rows(tmp_path):
    suite.chart([HTTP_ROW, BATCH_ROW], tmp_path / "chart.png", "a title")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_a_refusal_inside_a_2xx_and_an_unexpected_status_are_errors_an_expected_409_is_not():
    figures = {"statuses": {200: 10, 409: 3, 500: 1}, "refused": 2, "socket_error_count": 1}
    assert harness.errors_of(figures, expected=(409,)) == 1 + 2 + 1


def test_each_run_keeps_its_files_in_a_directory_of_its_own():
    suite.run_directory.cache_clear()
    first = suite.run_directory()
    suite.run_directory.cache_clear()
    second = suite.run_directory()
    try:
        assert first != second and first.is_dir() and second.is_dir()
    finally:
        for directory in (first, second):
            shutil.rmtree(directory)
        suite.run_directory.cache_clear()
