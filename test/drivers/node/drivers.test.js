// vector_db from Node.js: node-postgres (`pg`) and knex through the npm
// `pgvector` package, as its README shows users.
//
// - pg: pgvector/pg's registerTypes() parses vector text and toSql()
//   writes it. The pgvector package has no binary form, so the binary paths
//   are the ones a Node user has for any type, in vector's send/recv form
//   (big-endian uint16 dim, uint16 0, dim float4):
//   - written: a Buffer parameter goes out in binary format (vector_recv),
//     and pg-copy-streams' copy-from carries a `COPY ... FROM STDIN (FORMAT
//     binary)` built here. A third of the rows goes each way (text
//     parameter, binary parameter, binary COPY), and half the queries go
//     as binary parameters.
//   - read: pg-copy-streams' copy-to returns the raw bytes of `COPY (SELECT
//     ...) TO STDOUT (FORMAT binary)` (vector_send), parsed here. Every
//     vector must come back byte for byte as written and equal, row by row,
//     what the text read returns.
//   pg's own `binary: true` result mode cannot carry vectors: pg-protocol
//   decodes every value as UTF-8 text before a parser sees it (bytes that
//   are not UTF-8 come out as U+FFFD), hence COPY for binary reads.
// - knex: the table and its hnsw index come from knex's schema builder
//   (pgvector/knex adds enableExtension() and the vector column type), rows
//   go in with pgvector.toSql() and out with pgvector.fromSql(), searches use
//   pgvector/knex's l2Distance(). knex has no binary format: text only.
//
// Every answer is checked against an exact computation here, in float64
// over the stored float32 values: vectors read back bit for bit, the ids of
// a (filtered) nearest-neighbour query are the k nearest, and the distances
// agree to 1e-5 relative (the server accumulates in float32). With
// hnsw.ef_search above the row count the hnsw answer must be exact; EXPLAIN
// shows the index answered. A library that cannot be loaded skips its tests,
// with the reason.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');

const DIMS = 8;
const ROWS = 200;
const CATEGORIES = 4;
const QUERIES = 5;
const K = 10;
const RTOL = 1e-5;
const EF_SEARCH = 400;

function load(name) {
  try {
    return { module: require(name) };
  } catch (e) {
    return { skip: `${name} cannot be loaded (${e.message.split('\n')[0]}): run npm ci in test/drivers/node` };
  }
}

// A seeded generator (mulberry32) and Box-Muller normals rounded to float32,
// so the server stores exactly the values held here.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(11);
const normal = () => Math.fround(Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
const vectorOf = () => Array.from({ length: DIMS }, normal);
const data = Array.from({ length: ROWS }, vectorOf);
const categories = data.map(() => Math.floor(rand() * CATEGORIES));
const queries = Array.from({ length: QUERIES }, vectorOf);

function l2(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

// vector's binary form: big-endian uint16 dim, uint16 0, dim float4.
function toBinary(v) {
  const buf = Buffer.alloc(4 + 4 * v.length);
  buf.writeUInt16BE(v.length, 0);
  v.forEach((x, i) => buf.writeFloatBE(x, 4 + 4 * i));
  return buf;
}

function fromBinary(buf) {
  const dim = buf.readUInt16BE(0);
  assert.strictEqual(buf.readUInt16BE(2), 0, 'unused field of the binary vector');
  assert.strictEqual(buf.length, 4 + 4 * dim, 'length of the binary vector');
  return Array.from({ length: dim }, (_, i) => buf.readFloatBE(4 + 4 * i));
}

function int4(x) {
  const buf = Buffer.alloc(4);
  buf.writeInt32BE(x);
  return buf;
}

// COPY's binary format: a signature, int32 flags, int32 length of a header
// extension; each tuple an int16 field count and per field an int32 length
// (-1 for NULL) and the type's send bytes; int16 -1 ends it.
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

// tuples: arrays of Buffers, one per field.
function toCopyBinary(tuples) {
  const parts = [COPY_SIGNATURE, Buffer.alloc(8)];
  for (const fields of tuples) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(fields.length);
    parts.push(count);
    for (const f of fields) parts.push(int4(f.length), f);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

function fromCopyBinary(buf) {
  assert.deepStrictEqual(buf.subarray(0, COPY_SIGNATURE.length), COPY_SIGNATURE, 'COPY signature');
  assert.strictEqual(buf.readInt32BE(11), 0, 'COPY flags');
  let pos = 19 + buf.readInt32BE(15);
  const tuples = [];
  for (let count; (count = buf.readInt16BE(pos)) !== -1;) {
    pos += 2;
    const fields = [];
    for (let i = 0; i < count; i++) {
      const length = buf.readInt32BE(pos);
      pos += 4;
      fields.push(length < 0 ? null : buf.subarray(pos, pos + length));
      pos += Math.max(length, 0);
    }
    tuples.push(fields);
  }
  assert.strictEqual(pos + 2, buf.length, 'COPY ends after its trailer');
  return tuples;
}

function closeTo(got, want, what) {
  assert.ok(Math.abs(got - want) <= RTOL * Math.abs(want), `${what}: ${got} vs ${want}`);
}

// rows: {id, category, embedding} as the library returned them.
function assertRows(rows) {
  assert.strictEqual(rows.length, ROWS);
  for (const r of rows) {
    assert.strictEqual(r.category, categories[r.id]);
    // Text gives the shortest decimal of each float32; fround recovers it.
    assert.deepStrictEqual(r.embedding.map(Math.fround), data[r.id], `row ${r.id}`);
  }
}

// rows: {id, distance} in the order the server returned them.
function assertKnn(q, rows, category) {
  const d = data.map((v) => l2(v, q));
  const want = [...d.keys()].filter((i) => category === undefined || categories[i] === category)
    .sort((a, b) => d[a] - d[b]).slice(0, K);
  assert.strictEqual(rows.length, want.length);
  rows.forEach((r, j) => {
    if (category !== undefined) assert.strictEqual(categories[r.id], category);
    // Compared by true distance, so rows at equal distance may swap.
    closeTo(d[r.id], d[want[j]], `rank ${j}`);
    closeTo(r.distance, d[r.id], `distance of row ${r.id}`);
    if (j > 0) assert.ok(rows[j - 1].distance <= r.distance);
  });
}

function assertIndexScan(planLines, index) {
  // The name may still come quoted with the search settings appended
  // ("items_idx (hnsw: ef_search=40, ...)"), as EXPLAIN shows it today.
  assert.match(planLines.join("\n"), new RegExp(`Index Scan using "?${index}\\b`));
}

const connection = { database: process.env.PGDATABASE };
const sessionSettings = `SET hnsw.ef_search = ${EF_SEARCH}; SET enable_seqscan = off`;

const pgLib = load('pg');
const pgvectorPg = pgLib.module ? load('pgvector/pg') : pgLib;
const pgCopy = pgvectorPg.module ? load('pg-copy-streams') : pgvectorPg;

describe('pg', () => {
  const skip = pgCopy.skip;
  const table = 'drivers_node_pg';
  let client;

  before(async () => {
    if (skip) return;
    client = new pgLib.module.Client(connection);
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS vector_db');
    await pgvectorPg.module.registerTypes(client);
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, category int, embedding vector(${DIMS}))`);
    await client.query(`CREATE INDEX ${table}_idx ON ${table} USING hnsw (embedding vector_l2_ops)`);
    // Rows by id mod 3: a text parameter, a binary parameter, binary COPY.
    const insert = `INSERT INTO ${table} VALUES ($1, $2, $3)`;
    const copied = [];
    for (let i = 0; i < ROWS; i++) {
      if (i % 3 === 2) copied.push([int4(i), int4(categories[i]), toBinary(data[i])]);
      else await client.query(insert, [i, categories[i], i % 3 ? toBinary(data[i]) : pgvectorPg.module.toSql(data[i])]);
    }
    const copyIn = client.query(pgCopy.module.from(`COPY ${table} (id, category, embedding) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from([toCopyBinary(copied)]), copyIn);
    assert.strictEqual(copyIn.rowCount, copied.length);
    await client.query(sessionSettings);
  });

  after(async () => {
    if (skip) return;
    await client.query(`DROP TABLE ${table}`);
    await client.end();
  });

  const selectRows = `SELECT id, category, embedding FROM ${table}`;

  it('reads back in text format the vectors written in text, binary and binary COPY', { skip }, async () =>
    assertRows((await client.query(selectRows)).rows));

  it('reads them back in binary format (COPY TO STDOUT), as written and as read in text', { skip }, async () => {
    const chunks = [];
    for await (const chunk of client.query(pgCopy.module.to(`COPY (${selectRows}) TO STDOUT (FORMAT binary)`))) {
      chunks.push(chunk);
    }
    const rows = fromCopyBinary(Buffer.concat(chunks)).map(([id, category, embedding]) => {
      const row = { id: id.readInt32BE(), category: category.readInt32BE(), embedding: fromBinary(embedding) };
      assert.deepStrictEqual(embedding, toBinary(data[row.id]), `bytes of row ${row.id}`);
      return row;
    });
    assertRows(rows);
    const text = new Map((await client.query(selectRows)).rows.map((r) => [r.id, r.embedding]));
    for (const r of rows) assert.deepStrictEqual(r.embedding, text.get(r.id).map(Math.fround), `row ${r.id}: binary vs text`);
  });

  async function knn(q, binary, category) {
    const where = category === undefined ? '' : 'WHERE category = $2';
    const text = `SELECT id, embedding <-> $1 AS distance FROM ${table} ${where} ORDER BY embedding <-> $1 LIMIT ${K}`;
    const values = [binary ? toBinary(q) : pgvectorPg.module.toSql(q)];
    if (category !== undefined) values.push(category);
    const plan = await client.query({ text: `EXPLAIN ${text}`, values });
    assertIndexScan(plan.rows.map((r) => r['QUERY PLAN']), `${table}_idx`);
    return (await client.query({ text, values })).rows;
  }

  for (const binary of [false, true]) {
    const format = binary ? 'query in binary' : 'query in text';
    it(`finds the nearest neighbours (${format})`, { skip }, async () => {
      for (const q of queries) assertKnn(q, await knn(q, binary));
    });
    it(`finds the nearest neighbours in a category (${format})`, { skip }, async () => {
      for (const [c, q] of queries.entries()) assertKnn(q, await knn(q, binary, c % CATEGORIES), c % CATEGORIES);
    });
  }
});

const knexLib = pgLib.module ? load('knex') : pgLib;
const pgvectorKnex = knexLib.module ? load('pgvector/knex') : knexLib;

describe('knex', () => {
  const skip = pgvectorKnex.skip;
  const table = 'drivers_node_knex';
  let knex;

  before(async () => {
    if (skip) return;
    knex = knexLib.module({
      client: 'pg',
      connection,
      // One connection, with the search settings made as it opens.
      pool: { min: 1, max: 1, afterCreate: (conn, done) => conn.query(sessionSettings, (err) => done(err, conn)) },
    });
    await knex.schema.enableExtension('vector_db');
    await knex.schema.dropTableIfExists(table);
    await knex.schema.createTable(table, (t) => {
      t.integer('id').primary();
      t.integer('category');
      t.vector('embedding', { dimensions: DIMS });
      t.index(knex.raw('embedding vector_l2_ops'), `${table}_idx`, 'hnsw');
    });
    await knex(table).insert(data.map((v, id) => ({ id, category: categories[id], embedding: pgvectorKnex.module.toSql(v) })));
  });

  after(async () => {
    if (skip) return;
    await knex.schema.dropTable(table);
    await knex.destroy();
  });

  it('reads vectors back in text format', { skip }, async () => {
    const rows = await knex(table).select('id', 'category', 'embedding');
    assertRows(rows.map((r) => ({ ...r, embedding: pgvectorKnex.module.fromSql(r.embedding) })));
  });

  async function knn(q, category) {
    let query = knex(table)
      .select('id', knex.raw('? AS distance', [knex.l2Distance('embedding', q)]))
      .orderBy(knex.l2Distance('embedding', q))
      .limit(K);
    if (category !== undefined) query = query.where('category', category);
    const plan = await knex.raw(`EXPLAIN ${query.toString()}`);
    assertIndexScan(plan.rows.map((r) => r['QUERY PLAN']), `${table}_idx`);
    return query;
  }

  it('finds the nearest neighbours (text)', { skip }, async () => {
    for (const q of queries) assertKnn(q, await knn(q));
  });
  it('finds the nearest neighbours in a category (text)', { skip }, async () => {
    for (const [c, q] of queries.entries()) assertKnn(q, await knn(q, c % CATEGORIES), c % CATEGORIES);
  });
});
