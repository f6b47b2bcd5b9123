"""The Redis cache builds one redis-py client per connection pool and reuses it (Django's
own builds one per call, which cost more than the round trip)."""

from config.cache import Redis


def test_every_call_gets_the_same_client_on_the_same_pool():
    cache = Redis("redis://127.0.0.1:6379/15", {})
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is first
    assert first.connection_pool is cache._cache._get_connection_pool(False)


def test_two_servers_keep_a_client_each():
    cache = Redis("redis://127.0.0.1:6379/15,redis://127.0.0.1:6379/14", {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()
    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["db"] == 15 and reader.connection_pool.connection_kwargs["db"] == 14
