"""The voice turn through its state machine: the listening and conversation stages as the device
wires them (channels, bus, real skills, the real player without a speaker), a scripted VAD and
wake word, a scripted recogniser that can be held back, and a fake clock. No test here waits on
real time beyond letting a thread hand back its answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from voice_turn_harness import CHUNK, ScriptedRecognizer, VoiceTurn

from ambient.assistant.conversation import CLOUD_NOT_SET_UP, TURN_FAILED
from ambient.events import (
    EarlyEndWithdrawn,
    IntentRecognized,
    PrivacyModeChanged,
    ReplyFinished,
    StageFailed,
    Transcribed,
    TurnAbandoned,
    TurnFinished,
    UtteranceCaptured,
    WakeWordDetected,
)

# "computer, what time is it ... in Tokyo": the wake word, 640 ms of speech, a 320 ms pause (long
# enough to be offered, shorter than the VAD's hang-over), 480 ms more speech, then silence
TWO_PART_COMMAND = "W" + "s" * 8 + "...." + "s" * 6
FIRST_PAUSE_CHUNK = 9  # the first silent chunk after the first part: pause 1 is offered
SECOND_PAUSE_CHUNK = 19


def test_a_late_answer_for_an_earlier_pause_never_ends_the_turn(tmp_path: Path) -> None:
    """The race of issue #13: recognition of the first fragment ("what time is it", a complete
    command) is slow and returns during the second pause. It must not end the turn on that
    shorter transcript; the turn ends on the second pause's answer, with the whole command.

    On the code before pause offers carried ids (only the interaction id was compared), the late
    answer was taken: the turn ended with the clock skill's reply while `UtteranceCaptured`
    spanned the whole command, and this test fails there."""
    recognizer = ScriptedRecognizer(["what time is it", "What time is it in Tokyo?"])
    slow_first = recognizer.hold(0)
    turn = VoiceTurn(TWO_PART_COMMAND, recognizer, tmp_path)
    # the first recognition is held until the second pause has been offered
    asyncio.run(turn.run(moves={SECOND_PAUSE_CHUNK + 1: slow_first.set}))

    withdrawn = turn.of(EarlyEndWithdrawn)
    assert [(w.pause_id, w.reason) for w in withdrawn] == [(1, "pause over")]
    [captured] = turn.of(UtteranceCaptured)
    assert captured.pause_id == 2 and captured.reason == "sentence complete"
    assert captured.end_sample == SECOND_PAUSE_CHUNK * CHUNK  # the whole command, both parts
    # the reply prepared on the stale transcript never shows: one transcript, the whole one
    assert [t.text for t in turn.of(Transcribed)] == ["What time is it in Tokyo?"]
    assert [i.route for i in turn.of(IntentRecognized)] == ["cloud"]
    assert [r.text for r in turn.of(ReplyFinished)] == [CLOUD_NOT_SET_UP]
    assert turn.states() == ["listening", "capturing", "ending", "recognising", "replying", "idle"]
    assert turn.state.ignored <= 2  # the refused pause's withdrawal and the VAD's late segment end


def test_a_turn_ended_by_the_hang_over(tmp_path: Path) -> None:
    """No pause holds a complete request ("set a timer" trails off): the VAD's hang-over ends the
    turn, the whole command is recognised once more and answered locally."""
    recognizer = ScriptedRecognizer(["set a timer", "What time is it"])
    turn = VoiceTurn("W" + "s" * 10, recognizer, tmp_path)
    asyncio.run(turn.run())
    [captured] = turn.of(UtteranceCaptured)
    assert captured.reason == "end of turn" and captured.pause_id is None
    assert [t.text for t in turn.of(Transcribed)] == ["What time is it"]
    assert [(i.route, i.skill) for i in turn.of(IntentRecognized)] == [("local", "clock")]
    assert [f.outcome for f in turn.of(TurnFinished)] == ["answered"]
    assert turn.states() == ["listening", "capturing", "recognising", "replying", "idle"]


def test_speech_that_resumes_in_the_pause_withdraws_the_early_end(tmp_path: Path) -> None:
    """The first pause holds a complete command, but the user goes on before the pause has lasted
    240 ms: the early end is withdrawn (ending -> capturing), the reply prepared for it dropped."""
    recognizer = ScriptedRecognizer(["what time is it", "What time is it in Tokyo?"])
    turn = VoiceTurn("W" + "s" * 8 + ".." + "s" * 5, recognizer, tmp_path)
    asyncio.run(turn.run())
    assert [(w.pause_id, w.reason) for w in turn.of(EarlyEndWithdrawn)] == [(1, "speech resumed")]
    [captured] = turn.of(UtteranceCaptured)
    assert captured.pause_id == 2
    assert [t.text for t in turn.of(Transcribed)] == ["What time is it in Tokyo?"]
    assert turn.states() == [
        "listening", "capturing", "ending", "capturing", "ending", "recognising", "replying", "idle",
    ]  # fmt: skip


def test_a_wake_word_with_nothing_after_it_is_abandoned(tmp_path: Path) -> None:
    turn = VoiceTurn("W", ScriptedRecognizer([]), tmp_path)
    asyncio.run(turn.run(extra_chunks=70))  # 5.6 s: past the 5 s no-speech timeout
    assert [a.reason for a in turn.of(TurnAbandoned)] == ["no speech after the wake word"]
    assert turn.states() == ["listening", "idle"]


class FailingOnce(ScriptedRecognizer):
    def transcribe(self, samples):  # type: ignore[no-untyped-def]
        if self.calls == 1:  # the first turn's captured command
            self.calls += 1
            raise RuntimeError("recogniser crashed")
        return super().transcribe(samples)


def test_a_failed_turn_says_so_and_the_next_turn_is_answered(tmp_path: Path) -> None:
    recognizer = FailingOnce(["set a timer", "", "set a timer", "What time is it"])
    script = "W" + "s" * 10 + "." * 20 + "W" + "s" * 10
    turn = VoiceTurn(script, recognizer, tmp_path)
    asyncio.run(turn.run())
    [failed] = turn.of(StageFailed)
    assert failed.stage == "turn" and "recogniser crashed" in failed.error
    first, second = (w.correlation_id for w in turn.of(WakeWordDetected))
    assert failed.correlation_id == first
    said = [(r.correlation_id, r.text) for r in turn.of(ReplyFinished)]
    assert said[0] == (first, TURN_FAILED) and said[1][0] == second and said[1][1].startswith("It's")
    assert [(f.correlation_id, f.outcome) for f in turn.of(TurnFinished)] == [
        (first, "failed"), (second, "answered"),
    ]  # fmt: skip
    assert turn.state.state.value == "idle"


def test_stop_listening_turns_privacy_on_and_the_next_wake_is_not_heard(tmp_path: Path) -> None:
    recognizer = ScriptedRecognizer(["stop listening", "what time is it"])
    script = "W" + "s" * 8 + "." * 20 + "W" + "s" * 8
    turn = VoiceTurn(script, recognizer, tmp_path)
    asyncio.run(turn.run())
    assert [p.on for p in turn.of(PrivacyModeChanged)] == [True]
    assert len(turn.of(WakeWordDetected)) == 1  # the second wake word was never heard
    assert turn.states()[-1] == "private"
    assert recognizer.calls == 1
