"""SQLAlchemy 1.4 (Debian's python3-sqlalchemy) against vector_db.

The ORM way: a declarative model whose embedding column has a user-defined
Vector type (UserDefinedType, with an l2_distance comparator for <->), an
hnsw Index declared on the table with postgresql_using / postgresql_ops /
postgresql_with, metadata.create_all for the DDL, Session.add_all for the
rows and select() for the searches. EXPLAIN is SQLAlchemy's documented
custom-construct recipe (@compiles).

The same model and test body run on two engines: psycopg2, which speaks
text (the type's bind and result processors write and read vector text),
and asyncpg through SQLAlchemy's asyncio extension, which speaks binary (a
binary codec registered on each new connection with SQLAlchemy's "connect"
event; the type then passes numpy arrays through unchanged). SQLAlchemy 1.4
has no psycopg 3 dialect.
"""
import asyncio
import unittest

from drivers_common import (DIMS, EF_SEARCH, K, DriverCase, dsn_params, require,
                            to_text, from_text, to_binary, from_binary)

sqlalchemy, SKIP = require("sqlalchemy", "SQLAlchemy")
if not SKIP:
    from sqlalchemy import Column, Float, Index, Integer, event, select, text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.orm import Session, declarative_base
    from sqlalchemy.sql.expression import ClauseElement, Executable
    from sqlalchemy.types import UserDefinedType

    class Vector(UserDefinedType):
        cache_ok = True

        def __init__(self, dim):
            self.dim = dim

        def get_col_spec(self, **kw):
            return "vector(%d)" % self.dim

        # asyncpg encodes and decodes through its own codec (see connect).
        def bind_processor(self, dialect):
            return None if dialect.driver == "asyncpg" else to_text

        def result_processor(self, dialect, coltype):
            return None if dialect.driver == "asyncpg" else from_text

        class comparator_factory(UserDefinedType.Comparator):
            def l2_distance(self, other):
                return self.op("<->", return_type=Float())(other)

    class Explain(Executable, ClauseElement):
        inherit_cache = False

        def __init__(self, stmt):
            self.statement = stmt

    @compiles(Explain, "postgresql")
    def compile_explain(element, compiler, **kw):
        return "EXPLAIN " + compiler.process(element.statement, **kw)

    Base = declarative_base()

    class Item(Base):
        __tablename__ = "drivers_sqlalchemy"
        id = Column(Integer, primary_key=True, autoincrement=False)
        category = Column(Integer, nullable=False)
        embedding = Column(Vector(DIMS), nullable=False)
        __table_args__ = (Index("drivers_sqlalchemy_idx", "embedding", postgresql_using="hnsw",
                                postgresql_with={"m": 16, "ef_construction": 64},
                                postgresql_ops={"embedding": "vector_l2_ops"}),)


# The session's search settings, given as each driver takes them when it
# connects (a SET would be undone by the pool's rollback).
SETTINGS = {"hnsw.ef_search": str(EF_SEARCH), "enable_seqscan": "off"}


def url(driver):
    p = dsn_params()
    return "postgresql+%s://%s@%s:%s/%s" % (driver, p["user"], p["host"], p["port"], p["dbname"])


class SqlAlchemyBody:
    """The test body, on a synchronous Connection of either engine."""

    def create(self, conn):
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
        with Session(bind=conn) as session:
            session.add_all(Item(id=i, category=c, embedding=v) for i, (c, v) in enumerate(zip(self.categories, self.data)))
            session.flush()  # in the connection's transaction

    def fetch_all(self, conn):
        with Session(bind=conn) as session:
            return [(it.id, it.category, it.embedding) for it in session.scalars(select(Item))]

    def knn(self, conn, q, category=None):
        distance = Item.embedding.l2_distance(q)
        stmt = select(Item.id, distance).order_by(distance).limit(K)
        if category is not None:
            stmt = stmt.where(Item.category == category)
        self.assert_index_scan([r[0] for r in conn.execute(Explain(stmt))], "drivers_sqlalchemy_idx")
        return [tuple(r) for r in conn.execute(stmt)]

    def check(self, conn):
        self.assert_rows_equal(self.fetch_all(conn))
        self.check_nearest(lambda q: self.knn(conn, q))
        self.check_filtered(lambda q, c: self.knn(conn, q, c))

    def create_and_check(self, conn):
        self.create(conn)
        self.check(conn)
        Base.metadata.drop_all(conn)


@unittest.skipIf(SKIP, SKIP)
class SqlAlchemyPsycopg2(DriverCase, SqlAlchemyBody):
    def test_text_format(self):
        engine = sqlalchemy.create_engine(url("psycopg2"), connect_args={"options": " ".join(
            "-c %s=%s" % kv for kv in SETTINGS.items())}, future=True)
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector_db"))
            self.create_and_check(conn)
        engine.dispose()


@unittest.skipIf(SKIP, SKIP)
class SqlAlchemyAsyncpg(DriverCase, SqlAlchemyBody):
    def test_binary_format(self):
        try:
            import asyncpg  # noqa: F401 (the dialect needs it)
        except ImportError as e:
            self.skipTest("asyncpg is not installed (%s)" % e)
        engine = create_async_engine(url("asyncpg"), connect_args={"server_settings": SETTINGS})

        # Counted, to show that the vectors really went both ways in binary.
        calls = {"encode": 0, "decode": 0}

        def encode(v):
            calls["encode"] += 1
            return to_binary(v)

        def decode(data):
            calls["decode"] += 1
            return from_binary(data)

        async def register_vector(conn):
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
            await conn.set_type_codec("vector", schema="public", format="binary", encoder=encode, decoder=decode)

        @event.listens_for(engine.sync_engine, "connect")
        def on_connect(dbapi_connection, record):
            dbapi_connection.run_async(register_vector)

        async def body():
            async with engine.connect() as conn:
                await conn.run_sync(self.create_and_check)
            await engine.dispose()

        asyncio.run(body())
        self.assertGreaterEqual(calls["encode"], len(self.data))
        self.assertGreaterEqual(calls["decode"], len(self.data))

