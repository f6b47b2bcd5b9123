from tests.distribution.conftest import abc, rules  # noqa: F401  (fixtures shared with the distribution tests)
