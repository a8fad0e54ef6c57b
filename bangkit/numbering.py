"""Numbers without gaps or twins (Surat Pesanan, SK Camat): one counter row per series, locked."""

from django.db import IntegrityError, models, transaction


class NumberCounter(models.Model):
    """The last number given in a series; subclasses add what the series is per (and a year)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


def next_number(counter_model: type[NumberCounter], **series) -> int:
    """The next number of the series (e.g. kelurahan=…, year=…), taken under the row's lock.

    Call inside the transaction that uses the number: a rollback gives it back, and whoever
    issues next waits for the lock. The row is created in its own savepoint, so two first
    numbers of a series racing to create it both end up locking the one row.
    """
    if not counter_model.objects.filter(**series).exists():
        try:
            with transaction.atomic():
                counter_model.objects.create(**series)
        except IntegrityError:
            pass  # created meanwhile by a concurrent issue: lock it below
    counter = counter_model.objects.select_for_update().get(**series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
