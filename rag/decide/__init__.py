"""Deciding whether to answer: each way of declining is one ``DeclineRule`` (``base``) in a module by
what it reads (``coverage``, ``names``, ``lookup``, ``money``, ``judge``); ``rag.factory.build_rules``
builds them in their documented order and the first that declines decides. ``period`` reads a period
the question names (older coverage, stale sources); ``replies`` holds the declines' texts. A new rule
is one class here, one line in ``build_rules``, one setting and one test.

May import: ``rag.answer`` and below.
"""
