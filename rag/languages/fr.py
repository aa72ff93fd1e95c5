"""French."""

from rag.languages.base import Language

_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"

LANGUAGE = Language(
    code="fr",
    name="French",
    order=1,
    stopwords=frozenset("""
le la les un une des du de d d' l et ou mais si au aux en dans sur par pour avec sans sous ce cet cette
ces qui que qu quoi dont où est sont était été être a ont avait fait faire il elle ils elles on nous vous
je tu se s'est qu'a sa son ses leur leurs lui y ne pas plus moins comme quel quelle quels quelles
pourquoi comment quand très aussi après avant entre tout tous selon encore même dit
""".split()),
    not_names=frozenset("Le La Les Un Une Des Quel Quelle Pourquoi Qui".split()),
    question_words=("que", "qu['’]", "quel", "quelle", "quels", "quelles", "qui", "pourquoi", "comment", "où",
                    "quand", "est-ce", "résume[rz]?"),
    # "Le dernier bilan", "les derniers chiffres": before its noun, "dernier" is the latest one; "la
    # dernière fois" (last time) and a period ("la semaine dernière", a window of its own) are not.
    recent_words=("récemment", "(?:le|la|les|l['’]) ?derni(?:er|ère|ers|ères) (?!fois\\b|jours?\\b|semaines?\\b|mois\\b"
                  "|années?\\b|ans?\\b)", "derni(?:er|ère|ers|ères) (?:nouvelles|informations|en date)",
                  "plus récent(?:e|s|es)?", "actuel(?:le|s|les)?",
                  "actuellement", "en ce moment", "jusqu'(?:à présent|ici)"),
    # "Combien de …" asks how many, not how much (unless of money).
    money_questions=(
        r"combien(?!\s+d['e’])(?=[^.?!]*\b(?:co[uû]t\w*|payé\w*|payer|paiera\w*|paie\w*|versé\w*|verser|"
        r"amende\w*|d[ée]pens\w*|vendu\w*|valeur|invest\w*|rançon|caution|indemni\w*|récompense|budget|salaire)\b)",
        "combien d['’]argent", "combien de (?:dollars|euros)", "pour combien", "quel montant", "quelle somme",
    ),
    money_words=("dollars?", "euros?", "centimes?", "livres? sterling", "francs?", "yens?", "yuans?", "roupies?"),
    reason_questions=("pourquoi", "pour quelle raison"),
    reason_cues=(
        # "d(?:e|u|es)?": the pattern ends on a word boundary, so "en raison d" alone matched only "d'".
        "parce que", "en réponse", "en représailles", "représailles", "répondre à", "riposte\\w*", "après",
        "à la suite d(?:e|u|es)?", "en raison d(?:e|u|es)?", "car", "venger",
        "à cause d(?:e|u|es)?", "suite à", "afin d(?:e)?", "pour éviter", "invoquant", "sur fond d(?:e|u|es)?",
        "face à", "provoqué", "pour protester", "en signe de protestation", "pour se conformer",
    ),
    reason_clauses=(
        r"en (?:représailles|réponse|riposte|signe de protestation) (?:à|aux?|contre)", r"parce qu(?:e|['’])",
        r"en raison d(?:e|u|es|['’])", r"à cause d(?:e|u|es|['’])", r"suite à", r"pour (?:venger|protester contre)",
        r"(?:répondre|riposter|répliquer) à", r"invoquant", r"au motif qu(?:e|['’])", r"afin d(?:e|['’])",
        r"pour (?:punir|empêcher|protéger)",
    ),
    clause_openers=("qui", "que", "dont", "où", "alors que", "mais", "a déclaré", "a indiqué"),
    negations=("ne", "n'", "n’", "pas", "jamais", "non"),
    furniture=(
        r"(?:à |a )?lire (?:aussi|également|la suite)\b", r"voir aussi\s?:", r"abonnez-vous", r"inscrivez-vous",
        r"(?:recevez|découvrez) (?:notre|nos|la) newsletter", r"cet article est réservé aux abonnés", r"déjà abonné",
        r"merci (?:pour votre|de votre) inscription",
        r"une erreur (?:est survenue|s'est produite)\W+(?:veuillez|merci de) réessayer",
        r"veuillez réessayer (?:plus tard|ultérieurement)", r"cliquez ici", r"suivez-nous sur",
        r"partager (?:sur|cet article)\b", r"publicité$", r"nous utilisons des cookies",
        r"en poursuivant votre navigation", r"(?:vidéo|regarder|écouter|photos)\s?:\s",
    ),
    instructions=(
        r"ignorez (?:toutes )?(?:les )?instructions (?:précédentes|antérieures|ci-dessus)",
        r"oubliez (?:toutes )?(?:les )?instructions (?:précédentes|antérieures)",
        r"(?:note|message|consigne)s? (?:aux|à l['’]attention des|pour les) (?:assistants?|ia|chatbots?)",
        r"(?:note|message|consigne)s? (?:aux|à l['’]attention des|pour les) "
        r"(?:intelligences? artificielles?|modèles? de langage)",
        r"(?:dites|indiquez|annoncez) (?:au|aux) (?:lecteurs?|utilisateurs?) que",
        r"en tant qu['’](?:ia|intelligence artificielle|assistant)",
    ),
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"),
    relative_dates={
        "today": ("aujourd'hui", "aujourd’hui", "ce matin", "cet après-midi", "ce soir"),
        "yesterday": ("hier", "la nuit dernière"),
        "last_week": ("la semaine (dernière|passée)",),
        "this_week": ("cette semaine",),
        "weekday": (rf"({_DAYS})( dernier)?",),
        "this_month": ("ce mois",),
        "this_year": ("cette année",),
        "last_month": ("le mois (dernier|passé)",),
        "last_year": ("l['’]an (dernier|passé)", "l['’]année (dernière|passée)"),
    },
    number_words={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
                  "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quelques": 0, "plusieurs": 0},
    period_units={"hour": "heures?", "day": "jours?", "week": "semaines?", "month": "mois", "year": "ans?|années?"},
    numbered_periods={"past": (r"(?:les|ces|des) {n} derni(?:er|ère)s {unit}", r"depuis {n} {unit}",
                               r"(?:ces|les) derni(?:er|ère)s {unit}"),
                      "ago": (r"il y a {n} {unit}",)},
    connectives=("et", "mais", "aussi", "alors", "puis", "et pour", "et si", "quid de", "qu['’]en est-il"),
    strong_pronouns=frozenset("il elle ils elles lui eux leur leurs".split()),
    weak_pronouns=frozenset("ce cela ça celui celle ceux celles".split()),
    not_referring=(r"\b(?:ce|cette|cet)\s+(?:semaine|mois|année|annee|matin|soir|week-end|weekend)\b",
                   r"\bil\s+y\s+a\b", r"\bil\s+faut\b", r"-t-il\b", r"\bs['’]est-il\b", r"\best-ce\b",
                   r"\bqu['’]est-ce\b"),
    # "l'Iran" → "Iran"; "a-t-il", "dit-elle" are verbs with an inverted pronoun, never key terms.
    clitic_prefix=r"(?:[ldjnsc]|qu)['’]",
    clitic_suffix=r"-(?:t-)?(?:il|elle|ils|elles|on)",
    articles=("le", "la", "les", "l'"),
    dont_know=(
        r"\bje ne (?:sais|peux) pas\b", r"\bne sais pas\b", r"\baucune information\b", r"\bpas d'information",
        r"\bne (?:contient|mentionne|précise|dit|fournit) (?:pas|aucune?)\b",
        r"\bn'est pas (?:mentionné|précisé|indiqué)",
    ),
    replies={
        "abstain": "Les archives ne couvrent pas ce sujet : aucun article ne répond à la question.",
        "out_of_window": "Aucun article des archives publié entre le {start} et le {end} ne répond à cette "
                         "question. {older}",
        "older_listed": "Les passages ci-dessous sont {when} : reposez la question sans \u00ab {phrase} \u00bb "
                        "pour obtenir une réponse à partir d'eux.",
        "older_when": "plus anciens (le plus récent du {latest})",
        "other_when": "d'une autre période (le plus récent du {latest})",
        "quoting": "Aucune phrase rédigée pour cette réponse n’a pu être vérifiée dans les sources ; "
                   "voici les phrases des sources les plus proches :",
        "no_reason": "Les sources trouvées décrivent l’événement, mais aucune de leurs phrases n’en "
                     "donne explicitement la raison ; voici les plus proches.",
        "quoted_original": "Cité dans la langue des sources : le modèle local ne traduit pas vers le "
                           "français de façon assez fiable.",
        "older_answer": "Rien de ce qui a été publié entre le {start} et le {end} n’y répond ; des "
                        "articles plus anciens (jusqu’au {latest} ; la date de chaque source est indiquée) "
                        "disent :",
        "stale": "La source citée la plus récente date du {latest}, {days} jours avant le {today} :",
        "other_answer": "Rien de ce qui a été publié entre le {start} et le {end} n’y répond ; des "
                        "articles d'autres dates (jusqu’au {latest} ; la date de chaque source est indiquée) "
                        "disent :",
        "undated": "non datés",
        "lookup_unmatched": "Aucune phrase des archives ne correspond d'assez près à celle-ci pour en être la "
                            "source ; les passages les plus proches sont listés comme sources.",
        "unmentioned_closest": "Les phrases les plus proches d'une réponse viennent de passages qui ne mentionnent "
                               "pas {names} : elles peuvent porter sur autre chose. Les passages trouvés sont "
                               "listés comme sources.",
        "no_amount": "Les passages les plus proches d'une réponse ne donnent aucun montant : les archives ne "
                     "semblent pas dire combien. Les passages trouvés sont listés comme sources.",
        "unmentioned": "Aucun des passages trouvés ne mentionne {names} : les archives ne semblent pas couvrir "
                       "ce sujet. Les passages les plus proches sont listés comme sources.",
        "example_question": "Que disent les articles sur « {} » ?",
    },
)
