"""Streamed text into sentences, so speech can start before the whole answer has arrived."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

_END = re.compile(r"(?<=[.!?;:])[\"')\]]*\s+(?=\S)")
_CLOSED = re.compile(r"[.!?][\"')\]]*$")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.")
"""("no." is not among them: "The answer is no." ends far more replies than "No. 5" appears.)"""


def _not_an_end(candidate: str) -> bool:
    """ "Dr. Smith": a full stop after an abbreviation does not end the sentence. The abbreviation
    is the whole last word: "the tallest." and "the most." end theirs."""
    words = candidate.lower().split()
    return bool(words) and words[-1].lstrip("\"'([") in _ABBREVIATIONS


def _may_go_on(candidate: str) -> bool:
    """A full stop at the very end of the text so far that the next piece may continue: "3." of
    "3.5", or an abbreviation. Followed by a space, "in 1889." is an end (`split_ready`)."""
    return _not_an_end(candidate) or re.search(r"\d\.$", candidate) is not None


def split_ready(buffer: str) -> tuple[list[str], str]:
    """Sentences complete in `buffer`, and the rest still being written."""
    sentences: list[str] = []
    start = 0
    for found in _END.finditer(buffer):
        candidate = buffer[start : found.start()].strip()
        if _not_an_end(candidate):
            continue
        if candidate:
            sentences.append(candidate)
        start = found.end()
    return sentences, buffer[start:]


async def sentences_of(pieces: AsyncIterator[str]) -> AsyncIterator[str]:
    """Each sentence as soon as its last piece arrives.

    Streaming APIs send text in word-sized pieces with the space in front ("away.", " It"), so a
    piece that closes a sentence is taken as its end at once rather than after the next piece
    shows the space: one piece sooner (33 ms at 30 pieces a second) on the reply's critical path.
    """
    buffer = ""
    try:
        async for piece in pieces:
            buffer += piece
            ready, buffer = split_ready(buffer)
            closed = buffer.strip()
            if _CLOSED.search(closed) and not _may_go_on(closed):
                ready.append(closed)
                buffer = ""
            for sentence in ready:
                yield sentence
        if buffer.strip():
            yield buffer.strip()
    finally:
        await close_stream(pieces)


async def close_stream(stream: AsyncIterator[str]) -> None:
    """Close an async generator now, not when it is collected: a cloud stream cut by a barge-in
    records its outcome on the ledger and closes its connection at once."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
