"""Mutation fuzzing of the text and binary input of vector, halfvec and
sparsevec: at least 10,000 mutated inputs per type and format.

Every input must either parse or fail with one of the SQLSTATEs the types
document; anything else (another code, a lost connection, a crashed
backend) fails the test. Text inputs that parse must also print a form that
parses back to the same text. Afterwards a fresh connection must find the
server up, with the postmaster not restarted.

Text inputs are checked a thousand per round trip by a PL/pgSQL loop with an
exception handler per input; binary inputs go one per binary COPY (recv
functions take an internal argument, so COPY is the way to reach them).
"""
import io
import os
import random
import struct
import unittest

import psycopg2

PER_TYPE = 10000
BATCH = 1000
TEXT_CODES = {"22P02", "22003", "22000", "54000"}
BINARY_CODES = {"22P03", "22000", "22003", "54000"}

TRY_TEXT = """
CREATE OR REPLACE FUNCTION pg_temp.fuzz_text(inputs text[], typ text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
	results text[] := '{}';
	input text;
	output text;
BEGIN
	FOREACH input IN ARRAY inputs LOOP
		BEGIN
			EXECUTE format('SELECT $1::%s::text', typ) INTO output USING input;
			results := results || ('ok ' || output);
		EXCEPTION WHEN others THEN
			results := results || SQLSTATE;
		END;
	END LOOP;
	RETURN results;
END $$;
"""

FRAGMENTS = ["[", "]", "{", "}", ",", ":", "/", "-", "+", ".", "e", "E", "e-", "e+", " ", "\t",
             "\n", "0", "1", "9", "nan", "NaN", "inf", "-Infinity", "1e38", "3.5e38", "1e-46",
             "65504", "65520", "0x1p3", "16000", "16001", "1000000000", "2147483648", "99999999999",
             "-0", "1.5", "'", "\\", "\"", "()", "[]", "{}", "x", "ÿ", "é"]


def seed_texts(rng, sqltype):
    seeds = []
    for _ in range(40):
        dim = rng.choice([1, 2, 3, 5, 17, 100])
        if sqltype == "sparsevec":
            idx = sorted(rng.sample(range(1, dim + 1), rng.randint(0, dim)))
            body = ",".join("%d:%r" % (i, rng.uniform(-100, 100)) for i in idx)
            seeds.append("{%s}/%d" % (body, dim))
        else:
            seeds.append("[" + ",".join(repr(rng.uniform(-100, 100)) for _ in range(dim)) + "]")
    return seeds


def mutate_text(rng, text):
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(text))
        if op == 0 and text:  # delete a span
            text = text[:pos] + text[pos + rng.randint(1, 4):]
        elif op == 1:  # insert a fragment
            text = text[:pos] + rng.choice(FRAGMENTS) + text[pos:]
        elif op == 2 and text:  # replace one character
            text = text[:pos] + chr(rng.randint(1, 126)) + text[pos + 1:]
        elif op == 3:  # truncate
            text = text[:pos]
        elif op == 4 and text:  # duplicate a span
            end = min(len(text), pos + rng.randint(1, 20))
            text = text[:end] + text[pos:end] * rng.randint(1, 3) + text[end:]
        else:  # replace a number with a boundary value
            text = text[:pos] + rng.choice(FRAGMENTS[20:36]) + text[pos + rng.randint(0, 3):]
    return text


def encode_dense(rng, sqltype, dim):
    if sqltype == "vector":
        body = b"".join(struct.pack(">f", rng.uniform(-10, 10)) for _ in range(dim))
    else:
        body = b"".join(struct.pack(">e", rng.uniform(-10, 10)) for _ in range(dim))
    return struct.pack(">HH", dim, 0) + body


def encode_sparse(rng, dim):
    idx = sorted(rng.sample(range(dim), rng.randint(0, min(dim, 20))))
    return (struct.pack(">iii", dim, len(idx), 0) + b"".join(struct.pack(">i", i) for i in idx)
            + b"".join(struct.pack(">f", rng.choice([-1, 1]) * rng.uniform(0.1, 10)) for _ in idx))


BOUNDARY_INTS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x3e80, 0x3e81, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                 0x80000000, 0xffffffff, 1000000000, 1000000001]
SPECIAL_FLOATS = [b"\x7f\xc0\x00\x00", b"\x7f\x80\x00\x00", b"\xff\x80\x00\x00", b"\x00\x00\x00\x00",
                  b"\x80\x00\x00\x00", b"\x00\x00\x00\x01", b"\x7f\x7f\xff\xff", b"\x7c\x00", b"\x7e\x00"]


def mutate_binary(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        pos = rng.randint(0, max(0, len(data) - 1))
        if op == 0 and data:  # flip a bit
            data[pos] ^= 1 << rng.randrange(8)
        elif op == 1 and data:  # random byte
            data[pos] = rng.randrange(256)
        elif op == 2:  # truncate
            del data[rng.randint(0, len(data)):]
        elif op == 3:  # append garbage
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 4:  # overwrite a header-sized field with a boundary value
            width = rng.choice([2, 4])
            value = rng.choice(BOUNDARY_INTS) & ((1 << (8 * width)) - 1)
            data[pos:pos + width] = value.to_bytes(width, "big")
        else:  # plant a special float or half bit pattern
            data[pos:pos + 4] = rng.choice(SPECIAL_FLOATS)
    return bytes(data)


def copy_stream(field):
    return (b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + struct.pack(">hi", 1, len(field))
            + field + struct.pack(">h", -1))


class TypeFuzz(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
        cls.conn.autocommit = True
        with cls.conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
            cur.execute("SELECT pg_postmaster_start_time()")
            cls.started = cur.fetchone()[0]
            cur.execute(TRY_TEXT)

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()

    def assert_server_up(self):
        conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_postmaster_start_time()")
                self.assertEqual(cur.fetchone()[0], self.started, "the server restarted")
        finally:
            conn.close()

    def fuzz_text(self, sqltype, typmod_type):
        rng = random.Random("text " + sqltype)
        seeds = seed_texts(rng, sqltype)
        inputs = [mutate_text(rng, rng.choice(seeds)) for _ in range(PER_TYPE)]
        inputs = [s.replace("\x00", "") for s in inputs]
        parsed = outcomes = 0
        with self.conn.cursor() as cur:
            for start in range(0, len(inputs), BATCH):
                batch = inputs[start:start + BATCH]
                target = typmod_type if start % (2 * BATCH) else sqltype
                cur.execute("SELECT pg_temp.fuzz_text(%s, %s)", (batch, target))
                results = cur.fetchone()[0]
                self.assertEqual(len(results), len(batch))
                printed = []
                for text, result in zip(batch, results):
                    outcomes += 1
                    if result.startswith("ok "):
                        parsed += 1
                        printed.append(result[3:])
                    else:
                        self.assertIn(result, TEXT_CODES, "%s input %r" % (sqltype, text))
                # What the server printed must read back to the same text.
                if printed:
                    cur.execute("SELECT pg_temp.fuzz_text(%s, %s)", (printed, sqltype))
                    for text, result in zip(printed, cur.fetchone()[0]):
                        self.assertEqual(result, "ok " + text)
        self.assertEqual(outcomes, PER_TYPE)
        # The mutations must exercise both outcomes to mean anything.
        self.assertGreater(parsed, PER_TYPE // 50)
        self.assertLess(parsed, PER_TYPE - PER_TYPE // 50)
        self.assert_server_up()

    def fuzz_binary(self, sqltype, encode):
        rng = random.Random("binary " + sqltype)
        with self.conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS fuzz_target")
            cur.execute("CREATE TEMP TABLE fuzz_target (v %s)" % sqltype)
            loaded = 0
            for i in range(PER_TYPE):
                field = mutate_binary(rng, encode(rng))
                try:
                    cur.copy_expert("COPY fuzz_target FROM STDIN WITH (FORMAT binary)",
                                    io.BytesIO(copy_stream(field)))
                    loaded += 1
                except psycopg2.Error as e:
                    self.assertIn(e.pgcode, BINARY_CODES,
                                  "%s field %s: %s" % (sqltype, field.hex(), e.pgerror))
            cur.execute("SELECT count(*) FROM fuzz_target")
            self.assertEqual(cur.fetchone()[0], loaded)
            # Whatever loaded is a valid value: it prints and reads back.
            cur.execute("SELECT count(*) FROM fuzz_target WHERE v::text::%s::text <> v::text"
                        % sqltype)
            self.assertEqual(cur.fetchone()[0], 0)
        self.assertGreater(loaded, PER_TYPE // 50)
        self.assertLess(loaded, PER_TYPE - PER_TYPE // 50)
        self.assert_server_up()

    def test_vector_text(self):
        self.fuzz_text("vector", "vector(3)")

    def test_halfvec_text(self):
        self.fuzz_text("halfvec", "halfvec(5)")

    def test_sparsevec_text(self):
        self.fuzz_text("sparsevec", "sparsevec(17)")

    def test_vector_binary(self):
        self.fuzz_binary("vector", lambda rng: encode_dense(rng, "vector", rng.choice([1, 2, 3, 8])))

    def test_halfvec_binary(self):
        self.fuzz_binary("halfvec", lambda rng: encode_dense(rng, "halfvec", rng.choice([1, 2, 3, 8])))

    def test_sparsevec_binary(self):
        self.fuzz_binary("sparsevec", lambda rng: encode_sparse(rng, rng.choice([1, 2, 5, 100])))


if __name__ == "__main__":
    unittest.main()
