"""Finding the known people a text names, for the editor to confirm as "people mentioned".

Matching is on whole words and case-sensitive: "Trump" is found in "Trump said" and "Trump's",
never in "trumpet" or "Trumpet". A longer name wins over a shorter one at the same place, so
"Vladimir Putin" is one match, not "Vladimir Putin" and "Putin".
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    person_id: int
    found_as: str
    position: int


def name_pattern(names):
    """One regular expression for every name, longest first, on word boundaries. Letters in any
    script count as word characters, so "Ivanov" is not found inside "Ivanova"."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def find_people(text, people):
    """The people among ``people`` (objects with ``pk``, ``name`` and ``alias_list``) that
    ``text`` names, each once, in order of first appearance."""
    owners = {}
    for person in people:
        for name in [person.name, *person.alias_list]:
            name = name.strip()
            if name:
                owners.setdefault(name, []).append(person.pk)
    if not owners or not text:
        return []
    found = {}
    for match in name_pattern(owners).finditer(text):
        for person_id in owners[match.group(0)]:
            if person_id not in found:
                found[person_id] = Found(person_id, match.group(0), match.start())
    return sorted(found.values(), key=lambda item: item.position)
