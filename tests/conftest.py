import pytest
from rest_framework.test import APIClient

from tests.factories import MemberFactory


@pytest.fixture(autouse=True, scope="session")
def _test_settings(tmp_path_factory):
    """What differs from a running shop: files in a temp folder, an in-process cache,
    Celery tasks run inline, plain static files (no collectstatic manifest)."""
    from django.conf import settings

    from config.celery import app

    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.STATIC_ROOT = str(tmp_path_factory.mktemp("static"))  # whitenoise wants it to exist
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


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

