"""The end-of-turn state machine on exact probability sequences."""

from __future__ import annotations

from ambient.audio.segmenter import ENDED, NOTHING, STARTED, EndOfTurnSegmenter, SegmenterSettings

WINDOW_MS = 32.0


def feed(segmenter: EndOfTurnSegmenter, probabilities: list[float]) -> list[tuple[int, int, int]]:
    """(window index, change, windows ago) for every boundary."""
    s = segmenter.settings
    changes = []
    for index, p in enumerate(probabilities):
        change = segmenter.update(p >= s.threshold, p >= s.release_threshold)
        if change == STARTED:
            changes.append((index, change, segmenter.start_windows_ago))
        elif change == ENDED:
            changes.append((index, change, segmenter.end_windows_ago))
    return changes


def settings(**kw: float) -> SegmenterSettings:
    base = {"min_speech_ms": 96.0, "hangover_ms": 96.0, "start_pad_ms": 0.0}
    return SegmenterSettings(**{**base, **kw})


def test_start_needs_min_speech_and_reports_the_first_window() -> None:
    seg = EndOfTurnSegmenter(settings(), WINDOW_MS)
    changes = feed(seg, [0.0, 0.4, 0.9, 0.9, 0.0, 0.0, 0.0, 0.0])
    # windows 1-3 are above the release threshold, one of them above the threshold: start at 1
    assert changes[0] == (3, STARTED, 2)
    assert changes[1] == (6, ENDED, 3)  # last speech window 3 = 6 - 3


def test_short_blips_never_start() -> None:
    seg = EndOfTurnSegmenter(settings(), WINDOW_MS)
    assert feed(seg, [0.9, 0.9, 0.1, 0.9, 0.0, 0.9, 0.9, 0.0]) == []


def test_soft_run_without_a_confident_window_never_starts() -> None:
    seg = EndOfTurnSegmenter(settings(), WINDOW_MS)
    assert feed(seg, [0.4] * 20) == []


def test_hysteresis_keeps_a_segment_through_dips_above_release() -> None:
    seg = EndOfTurnSegmenter(settings(), WINDOW_MS)
    changes = feed(seg, [0.9, 0.9, 0.9, 0.4, 0.4, 0.4, 0.9, 0.1, 0.1, 0.1])
    assert [c[1] for c in changes] == [STARTED, ENDED]
    assert changes[1][0] - changes[1][2] == 6


def test_hangover_gap_shorter_than_setting_does_not_split() -> None:
    seg = EndOfTurnSegmenter(settings(hangover_ms=128.0), WINDOW_MS)
    changes = feed(seg, [0.9] * 4 + [0.0] * 3 + [0.9] * 4 + [0.0] * 4)
    assert [c[1] for c in changes] == [STARTED, ENDED]


def test_start_pad_moves_the_start_earlier() -> None:
    seg = EndOfTurnSegmenter(settings(start_pad_ms=64.0), WINDOW_MS)
    assert feed(seg, [0.9, 0.9, 0.9])[0] == (2, STARTED, 4)


def test_flush_closes_an_open_segment() -> None:
    seg = EndOfTurnSegmenter(settings(), WINDOW_MS)
    feed(seg, [0.9] * 5)
    assert seg.flush() == ENDED
    assert seg.flush() == NOTHING
