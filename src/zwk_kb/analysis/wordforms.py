"""Word families: the noun, verb and adjective of one idea ("nachhaltig" / "Nachhaltigkeit",
"gründen" / "Gründung", "ehrenamtlich" / "Ehrenamt", "mobil" / "Mobilität").

Stemming joins the inflected forms of one word; it does not join a word and its derivations,
and users ask with the verb or adjective where the card names the noun ("pflegen", the card
"Pflege"). These suffix rules propose candidates only; the search keeps a candidate when it is
a term of the index, so an invented form ("Burg" for "Bürger" is never proposed; "Planer" for
"planen" is only used where cards say "Planer") costs nothing. Pure functions on folded words
(lower case, umlauts folded, see :func:`zwk_kb.analysis.folding.fold`).
"""

from __future__ import annotations

from zwk_kb.analysis.folding import fold

MIN_STEM = 3
"""Characters a word keeps before a suffix rule applies ("tun" has no family here)."""
MIN_PARTICIPLE_STEM = 5
"""Letters between "ge" and "t" of a participle read as a regular verb's (short ones are
mostly irregular: "gedacht" is no form of "dachen")."""
MIN_NOUN = 5
"""Characters a word without a known suffix needs before "-lich" is tried on it."""
MAX_FORMS = 8

# (ending of the word, replacements): adjective → noun and back, verb → noun and back
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # adjectives → nouns
    ("lich", ("lichkeit", "", "e")),  # öffentlich → Öffentlichkeit, ehrenamtlich → Ehrenamt
    ("ig", ("igkeit",)),  # nachhaltig → Nachhaltigkeit
    ("bar", ("barkeit",)),  # erreichbar → Erreichbarkeit
    ("sam", ("samkeit",)),  # einsam → Einsamkeit
    ("los", ("losigkeit",)),  # arbeitslos → Arbeitslosigkeit
    ("frei", ("freiheit",)),  # barrierefrei → Barrierefreiheit
    ("isch", ("ie", "ik", "ismus")),  # demokratisch → Demokratie (not "Stammtisch" → "stammt")
    ("il", ("ilitat",)),  # mobil → Mobilität
    ("al", ("alitat", "alisierung")),  # regional → Regionalität, digital → Digitalisierung
    ("ell", ("", "e")),  # kulturell → Kultur
    ("iv", ("ion", "ivitat")),  # inklusiv → Inklusion, attraktiv → Attraktivität
    ("ant", ("anz",)),  # tolerant → Toleranz
    ("ent", ("enz",)),  # transparent → Transparenz
    # nouns → adjectives
    ("lichkeit", ("lich",)),
    ("igkeit", ("ig",)),
    ("keit", ("",)),
    ("heit", ("",)),
    ("ilitat", ("il",)),
    ("alitat", ("al",)),
    ("ivitat", ("iv",)),
    ("ismus", ("isch",)),
    ("anz", ("ant",)),
    ("enz", ("ent",)),
    ("ation", ("ieren", "iv")),  # Integration → integrieren, integrativ
    ("ion", ("iv", "ieren")),  # Inklusion → inklusiv
    # verbs → nouns (agent nouns too: gründen → Gründer)
    (
        "ieren",
        ("ierung", "ation", "ion"),
    ),  # digitalisieren → Digitalisierung, integrieren → Integration
    ("eln", ("lung", "ler")),  # vermitteln → Vermittlung
    ("ern", ("erung",)),  # fördern → Förderung
    ("en", ("ung", "e", "er", "t")),  # gründen → Gründung/Gründer, pflegen → Pflege, erzeugt
    ("end", ("en", "ung")),  # pflegend → pflegen, leerstehend → Leerstand (via stem)
    # nouns → verbs
    ("ierung", ("ieren",)),
    ("lung", ("eln",)),
    ("erung", ("ern",)),
    ("ung", ("en",)),
    ("e", ("en",)),  # Pflege → pflegen
)
_INFLECTION = ("en", "er", "es", "em", "e")
"""Adjective endings dropped first ("ehrenamtliche" → "ehrenamtlich")."""
_ADJECTIVE_ENDS = ("lich", "ig", "bar", "sam", "los", "frei", "isch", "il", "al", "ell", "iv")


def _bases(word: str) -> list[str]:
    """The word and, for an inflected adjective, its base form."""
    bases = [word]
    for ending in _INFLECTION:
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) > MIN_STEM and base.endswith(_ADJECTIVE_ENDS):
            bases.append(base)
            break
    if word.startswith("ge") and word.endswith("t"):  # gefördert → fördern, gegründet → gründen
        stem = word[2:-2] if word.endswith("et") else word[2:-1]
        if len(stem) >= MIN_PARTICIPLE_STEM:  # not "gedacht" → "dachen"
            bases += [stem + "n", stem + "en"] if stem.endswith("er") else [stem + "en"]
    elif word.endswith("iert") and len(word) > 6:  # engagiert, qualifiziert
        bases.append(word[:-1] + "en")
    return bases


def derived_forms(word: str) -> list[str]:
    """Candidate words of the same family as ``word`` (folded), nearest rule first, the word
    itself left out; at most :data:`MAX_FORMS`."""
    key = fold(word)
    if not key.isalpha():
        return []
    found: list[str] = []
    last: list[str] = []  # the guess of last resort comes after every rule's form
    for base in _bases(key):
        if base != key:
            found.append(base)
        for ending, replacements in _RULES:
            stem = base[: -len(ending)]
            if not base.endswith(ending) or len(stem) < MIN_STEM:
                continue
            found += [stem + r for r in replacements]
            break  # the first matching ending decides (longer endings come first)
        else:
            if len(base) >= MIN_NOUN:  # a noun without a suffix: Ehrenamt → ehrenamtlich
                last.append(base + "lich")
    forms = dict.fromkeys(found + last)
    return [f for f in forms if f != key and len(f) > MIN_STEM][:MAX_FORMS]
