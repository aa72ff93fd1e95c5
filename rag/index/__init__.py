"""The index: articles cut into chunks (``chunking``), written to and read from Chroma (``store``, with
its ``where`` clauses), re-indexed incrementally and crash-safely (``indexer``), on a schedule
(``schedule``); the BM25 index over it (``lexical``) and readers' feedback kept beside it
(``feedback``).

May import: ``rag.ingest`` and below.
"""
