"""The shared cache: Django's database cache, with a counter that holds under concurrency.

Rate limits count hits with ``cache.incr``. Django's database backend implements it as a
read followed by a write, so two app servers counting the same client at the same moment can
both write the same number, and the write resets the entry's expiry to the default timeout
(a ten-minute window then forgets its count after five). This ``incr`` locks the row, adds in
place and keeps the expiry.
"""

import base64
import pickle

from asgiref.sync import sync_to_async
from django.core.cache.backends import db
from django.db import connections, models, router, transaction
from django.utils.timezone import now

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
