"""Writing the answer: the ``Answerer`` interface (``base``), which sentences to quote (``select``), and
one module per answerer: ``extractive`` (no LLM; also the reply to a pasted sentence), ``quoting``
(the bundled model: source sentences quoted, glossed, the answer's phrase first) and ``synthesis``
(free prose from a larger model, every sentence checked). No answerer imports another's module.

May import: ``rag.verify`` and below.
"""
