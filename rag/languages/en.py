"""English."""

from rag.languages.base import Language

_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

LANGUAGE = Language(
    code="en",
    name="English",
    stopwords=frozenset("""
a an the and or but if of to in on at by for with from as into about over after before between under
is are was were be been being am do does did has have had having will would shall should can could may
might must not no nor so than too very just also only then there here this that these those it its it's
i me my we our you your he him his she her they them their what which who whom whose why when where how
all any both each few more most other some such own same again further once up down out off s t
say said says one two per via
""".split()),
    not_names=frozenset("""The A An What Which Who Why When Where How In On Of And US U.S. I It This That Is
Did Does Do Was Were Are Has Have New""".split()),
    question_words=("what", "which", "who", "whom", "whose", "why", "when", "where", "how", "did", "does", "do",
                    "is", "are", "was", "were", "has", "have", "can", "summari[sz]e", "list", "tell", "show"),
    recent_words=("recently", "latest", "most recent", "newest", "currently", "current", "so far", "right now"),
    money_questions=(
        r"how much(?=[^.?!]*\b(?:cost|costs|costing|pay|paid|pays|paying|spend|spent|spending|fine|fined|worth|"
        r"price|priced|charge|charged|sell|sold|earn|earned|owe|owed|budget|salary|damages|settle|settled|"
        r"settlement|donate|donated|invest|invested|raise|raised|bid|offer|offered|award|awarded|money|fetch|"
        r"fetched|bill|funding|fund|cash|revenue|profit|ransom|bail|bounty|tax|taxes)\b)",
        "how much money", "what amount of money", "what sum", "for how much",
    ),
    money_words=("dollars?", "cents?", "euros?", "pounds? sterling", "pounds", "yen", "yuan", "rupees?", "francs?",
                 "pesos?", "bucks"),
    reason_questions=("why", "what (?:was|were|is) the reason", "for what reason"),
    reason_cues=(
        "because", "in response to", "in retaliation", "retaliat\\w*", "in revenge", "after", "following",
        "due to", "as a result of", "responds? to", "respond(?:ed)? to", "reason", "to avenge",
        "caused by", "citing", "cited", "amid", "over concerns?", "designed to", "in order to",
        "so that", "in an effort to", "aimed at", "to comply with", "to prevent", "to protect", "prompted",
        "blamed", "rather than", "in protest",
    ),
    page_labels=(
        r"AI[- ](?:assisted|generated) summary:?",
        # USA Today's stamp, on its own line before the dateline.
        r"(?:Updated|Published|Posted):? (?:on )?(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\w*\.? "
        r"\d{1,2}, \d{4}(?:,? \d{1,2}:\d{2} ?[ap]\.m\.(?: [A-Z]{2,4}\b)?)?",
    ),
    reason_clauses=(
        r"in (?:retaliation|response|reprisal|revenge|protest) (?:for|to|against|at|over)", r"because(?: of)?",
        r"respond(?:ed|s|ing)? to", r"retaliat(?:e|ed|es|ing) (?:for|against)",
        r"due to", r"as a result of", r"as punishment for", r"to avenge", r"citing",
        r"over concerns? (?:about|over|that)",
        r"on (?:the )?grounds (?:of|that)", r"for (?:allegedly|having)", r"in an (?:effort|attempt) to", r"in order to",
        r"aimed at", r"to (?:punish|protest|prevent|protect|retaliate)",
    ),
    clause_openers=("which", "who", "whose", "where", "while", "but", "and said", "said"),
    negations=("not", "n't", "n’t", "never", "no longer"),
    furniture=(
        r"continue reading", r"read more\b", r"read (?:the )?full (?:story|article)",
        r"related(?: stories| articles)?:",
        r"(?:sign|signing) up (?:for|to)\b[^.]{0,60}\bnewsletters?", r"never miss (?:a|an|another) [^.:]{0,40}:",
        r"(?:opinion|news) in your inbox", r"get (?:the|our) [^.]{0,40}newsletter", r"subscribe (?:to|now|today)\b",
        r"already a subscriber", r"thank you for (?:signing up|subscribing)", r"you(?:'re| are) (?:now )?subscribed",
        r"there was an error (?:signing you up|processing)",
        r"(?:sorry,? )?something went wrong\W+(?:please )?try again", r"please try again later",
        r"please try again\W*$", r"sorry,? something went wrong\W*$", r"click here\b",
        r"subscribe (?:&|and) save\b", r"try \d+ free issues\b", r"[^.]{0,40} delivered (?:directly )?to your inbox",
        r"consider (?:signing up|subscribing)\b", r"follow us on",
        r"share (?:this|on) (?:article|story|facebook|twitter|x)\b", r"advertisement$", r"we use cookies",
        r"by (?:continuing to )?us(?:e|ing) this (?:site|website)",
        r"this (?:article|story) (?:originally )?appeared (?:first )?(?:on|in)\b", r"show all \d+",
        r"[a-z ]{0,30} in pictures$", r"(?:video|watch|listen|gallery|photos):\s",
    ),
    instructions=(
        r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) instructions",
        r"disregard (?:all |any )?(?:the )?(?:previous|prior|above) (?:instructions|prompts?)",
        r"(?:note|message|instructions?) (?:to|for) (?:any |all )?(?:ai|a\.i\.|llm|chatbot|language model)s?",
        r"(?:ai|llm) (?:assistants?|models?|chatbots?) (?:reading|summari[sz]ing|processing) this",
        r"tell (?:the |your )?(?:readers?|users?) that", r"as an ai (?:language )?model", r"system prompt",
    ),
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"),
    relative_dates={
        "today": ("today", "this morning", "this afternoon", "this evening", "tonight"),
        "yesterday": ("yesterday", "last night"),
        "last_week": ("last week", "past week"),
        "this_week": ("this week",),
        "weekday": (rf"(on|last|this past) ({_DAYS})", rf"({_DAYS})['’]s"),
        "this_month": ("this month",),
        "this_year": ("this year",),
        "last_month": ("last month", "past month"),
        "last_year": ("last year", "past year"),
    },
    number_words={"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                  "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "few": 0,
                  "a few": 0, "several": 0},
    period_units={"hour": "hours?", "day": "days?", "week": "weeks?", "month": "months?", "year": "years?"},
    numbered_periods={"past": (r"(?:past|last|previous) {n} {unit}", r"in recent {unit}"),
                      "ago": (r"{n} {unit} ago",)},
    connectives=("and", "also", "but", "so", "then", "what about", "how about", "what else", "and what"),
    strong_pronouns=frozenset("he she they them their theirs his him her hers".split()),
    weak_pronouns=frozenset("it its this that these those there".split()),
    not_referring=(r"\b(?:this|that|last|next)\s+(?:week|month|year|morning|afternoon|evening|weekend|time)\b",),
    articles=("the", "a", "an"),
    dont_know=(
        r"\b(?:i|we) (?:do not|don't|dont) know\b", r"\bnot (?:sure|certain)\b", r"\bno (?:information|mention)\b",
        r"\b(?:does|do) not (?:contain|provide|mention|say|specify|include)\b",
        r"\b(?:doesn't|don't) (?:contain|provide|mention|say|specify|include)\b",
        r"\b(?:cannot|can't|can not|unable to) (?:answer|determine|find|tell|say)\b",
        r"\b(?:is|are) not (?:mentioned|provided|specified|given|stated)\b", r"\bnot in the (?:context|passages)\b",
    ),
    replies={
        "abstain": "The archive does not cover this: none of its articles answers the question.",
        "out_of_window": "Nothing in the archive published between {start} and {end} answers this. {older}",
        "older_listed": "The passages below are {when}: ask again without \u201c{phrase}\u201d to get an answer "
                        "from them.",
        "older_when": "older (the latest from {latest})",
        "other_when": "from other dates (the latest from {latest})",
        "quoting": "No sentence written for this answer could be checked against the sources; these are the "
                   "sources’ own closest sentences:",
        "no_reason": "The sources found describe the event, but none of their sentences says why in "
                     "so many words; the closest follow.",
        "quoted_original": "Quoted in the sources' own language: the local model does not translate into "
                           "English reliably enough.",
        "older_answer": "Nothing published between {start} and {end} answers this; older coverage (up to "
                        "{latest}; each source's date is listed) says:",
        "stale": "The newest source quoted is from {latest}, {days} days before {today}:",
        "other_answer": "Nothing published between {start} and {end} answers this; coverage from other dates "
                        "(up to {latest}; each source's date is listed) says:",
        "undated": "undated",
        "lookup_unmatched": "No sentence of the archive matches this one closely enough to be its source; the "
                            "closest passages are listed as sources.",
        "unmentioned_closest": "The sentences closest to answering come from passages that do not mention {names}: "
                               "they may be about something else. The passages found are listed as sources.",
        "no_amount": "The passages closest to answering give no amount of money: the archive does not seem to "
                     "say how much. The passages found are listed as sources.",
        "unmentioned": "No passage found mentions {names}: the archive does not seem to cover it. The closest "
                       "passages are listed as sources.",
        "example_question": "What do the articles say about \u201c{}\u201d?",
    },
)
