"""The listening stage's pause offers, with a scripted VAD: an answer for a pause that is over is
refused, so a slow recognition of the first fragment can never end the turn on a stale transcript
during a later pause (the race issue #13 describes)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ambient.assistant.listening import ListeningStage
from ambient.assistant.turn import TurnSettings, TurnTracker
from ambient.assistant.turn_messages import EarlyEndRequest, PauseAudio, TurnAudio
from ambient.assistant.turn_state import TurnStateMachine
from ambient.audio.utterance import UtteranceRecorder
from ambient.clock import FakeClock
from ambient.events import Event, UtteranceCaptured, WakeWordDetected
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import MediaChannel, MessageChannel

CHUNK = np.zeros(1280, dtype=np.int16)
EARLY_END = 3840  # 240 ms


@dataclass
class ScriptedCore:
    """The listening core as the stage sees it, with the VAD's "quiet since" set by the test."""

    quiet_samples: int = 0
    recorder: UtteranceRecorder = field(default_factory=lambda: UtteranceRecorder(20.0))


@dataclass
class RecordingSink:
    """The conversation stage's end of the turn-audio channel: the pause offers, in order."""

    channel: MessageChannel[TurnAudio] = field(default_factory=lambda: MessageChannel("turn audio"))
    offers: list[tuple[str, int, int]] = field(default_factory=list)

    def take(self) -> None:
        while len(self.channel):
            message = self.channel._items.popleft()
            if isinstance(message, PauseAudio):
                self.offers.append((message.correlation_id, message.pause_id, message.samples.size))


def stage_in_a_turn() -> tuple[ListeningStage, ScriptedCore, RecordingSink, list[Event]]:
    core, sink, bus, clock = ScriptedCore(), RecordingSink(), EventBus(), FakeClock()
    machine = TurnStateMachine(bus.publish, clock)
    bus.subscribe(machine)
    turns = TurnTracker(TurnSettings(5.0, 10.0, 0.3))
    stage = ListeningStage(core, turns, MediaChannel("audio", 8), bus, clock, None,  # type: ignore[arg-type]
                           machine, outbox=sink.channel, early_end_samples=EARLY_END)  # fmt: skip
    for _ in range(40):  # 3.2 s of audio heard
        core.recorder.write(CHUNK)
    # the wake word opened this turn at 0.8 s; the command started at 1 s
    bus.publish(WakeWordDetected(t=0.8, correlation_id="turn1", model="computer", engine="ambient",
                                 score=0.99, end_sample=12_800))  # fmt: skip
    turns.on_wake(12_800, None)
    turns.on_speech_start(16_000)
    history = bus.keep_history()
    return stage, core, sink, history


def pause(
    stage: ListeningStage, core: ScriptedCore, sink: RecordingSink, quiet: int, chunks: int = 1
) -> None:
    """`chunks` more chunks heard, the VAD quiet for the last `quiet` samples of them."""
    for _ in range(chunks):
        core.recorder.write(CHUNK)
    core.quiet_samples = quiet
    stage._offer_pause()  # what the stage does after every chunk inside a turn
    sink.take()


def ended(history: list[Event]) -> list[UtteranceCaptured]:
    return [event for event in history if isinstance(event, UtteranceCaptured)]


def test_an_answer_for_an_older_pause_is_refused() -> None:
    stage, core, sink, history = stage_in_a_turn()
    pause(stage, core, sink, 640)  # 40 ms into the first pause: offered
    first = sink.offers[-1][1]
    pause(stage, core, sink, 0, chunks=8)  # the user goes on for 0.64 s ...
    pause(stage, core, sink, 640)  # ... and pauses again: a second offer
    second = sink.offers[-1][1]
    assert [o[0] for o in sink.offers] == ["turn1", "turn1"] and first != second
    # recognition of the first fragment returns late, during the second pause: refused
    assert not stage.request_early_end(EarlyEndRequest("turn1", first, "command complete"))
    # the answer about the pause that is still going on is taken, and ends the turn once the pause
    # has lasted the early-end time
    assert stage.request_early_end(EarlyEndRequest("turn1", second, "sentence complete"))
    assert not ended(history)
    pause(stage, core, sink, EARLY_END, chunks=3)
    [captured] = ended(history)
    assert captured.reason == "sentence complete" and captured.pause_id == second
    assert [e.type for e in history if e.type != "TurnStateChanged"] == [
        "EarlyEndWithdrawn", "EarlyEndPending", "UtteranceCaptured",
    ]  # fmt: skip


def test_an_answer_after_speech_resumed_is_refused_too() -> None:
    stage, core, sink, _ = stage_in_a_turn()
    pause(stage, core, sink, 640)
    offered = sink.offers[-1][1]
    pause(stage, core, sink, 0, chunks=5)  # speech resumed (0.4 s of it) before the answer came
    assert not stage.request_early_end(EarlyEndRequest("turn1", offered, "command complete"))


def test_an_answer_still_about_the_last_words_is_taken_in_a_later_offer() -> None:
    """The VAD's quiet can dip just after the words (their soft tail): the stage offers again, but
    an answer about the earlier offer still covers everything said, and is taken."""
    stage, core, sink, history = stage_in_a_turn()
    pause(stage, core, sink, 640)
    first = sink.offers[-1][1]
    pause(stage, core, sink, 0, chunks=2)  # a speech window 160 ms on: the words' soft tail, no new word
    pause(stage, core, sink, 1920)
    assert sink.offers[-1][1] != first
    assert stage.request_early_end(EarlyEndRequest("turn1", first, "command complete"))
    pause(stage, core, sink, EARLY_END, chunks=2)
    assert len(ended(history)) == 1
