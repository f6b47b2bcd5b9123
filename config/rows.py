"""Model instances read and written by hand-written statements, for the few that every
request of a hot path pays.

A raw queryset works out on every call which column feeds which field (the cursor's
description, the model's init order, each field's converters): on a one-row read that cost
more CPU than the database spent answering. A statement that lists `ModelRows.columns()` in
that order needs none of it; the converters are looked up once per database vendor. The
same goes for the ORM's INSERT compiler: `ModelRows.insert()` writes the statement once per
shape, and `values()` prepares an instance's values as the ORM would; `insert_many()`
writes any number of rows with one statement whose text and parameter count do not grow
with the rows (PostgreSQL), so psycopg parses it once and the server prepares it once.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import connection as default_connection


class ModelRows:
    """`fields` (attnames, the model's order kept): the columns read, the others deferred."""

    def __init__(self, model, fields: tuple[str, ...] | None = None):
        self.model = model
        self.fields = [field for field in model._meta.concrete_fields if fields is None or field.attname in fields]
        self.names = [field.attname for field in self.fields]
        self.writable = [field for field in self.fields if not (field.primary_key and field.db_returning)]
        self._converters: dict[str, list] = {}
        self._columns: dict[str, str] = {}
        self._inserts: dict[tuple, str] = {}

    def columns(self, table: str = "") -> str:
        """The SELECT list, qualified with `table` (a name or an alias) when given."""
        found = self._columns.get(table)
        if found is None:
            prefix = f"{table}." if table else ""
            found = self._columns[table] = ", ".join(prefix + default_connection.ops.quote_name(field.column) for field in self.fields)
        return found

    def insert(self, rows: int, *, given: dict[str, str] | None = None) -> str:
        """INSERT of `rows` instances (every concrete field but an automatic primary key),
        values from values() in order; the `given` attnames are written as the SQL given
        instead (another statement's RETURNING, say) and take no parameter."""
        given = given or {}
        key = (rows, *sorted(given.items()))
        found = self._inserts.get(key)
        if found is None:
            row = ", ".join(given.get(field.attname, "%s") for field in self.writable)
            found = self._inserts[key] = f"{self._insert_into()} VALUES " + ", ".join([f"({row})"] * rows)
        return found

    def insert_many(self, *, given: dict[str, str] | None = None) -> str:
        """PostgreSQL: INSERT of any number of instances, each field's values one array
        parameter (values_many()) unnested into the rows; `given` as for insert()."""
        given = given or {}
        key = ("many", *sorted(given.items()))
        found = self._inserts.get(key)
        if found is None:
            connection = connections[DEFAULT_DB_ALIAS]
            quote = connection.ops.quote_name
            arrays = [field for field in self.writable if field.attname not in given]
            unnested = ", ".join(f"%s::{field.db_type(connection)}[]" for field in arrays)
            names = ", ".join(quote(field.column) for field in arrays)
            row = ", ".join(given.get(field.attname, f"given_rows.{quote(field.column)}") for field in self.writable)
            found = self._inserts[key] = f"{self._insert_into()} SELECT {row} FROM unnest({unnested}) AS given_rows({names})"
        return found

    def _insert_into(self) -> str:
        columns = ", ".join(default_connection.ops.quote_name(field.column) for field in self.writable)
        return f"INSERT INTO {self.model._meta.db_table} ({columns})"

    def values(self, instance, *, given=(), connection=None) -> list:
        """An instance's parameters for insert(): each field's pre_save (defaults, auto_now)
        prepared for the database, the `given` attnames left out."""
        connection = connection or connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for every field
        return [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in self.writable
            if field.attname not in given
        ]

    def values_many(self, instances, *, given=()) -> list[list]:
        """insert_many()'s parameters: for each field, its values across the instances."""
        connection = connections[DEFAULT_DB_ALIAS]
        return [list(column) for column in zip(*(self.values(instance, given=given, connection=connection) for instance in instances))]

    def width(self) -> int:
        return len(self.fields)

    def build(self, row, connection=None):
        """The instance from the first width() values of `row`, converted as the ORM would."""
        connection = connection or connections[DEFAULT_DB_ALIAS]
        values = list(row[: len(self.fields)])
        for index, expression, converters in self._converters_for(connection):
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        return self.model.from_db(connection.alias, self.names, values)

    def _converters_for(self, connection) -> list:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = self._converters[connection.vendor] = []
            for index, field in enumerate(self.fields):
                expression = field.get_col(self.model._meta.db_table)
                converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
                if converters:
                    found.append((index, expression, converters))
        return found
