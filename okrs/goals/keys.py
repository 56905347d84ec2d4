"""A key derived from a title, for the editor: "Reduce deployment lead time from 4 days to 6
hours" -> reduce-deployment-lead-time-from-4-days. Pure: the editor's form calls it with a test
of which keys are taken; editor.js applies the same rule as the person types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Long enough to say what it is, short enough for a URL, a file and a chat command.
LONGEST_DERIVED = 40


def key_from_title(title: str, *, fallback: str) -> str:
    """Lowercase ASCII words joined by '-', cut at a word under LONGEST_DERIVED characters;
    `fallback` when the title holds no letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    key = ""
    for word in words:
        longer = f"{key}-{word}" if key else word
        if len(longer) > LONGEST_DERIVED:
            break
        key = longer
    if not key and words:
        key = words[0][:LONGEST_DERIVED]  # one very long word
    return key or fallback


def unique_key(key: str, *, taken: Callable[[str], bool]) -> str:
    """`key`, or `key-2`, `key-3`... the first one not `taken`."""
    candidate, number = key, 1
    while taken(candidate):
        number += 1
        candidate = f"{key}-{number}"
    return candidate
