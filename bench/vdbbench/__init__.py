"""vdbbench: the benchmark harness of vector_db (and the data side of `make demo`).

Modules, one job each:
  dataset   Fashion-MNIST idx files, generated clustered data, cached ground truth
  libpq     a thin ctypes client: prepared statements with binary parameters
  load      schema creation and binary COPY into a database, with progress
  progress  a second connection that reports CREATE INDEX progress
  measure   recall, percentiles and the timed query loops
  engines   what can be measured: our access methods, pgvector, hnswlib, FAISS
  report    markdown tables, the recall/QPS plot and docs/benchmarks.md
"""
