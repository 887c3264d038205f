"""Streamed text into sentences, so speech can start before the whole answer has arrived."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

_END = re.compile(r"(?<=[.!?;:])[\"')\]]*\s+(?=\S)")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "no.")


def split_ready(buffer: str) -> tuple[list[str], str]:
    """Sentences complete in `buffer`, and the rest still being written."""
    sentences: list[str] = []
    start = 0
    for found in _END.finditer(buffer):
        candidate = buffer[start : found.start()].strip()
        if candidate.lower().endswith(_ABBREVIATIONS) or re.search(r"\d\.$", candidate):
            continue  # "Dr. Smith", "3.5": not an end
        if candidate:
            sentences.append(candidate)
        start = found.end()
    return sentences, buffer[start:]


async def sentences_of(pieces: AsyncIterator[str]) -> AsyncIterator[str]:
    buffer = ""
    async for piece in pieces:
        buffer += piece
        ready, buffer = split_ready(buffer)
        for sentence in ready:
            yield sentence
    if buffer.strip():
        yield buffer.strip()
