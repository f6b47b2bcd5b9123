import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from wechat.apps import check_wechat_settings
from wechat.emulator.checks import check_emulator_reachability


def ids(errors):
    return {error.id for error in errors}


def test_emulator_mode_needs_nothing(settings):
    settings.WECHAT_MODE = "emulator"
    assert check_wechat_settings(None) == []


def test_live_mode_refuses_to_start_without_credentials_or_a_secret_key(settings):
    settings.WECHAT_MODE = "live"
    settings.WECHAT_MCH_ID = ""
    settings.SITE_URL = "http://shop.example.com"
    assert ids(check_wechat_settings(None)) == {"wechat.E002", "wechat.E003", "wechat.W001", "wechat.E004"}


def test_live_mode_with_everything_set_is_fine(settings):
    settings.WECHAT_MODE = "live"
    settings.SECRET_KEY = "a-real-secret"
    settings.SITE_URL = "https://shop.example.com"
    settings.WECHAT_PAY_CERT_PATH, settings.WECHAT_PAY_KEY_PATH = "/etc/wechat/cert.pem", "/etc/wechat/key.pem"
    assert check_wechat_settings(None) == []


def test_an_unknown_mode_is_an_error(settings):
    settings.WECHAT_MODE = "sandbox"
    assert ids(check_wechat_settings(None)) == {"wechat.E001"}


# --- The emulator stays on this machine unless the operator opts in -----------------

LOCAL_DEFAULTS = ["127.0.0.1", "127.0.0.1", "localhost", "testserver"]  # what settings.py builds from the default SITE_URL


@pytest.fixture
def emulator(settings):
    settings.WECHAT_MODE = "emulator"
    settings.DEBUG = False
    settings.WECHAT_EMULATOR_ALLOW_REMOTE = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = LOCAL_DEFAULTS
    return settings


def test_the_suites_own_settings_raise_nothing():
    assert [issue for issue in checks.run_checks() if issue.id.startswith("wx_emulator")] == []


@pytest.mark.parametrize(
    "site_url, allowed_hosts",
    [
        ("http://127.0.0.1:8000", LOCAL_DEFAULTS),  # make run's defaults
        ("http://localhost:9000", ["localhost", "127.0.0.1", "testserver"]),
        ("http://127.0.0.2:8000", ["127.0.0.2", "[::1]", "::1", ".localhost", "shop.localhost"]),
        ("http://[::1]:8000", ["::1"]),
    ],
)
def test_loopback_hosts_are_fine(emulator, site_url, allowed_hosts):
    emulator.SITE_URL, emulator.ALLOWED_HOSTS = site_url, allowed_hosts
    assert check_emulator_reachability(None) == []


@pytest.mark.parametrize(
    "site_url, allowed_hosts, named",
    [
        ("http://192.168.1.5:8000", ["192.168.1.5", "127.0.0.1", "localhost", "testserver"], "192.168.1.5"),  # a LAN SITE_URL
        ("https://shop.example.com", ["shop.example.com"], "shop.example.com"),  # a public one
        ("http://127.0.0.1:8000", ["*"], "'*'"),  # any Host header at all
        ("http://127.0.0.1:8000", [*LOCAL_DEFAULTS, "shop.example.com"], "shop.example.com"),  # a loopback SITE_URL is not enough
        ("http://127.0.0.1:8000", ["0.0.0.0"], "0.0.0.0"),
    ],
)
def test_a_host_beyond_this_machine_is_an_error_with_debug_off(emulator, site_url, allowed_hosts, named):
    emulator.SITE_URL, emulator.ALLOWED_HOSTS = site_url, allowed_hosts
    issues = check_emulator_reachability(None)
    assert ids(issues) == {"wx_emulator.E001"}
    assert isinstance(issues[0], checks.Error) and named in issues[0].msg
    assert "WECHAT_EMULATOR_ALLOW_REMOTE=true" in issues[0].hint


def test_with_debug_on_it_is_a_warning(emulator):
    emulator.DEBUG = True
    emulator.SITE_URL, emulator.ALLOWED_HOSTS = "http://192.168.1.5:8000", ["192.168.1.5"]
    issues = check_emulator_reachability(None)
    assert ids(issues) == {"wx_emulator.W001"} and not issues[0].is_serious()


@pytest.mark.parametrize("debug", [False, True])
def test_the_opt_in_allows_a_lan_demo_with_a_reminder(emulator, debug):
    emulator.DEBUG = debug
    emulator.WECHAT_EMULATOR_ALLOW_REMOTE = True
    emulator.SITE_URL, emulator.ALLOWED_HOSTS = "http://192.168.1.5:8000", ["192.168.1.5", "127.0.0.1", "localhost", "testserver"]
    issues = check_emulator_reachability(None)
    assert ids(issues) == {"wx_emulator.W002"} and not issues[0].is_serious()


def test_live_mode_does_not_serve_the_emulator_so_any_host_is_fine(emulator):
    emulator.WECHAT_MODE = "live"
    emulator.SITE_URL, emulator.ALLOWED_HOSTS = "https://shop.example.com", ["shop.example.com", "*"]
    assert check_emulator_reachability(None) == []


def manage_check(**environ):
    """`manage.py check` in a fresh process, with only the given configuration set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "SITE_URL", "ALLOWED_HOSTS", "DEBUG", "DJANGO_"))}
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env={**clean, **environ}, capture_output=True, text=True, timeout=120
    )


def test_manage_check_from_the_environment():
    """The whole path: settings.py reads the opt-in, the check is registered, and
    `manage.py check` fails for a LAN SITE_URL unless the operator opted in."""
    assert manage_check(SITE_URL="http://127.0.0.1:8000").returncode == 0  # make run's defaults

    refused = manage_check(WECHAT_MODE="emulator", SITE_URL="http://192.168.1.5:8000")
    assert refused.returncode == 1 and "wx_emulator.E001" in refused.stderr

    allowed = manage_check(WECHAT_MODE="emulator", SITE_URL="http://192.168.1.5:8000", WECHAT_EMULATOR_ALLOW_REMOTE="true")
    assert allowed.returncode == 0 and "wx_emulator.W002" in allowed.stdout + allowed.stderr
