"""The turn tracker on exact sample positions: which audio is the command after the wake word."""

from __future__ import annotations

from ambient.assistant.turn import TurnSettings, TurnTracker

S = 16_000


def tracker() -> TurnTracker:
    return TurnTracker(TurnSettings(no_speech_timeout_s=3.0, max_utterance_s=5.0, min_utterance_s=0.3))


def test_command_in_the_same_breath_starts_at_the_wake_word_end() -> None:
    turns = tracker()
    turns.on_wake(end_sample=2 * S, speech_open_since=int(1.2 * S))
    assert turns.on_audio(3 * S) is None
    outcome = turns.on_speech_end(int(1.2 * S), 4 * S)
    assert outcome is not None and outcome.captured
    assert (outcome.start_sample, outcome.end_sample, outcome.reason) == (2 * S, 4 * S, "end of turn")
    assert not turns.active


def test_the_wake_words_own_segment_is_not_a_command() -> None:
    turns = tracker()
    turns.on_wake(end_sample=2 * S, speech_open_since=int(1.3 * S))
    assert turns.on_speech_end(int(1.3 * S), int(2.1 * S)) is None  # only 0.1 s after the wake word
    assert turns.active
    turns.on_speech_start(3 * S)
    outcome = turns.on_speech_end(3 * S, 5 * S)
    assert outcome is not None and (outcome.start_sample, outcome.end_sample) == (3 * S, 5 * S)


def test_no_speech_times_out_in_audio_time() -> None:
    turns = tracker()
    turns.on_wake(end_sample=2 * S, speech_open_since=None)
    assert turns.on_audio(5 * S - 1) is None
    outcome = turns.on_audio(5 * S)
    assert outcome is not None and not outcome.captured and outcome.reason == "no speech after the wake word"


def test_a_command_that_goes_on_is_cut_at_max_length() -> None:
    turns = tracker()
    turns.on_wake(end_sample=2 * S, speech_open_since=None)
    turns.on_speech_start(int(2.5 * S))
    outcome = turns.on_audio(int(7.5 * S))
    assert outcome is not None and outcome.captured and outcome.reason == "max length"
    assert (outcome.start_sample, outcome.end_sample) == (int(2.5 * S), int(7.5 * S))


def test_speech_without_a_wake_word_is_ignored() -> None:
    turns = tracker()
    turns.on_speech_start(S)
    assert turns.on_speech_end(S, 3 * S) is None
    assert turns.on_audio(10 * S) is None
