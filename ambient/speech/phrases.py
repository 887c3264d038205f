"""Phrase templates: one small language for what a skill understands, compiled both to a JSGF
grammar (for the command recognizer) and to regular expressions (for matching any transcript).

Syntax: plain words; `[optional words]`; `(one | other)` alternatives; `{slot}` for a slot type
below. Transcripts are normalised first (lower case, no punctuation, digits spelt out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS = {
    20: "twenty", 30: "thirty", 40: "forty", 50: "fifty",
    60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety",
}  # fmt: skip


def number_words(value: int) -> str:
    if value < 20:
        return _ONES[value]
    tens, ones = divmod(value, 10)
    return _TENS[tens * 10] + ("" if ones == 0 else " " + _ONES[ones])


NUMBERS = {number_words(n): n for n in range(100)}
NUMBER_ALTERNATIVES = sorted(NUMBERS, key=len, reverse=True)

SLOT_JSGF = {
    "number": "<number>",
    "unit": "<unit>",
    "level": "<level>",
}
OPEN_SLOTS = {"name", "person", "text", "item"}
"""Slots whose values no grammar can list (a household member's name): templates with one are
matched on any recogniser's transcript, but left out of the command grammar."""
SLOT_REGEX = {
    "name": "(?P<{name}>[a-z']+(?: [a-z']+){{0,2}})",
    # the shortest name that lets the rest match: "remind ana to go to the shop" names "ana"
    "person": "(?P<{name}>[a-z']+(?: [a-z']+){{0,2}}?)",
    "text": "(?P<{name}>[a-z']+(?: [a-z']+){{0,15}})",
    "item": "(?P<{name}>[a-z']+(?: [a-z']+){{0,3}}?)",
    "hour": "(?P<{name}>" + "|".join(number_words(n) for n in range(12, 0, -1)) + ")",
    "meridiem": "(?P<{name}>am|pm|a m|p m|in the morning|in the afternoon|in the evening|tonight)",
    "number": "(?P<{name}>" + "|".join(NUMBER_ALTERNATIVES) + "|a|an)",
    "unit": "(?P<{name}>seconds?|minutes?|hours?)",
    "level": "(?P<{name}>" + "|".join(number_words(n) for n in range(10, -1, -1)) + ")",
}
_JSGF_RULES = {
    "number": " | ".join(number_words(n) for n in range(1, 100)) + " | a | an",
    "unit": "second | seconds | minute | minutes | hour | hours",
    "level": " | ".join(number_words(n) for n in range(11)),
}

_CONTRACTIONS = {"what's": "what is", "who's": "who is", "it's": "it is", "that's": "that is", "i'm": "i am"}


def normalise(text: str) -> str:
    """Lower case, contractions opened, digits spelt out, punctuation dropped."""
    lowered = text.lower().replace("’", "'")
    for short, full in _CONTRACTIONS.items():
        lowered = re.sub(rf"\b{re.escape(short)}\b", full, lowered)
    lowered = re.sub(r"(\d)(am|pm)\b", r"\1 \2", lowered)  # "6pm"
    lowered = re.sub(r"\b(\d{1,2})\b", lambda m: " " + number_words(int(m.group(1))) + " ", lowered)
    lowered = lowered.replace("-", " ")
    lowered = re.sub(r"[^a-z' ]+", " ", lowered)
    return " ".join(lowered.split())


def _tokens(template: str) -> list[str]:
    return re.findall(r"\[|\]|\(|\)|\||\{[a-z_]+\}|[a-z']+", template)


@dataclass(frozen=True)
class Phrase:
    template: str
    regex: re.Pattern[str]

    @staticmethod
    def compile(template: str) -> Phrase:
        slot_counts: dict[str, int] = {}
        parts: list[str] = []
        for token in _tokens(template):
            if token == "[":
                parts.append("(?:")
            elif token == "]":
                parts.append(")?")
            elif token == "(":
                parts.append("(?:")
            elif token == ")":
                parts.append(")")
            elif token == "|":
                parts.append("|")
            elif token.startswith("{"):
                kind = token[1:-1]
                if kind not in SLOT_REGEX:
                    raise ValueError(f"unknown slot {token} in phrase {template!r}")
                count = slot_counts.get(kind, 0)
                slot_counts[kind] = count + 1
                parts.append(SLOT_REGEX[kind].format(name=kind if count == 0 else f"{kind}{count}") + " ")
            else:
                parts.append(re.escape(token) + " ")
        # every word ends with one space; optional groups may take theirs away cleanly
        pattern = "".join(parts)
        return Phrase(template, re.compile("^" + pattern + "$"))

    def match(self, normalised: str) -> dict[str, str] | None:
        found = self.regex.match(normalised + " ")
        if found is None:
            return None
        return {key: value for key, value in found.groupdict().items() if value is not None}


def to_jsgf(templates: list[str], name: str = "commands") -> str:
    """A JSGF grammar accepting exactly the templates' sentences."""
    alternatives = []
    used_slots: set[str] = set()
    for template in templates:
        if any(token[1:-1] in OPEN_SLOTS for token in _tokens(template) if token.startswith("{")):
            continue
        out = []
        for token in _tokens(template):
            if token.startswith("{"):
                kind = token[1:-1]
                used_slots.add(kind)
                out.append(SLOT_JSGF[kind])
            else:
                out.append(token)
        alternatives.append(
            " ".join(out).replace("( ", "(").replace(" )", ")").replace("[ ", "[").replace(" ]", "]")
        )
    lines = [
        "#JSGF V1.0;",
        f"grammar {name};",
        "public <command> = " + " | ".join(f"({a})" for a in alternatives) + ";",
    ]
    lines += [f"<{kind}> = {_JSGF_RULES[kind]};" for kind in sorted(used_slots)]
    return "\n".join(lines) + "\n"
