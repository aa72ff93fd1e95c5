"""The scripted evaluation, apart from the answering code (which never imports it).

``run`` drives every pipeline under evaluation through a questions file (``scripts/evaluate.py``),
``records`` holds the typed questions and per-question results, ``metrics`` every metric (one
``Metric`` record each, in one registry), ``report`` writes ``report.json``, ``report.md`` and the
plots, and ``naive`` is the LangChain-tutorial peer the project is compared with. Its extra
dependencies come with the ``eval`` extra (``pip install -e '.[eval]'``).

May import: anything in ``rag``; nothing in ``rag`` imports it.
"""
