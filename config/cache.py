"""Django's Redis cache, with one redis-py client per connection pool instead of one per call."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    """Django wraps its pool in a new redis.Redis on every cache call, and redis-py sets up
    each client's response callbacks afresh: that cost more CPU than the round trip it
    made (a session read, a rate limit, the catalogue). A client is thread-safe and holds
    no connection of its own, so one per pool serves every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class Redis(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool
