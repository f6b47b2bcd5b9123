import pytest
from rest_framework.test import APIClient

from tests.factories import MemberFactory


@pytest.fixture(autouse=True, scope="session")
def _test_settings(tmp_path_factory):
    """What differs from a running shop: files in a temp folder, an in-process cache,
    Celery tasks run inline, plain static files (no collectstatic manifest).

    Through override_settings, so what was built from the settings before (the static
    storage, which collecting the test modules may already have opened on the manifest
    `make run` collected) is built again from these."""
    from django.conf import settings
    from django.test import override_settings

    from config.celery import app

    override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        STATIC_ROOT=str(tmp_path_factory.mktemp("static")),  # whitenoise wants it to exist
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ).enable()
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from campaigns.selectors import rules_held_forget
    from mall.selectors import shop_settings_forget

    cache.clear()
    shop_settings_forget()  # kept in the process for a few seconds, like the cache it sits before
    rules_held_forget()  # the same


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def member_api(member):
    client = APIClient()
    client.force_login(member)
    return client


@pytest.fixture
def api_for():
    def make(member):
        client = APIClient()
        client.force_login(member)
        return client

    return make

