"""The foundation every stage shares: the records that cross stage boundaries (``types``), errors that
say how to fix themselves (``errors``), the one ``Settings`` in groups (``settings``,
``setting_groups``), every prompt sent to an LLM (``prompts``), and the registry of backends found by
name (``registry``).

May import: ``rag.languages`` only (the registry fills itself by importing the stage packages by
name, at run time).
"""
