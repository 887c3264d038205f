"""From a transcript to an intent: which skill, which of its intents, which slot values."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ambient.speech.phrases import Phrase, normalise


@dataclass(frozen=True)
class Intent:
    skill: str
    name: str
    slots: dict[str, str] = field(default_factory=dict)
    confidence: float = 1.0
    text: str = ""


class IntentMatcher:
    """Exact template matches first; otherwise the closest template sentence by word similarity,
    which forgives one misheard small word ("what is a time") but not a different request."""

    def __init__(self, phrases: dict[tuple[str, str], tuple[str, ...]]) -> None:
        self._compiled = [
            (skill, intent, Phrase.compile(template))
            for (skill, intent), templates in phrases.items()
            for template in templates
        ]

    @property
    def templates(self) -> list[str]:
        return [phrase.template for _, _, phrase in self._compiled]

    def match(self, text: str) -> Intent | None:
        heard = normalise(text)
        if not heard:
            return None
        best: Intent | None = None
        for skill, name, phrase in self._compiled:
            slots = phrase.match(heard)
            if slots is not None:
                return Intent(skill, name, slots, 1.0, heard)
            if "{" in phrase.template:
                continue  # a slot value cannot be guessed from a near miss
            for sentence in _sentences(phrase.template):
                ratio = difflib.SequenceMatcher(None, heard.split(), sentence.split()).ratio()
                if best is None or ratio > best.confidence:
                    best = Intent(skill, name, {}, ratio, heard)
        return best


def _sentences(template: str) -> list[str]:
    """Every sentence a slot-free template accepts (templates are small, so this stays small)."""
    import itertools
    import re

    tokens = re.findall(r"\[|\]|\(|\)|\||[a-z']+", template)

    def parse(position: int, closing: str | None) -> tuple[list[list[str]], int]:
        alternatives: list[list[list[str]]] = [[]]
        while position < len(tokens):
            token = tokens[position]
            if token == closing:
                break
            if token == "|":
                alternatives.append([])
                position += 1
            elif token in "[(":
                inner, position = parse(position + 1, "]" if token == "[" else ")")
                if token == "[":
                    inner = [*inner, []]
                alternatives[-1].append([w for option in inner for w in [" ".join(option)]])
                position += 1
            else:
                alternatives[-1].append([token])
                position += 1
        options = []
        for sequence in alternatives:
            for combination in itertools.product(*sequence) if sequence else [()]:
                options.append(" ".join(w for w in combination if w).split())
        return options, position

    sentences, _ = parse(0, None)
    return [" ".join(s) for s in sentences]
