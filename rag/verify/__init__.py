"""Checking: the verifier interface and the rules every verifier shares (``verifier``), the built-in
verifiers (``llm_verifier``, ``nli``: registered backends), the check stage for written prose
(``check``) and citation markers (``citations``).

May import: ``rag.retrieve`` and below.
"""
