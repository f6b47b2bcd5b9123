"""PostgreSQL connections bind parameters on the server and prepare what they run often;
behind an old PgBouncer in transaction mode, one setting turns preparing off."""

import os
import subprocess
import sys

from django.conf import settings

from tests.helpers import requires_postgres

PRINT_OPTIONS = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"


def options_with(**environment) -> str:
    """The database options the settings give in a fresh process with these variables."""
    return subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@requires_postgres
def test_postgresql_binds_on_the_server_and_prepares_what_it_runs_often():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5


@requires_postgres
def test_preparing_can_be_turned_off_for_a_pooler_that_cannot_keep_it():
    url = {"DATABASE_URL": os.environ["DATABASE_URL"]}
    assert "'prepare_threshold': None" in options_with(**url, DB_PREPARED_STATEMENTS="false")
    assert "'prepare_threshold': 5" in options_with(**url)
