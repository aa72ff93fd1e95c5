"""Finding the passages: channels (``channels``: dense, exact-name, BM25), rank fusion and selection
(``fusion``), the relevance gate and the reranker interface (``gate``), the retriever that composes
them (``retriever``), each article's passages chosen again by the question's words (``passages``),
and the passages' sentences, embedded once per answer (``sentences``).

May import: ``rag.query`` and below.
"""
