import pytest

from tests.distribution.conftest import abc, rules  # noqa: F401  (fixtures shared with the distribution tests)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """These races send one member's requests many at once to prove the services hold;
    the rate limits that would turn most of them away are tested in tests/test_abuse_limits.py."""
    settings.RATE_LIMITS = {name: {**scope, "member": None, "ip": None} for name, scope in settings.RATE_LIMITS.items()}
