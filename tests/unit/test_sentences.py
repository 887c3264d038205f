"""Streamed text into sentences: as early as possible, never inside one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ambient.speech.sentences import sentences_of, split_ready


async def _stream(pieces: list[str]) -> AsyncIterator[str]:
    for piece in pieces:
        yield piece


def _sentences_after_each_piece(pieces: list[str]) -> list[list[str]]:
    """What has been yielded once each piece has arrived (the stream paused after each)."""
    seen: list[list[str]] = []

    async def run() -> None:
        said: list[str] = []
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        async def source() -> AsyncIterator[str]:
            while (piece := await queue.get()) is not None:
                yield piece

        async def consume() -> None:
            async for sentence in sentences_of(source()):
                said.append(sentence)

        consumer = asyncio.create_task(consume())
        for piece in pieces:
            await queue.put(piece)
            for _ in range(5):
                await asyncio.sleep(0)
            seen.append(list(said))
        await queue.put(None)
        await consumer

    asyncio.run(run())
    return seen


def test_a_sentence_is_ready_with_its_last_piece() -> None:
    seen = _sentences_after_each_piece(["The", " moon", " is", " far.", " It", " drifts."])
    assert seen[2] == [] and seen[3] == ["The moon is far."]
    assert seen[5] == ["The moon is far.", "It drifts."]


INNER_STOPS = [["It", " costs", " 3.", "5", " pounds."], ["Ask", " Dr.", " Smith", " now."]]


@pytest.mark.parametrize("pieces", INNER_STOPS)
def test_a_full_stop_inside_a_sentence_does_not_end_it(pieces: list[str]) -> None:
    async def collect() -> list[str]:
        return [s async for s in sentences_of(_stream(pieces))]

    assert asyncio.run(collect()) == ["".join(pieces).strip()]


def test_split_ready_keeps_the_unfinished_rest() -> None:
    assert split_ready("One. Two? Thr") == (["One.", "Two?"], "Thr")
    assert split_ready("Wait: then") == (["Wait:"], "then")


def test_text_without_an_end_is_said_when_the_stream_ends() -> None:
    async def collect() -> list[str]:
        return [s async for s in sentences_of(_stream(["no", " full", " stop"]))]

    assert asyncio.run(collect()) == ["no full stop"]


@pytest.mark.parametrize(
    ("pieces", "first"),
    [
        (["Mont", " Blanc", " is", " the", " tallest.", " It"], "Mont Blanc is the tallest."),
        (["I", " like", " that", " the", " most.", " Then"], "I like that the most."),
        (["The", " answer", " is", " no.", " Sorry"], "The answer is no."),
    ],
)
def test_a_word_that_ends_like_an_abbreviation_ends_its_sentence(pieces: list[str], first: str) -> None:
    """ "tallest." is not "St.": found by the cloud fault suite, where a reply cut by a stall said
    nothing of its first sentence because it was held back as unfinished."""
    seen = _sentences_after_each_piece(pieces)
    assert seen[-2] == [first]  # ready with its own last piece, before the next sentence starts


def test_a_year_before_a_space_ends_the_sentence() -> None:
    assert split_ready("It opened in 1889. Then") == (["It opened in 1889."], "Then")
