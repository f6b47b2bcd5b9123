"""config/rows.py: the hand-written reads and writes of the hot paths give what the ORM would."""

import pytest
from django.db import connection
from django.utils import timezone

from config.rows import ModelRows
from members.models import PointsEntry, PointsReason
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = pytest.mark.django_db

ENTRY_ROWS = ModelRows(PointsEntry)


def _entries(member, count: int) -> list[PointsEntry]:
    now = timezone.now()
    return [
        PointsEntry(member=member, source_key=f"test:{count}:{n}", note=f"第 {n} 笔", reason=PointsReason.CHECKIN,
                    amount=n + 1, balance_after=10 * (n + 1), created_at=now)
        for n in range(count)
    ]


@requires_postgres
@pytest.mark.postgres
def test_insert_many_writes_any_number_of_rows_with_the_same_statement():
    member = MemberFactory()
    written = {}
    for count in (1, 3):
        entries = _entries(member, count)
        sql, params = ENTRY_ROWS.insert_many(given={"member_id": "%s"}), ENTRY_ROWS.values_many(entries, given={"member_id"})
        assert len(params) == len(ENTRY_ROWS.writable) - 1  # one array a field, whatever the rows
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING id", [member.pk, *params])
            written[count] = sorted(row[0] for row in cursor.fetchall())

    assert ENTRY_ROWS.insert_many(given={"member_id": "%s"}) is ENTRY_ROWS.insert_many(given={"member_id": "%s"})  # written once
    read = list(PointsEntry.objects.filter(pk__in=written[3]).order_by("pk").values_list("source_key", "amount", "balance_after", "member_id"))
    assert len(written[1]) == 1
    assert read == [(f"test:3:{n}", n + 1, 10 * (n + 1), member.pk) for n in range(3)]


def test_insert_and_build_round_trip_as_the_orm_reads():
    member = MemberFactory()
    entry = _entries(member, 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(ENTRY_ROWS.insert(1), ENTRY_ROWS.values(entry))
        cursor.execute(f"SELECT {ENTRY_ROWS.columns()} FROM {PointsEntry._meta.db_table} WHERE source_key = %s", [entry.source_key])
        built = ENTRY_ROWS.build(cursor.fetchone())

    orm = PointsEntry.objects.get(source_key=entry.source_key)
    assert [getattr(built, name) for name in ENTRY_ROWS.names] == [getattr(orm, name) for name in ENTRY_ROWS.names]
    assert built._state.adding is False
