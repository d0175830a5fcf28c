"""Folding school names for word search
(docs/contract.md, Schools and staff: `q` matches name words, case- and accent-insensitive).

The folded name is stored beside the name (school.search_name), so one LIKE does the search on
SQLite and PostgreSQL alike: neither engine's own lower() folds accents, and SQLite's folds only
ASCII.
"""

from __future__ import annotations

import re
import unicodedata

# Apostrophes join ("St Mary's" is "st marys", and so is a search for "marys" or "mary's");
# any other character that is not a letter or digit separates words.
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold_words(text: str) -> list[str]:
    """Lower case, accents gone, letters and digits only: "École Saint-Étienne" -> école is
    ["ecole", "saint", "etienne"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("æ", "ae").replace("œ", "oe").replace("ø", "o").replace("ß", "ss")
    return [w for w in _NOT_WORD.split(_APOSTROPHES.sub("", plain)) if w]


def search_name(name: str) -> str:
    """What is stored: the folded words with one space either side, so a word's start is
    always " word"."""
    return f" {' '.join(fold_words(name))} "
