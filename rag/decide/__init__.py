"""Deciding whether to answer: each way of declining is one ``DeclineRule`` (``base``); the rules are the
classes of ``rules``, which ``rag.factory.build_rules`` builds in their documented order (the first
that declines decides). ``period`` reads a period the question names (older coverage, stale sources);
``replies`` holds the declines' texts. A new rule is one class in ``rules``, one line in
``build_rules``, one setting and one test.

May import: ``rag.answer`` and below.
"""
