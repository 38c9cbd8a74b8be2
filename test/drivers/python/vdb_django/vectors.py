"""vector support for Django, written the way Django lets users add a type:
a model Field, a PostgresIndex subclass for hnsw, and a Func for the <->
operator. Django 3.2 talks to PostgreSQL through psycopg2, in text only, so
the field reads and writes vector's text form. (pgvector-python ships the
same three pieces, but Debian 12 does not package it.)"""
from django.contrib.postgres.indexes import PostgresIndex
from django.db import models

from drivers_common import from_text, to_text


class VectorField(models.Field):
    description = "vector"

    def __init__(self, *args, dimensions=None, **kwargs):
        self.dimensions = dimensions
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.dimensions is not None:
            kwargs["dimensions"] = self.dimensions
        return name, path, args, kwargs

    def db_type(self, connection):
        return "vector" if self.dimensions is None else "vector(%d)" % self.dimensions

    def from_db_value(self, value, expression, connection):
        return None if value is None else from_text(value)

    def get_prep_value(self, value):
        return None if value is None else to_text(value)


class HnswIndex(PostgresIndex):
    suffix = "hnsw"

    def __init__(self, *expressions, m=None, ef_construction=None, **kwargs):
        self.m = m
        self.ef_construction = ef_construction
        super().__init__(*expressions, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        for key in ("m", "ef_construction"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return path, args, kwargs

    def get_with_params(self):
        return ["%s = %d" % (key, getattr(self, key)) for key in ("m", "ef_construction")
                if getattr(self, key) is not None]


class L2Distance(models.Func):
    """embedding <-> query, as a float."""
    function = ""
    arg_joiner = " <-> "
    output_field = models.FloatField()

    def __init__(self, expression, vector, **extra):
        if not hasattr(vector, "resolve_expression"):
            vector = models.Value(to_text(vector))
        super().__init__(expression, vector, **extra)
