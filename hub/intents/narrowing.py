"""Only the home's words that can be in a sentence are handed to hassil.

hassil tries every value of a slot list wherever a template has that list. For
English it narrows the values by the first letter; for Chinese (no spaces, so no
word starts) it cannot, and tries every name of every device and room at every
`{name}` and `{area}` of every template: with the demo home's ~170 names that was
half of the time a Chinese sentence took. A value can only match when its letters
appear in the sentence in the same order (whatever skip words and punctuation are
taken out), so `NarrowedLists.for_text` keeps just those. The filter is sound: it
never drops a value that could match, so results are the same, only faster. Each
value's key is computed once, when the home's words are built.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from hassil.expression import TextChunk
from hassil.intents import SlotList, TextSlotList, TextSlotValue
from hassil.util import fold_case


def match_key(text: str) -> str:
    """Letters and digits only, case-folded at least as far as hassil's own matching folds."""
    folded = fold_case(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in folded if ch.isalnum())


def in_order(needle: str, haystack: str) -> bool:
    """Whether every character of `needle` occurs in `haystack`, in order."""
    at = 0
    for ch in needle:
        at = haystack.find(ch, at) + 1
        if not at:
            return False
    return True


class NarrowedLists:
    """Slot lists, narrowed per sentence to the values whose letters it contains."""

    def __init__(self, lists: Mapping[str, SlotList]) -> None:
        self._lists = dict(lists)
        #: list name -> (value, key, the key's letters); key None: a template, always kept.
        self._keys = {
            name: [_keyed(value) for value in slot_list.values]
            for name, slot_list in lists.items()
            if isinstance(slot_list, TextSlotList)
        }

    def for_text(self, text: str) -> dict[str, SlotList]:
        haystack = match_key(text)
        letters = frozenset(haystack)
        narrowed = dict(self._lists)
        for name, keyed in self._keys.items():
            narrowed[name] = TextSlotList(
                name=name,
                values=[
                    value
                    for value, key, needs in keyed
                    # The set test (in C) settles most values; the order only the rest.
                    if key is None or (needs <= letters and in_order(key, haystack))
                ],
            )
        return narrowed


def _keyed(value: TextSlotValue) -> tuple[TextSlotValue, str | None, frozenset[str]]:
    if not isinstance(value.text_in, TextChunk):
        return value, None, frozenset()
    key = match_key(value.text_in.text)
    return value, key, frozenset(key)
