"""The shared cache: Django's database cache, with a counter that holds under concurrency,
or Django's Redis cache, which a Redis outage degrades instead of breaking.

Rate limits count hits with ``cache.incr``. Django's database backend implements it as a
read followed by a write, so two app servers counting the same client at the same moment can
both write the same number, and the write resets the entry's expiry to the default timeout
(a ten-minute window then forgets its count after five). This ``incr`` locks the row, adds in
place and keeps the expiry.
"""

import base64
import contextlib
import logging
import pickle
import threading
import time

from asgiref.sync import sync_to_async
from django.core.cache.backends import db, redis
from django.db import connections, models, router, transaction
from django.utils.timezone import now

logger = logging.getLogger(__name__)

# The table the migration bangkit 0005 creates and the default CACHES entry names.
CACHE_TABLE = "bangkit_cache"


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        made_key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # SQLite has no row locks: its write transaction (IMMEDIATE) serialises instead.
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "
                f"WHERE {quote('cache_key')} = %s{lock}",
                [made_key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                [encoded, made_key],
            )
        return value

    async def aincr(self, key, delta=1, version=None):
        return await sync_to_async(self.incr, thread_sensitive=True)(key, delta, version)

    @staticmethod
    def _expired(connection, expires) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < now()


class RedisCache(redis.RedisCache):
    """Django's Redis backend, for pages that only *use* the cache: while Redis is unreachable
    a read is a miss and a write is dropped (logged at most once a minute), so public pages
    render uncached, sessions are read from the database (``cached_db``) and a rate limit
    lets the request through, instead of every page answering 500. ``/healthz`` still sees
    the outage: it probes inside ``strict()``, where errors are raised as they come.
    Connection and socket timeouts (settings.py) keep an unreachable host from holding
    a worker."""

    _strict = threading.local()
    _last_warning = 0.0

    @contextlib.contextmanager
    def strict(self):
        self._strict.on = True
        try:
            yield self
        finally:
            self._strict.on = False

    def _guarded(self, operation, fallback, *args, **kwargs):
        import redis as client

        try:
            return operation(*args, **kwargs)
        except client.RedisError as exc:
            if getattr(self._strict, "on", False):
                raise
            now_ = time.monotonic()
            if now_ - RedisCache._last_warning > 60:
                RedisCache._last_warning = now_
                logger.warning("Cache unreachable, served without it: %s", exc.__class__.__name__)
            return fallback

    def add(self, key, value, timeout=redis.DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(super().get, default, key, default, version)

    def set(self, key, value, timeout=redis.DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=redis.DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._guarded(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        # Counting nothing while Redis is away: a rate limit lets the request through.
        return self._guarded(super().incr, delta, key, delta, version)

    def set_many(self, data, timeout=redis.DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(super().delete_many, None, keys, version)
