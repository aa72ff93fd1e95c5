"""Reading articles: files, folders, feeds and pages (``readers``, ``web``, ``records``), URLs fetched
politely and conditionally (``fetch``, ``fetch_cache``, ``urls``) and the sources file (``sources``).
Everything becomes an ``Article``, or an ``IngestError`` naming the file or URL, the line and a hint.
A new format is one reader in ``readers``.

May import: ``rag.core``, ``rag.languages``, ``rag.models``.
"""
