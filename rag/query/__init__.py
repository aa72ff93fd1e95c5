"""Reading the question once: ``question.analyse`` turns it into a ``Query`` (language, names, the
period it names, whether it is a pasted sentence), rewriting a follow-up with the conversation
(``conversation``); dates (``dates``) and proper names (``names``) are read here.

May import: ``rag.index`` and below.
"""
