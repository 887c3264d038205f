"""The listening stage's pause offers, with a scripted VAD: an answer for a pause that is over is
refused, so a slow recognition of the first fragment can never end the turn on a stale transcript
during a later pause (the race issue #13 describes)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ambient.assistant.listening import ListeningStage
from ambient.assistant.turn import TurnSettings, TurnTracker
from ambient.audio.utterance import UtteranceRecorder
from ambient.clock import FakeClock
from ambient.events import Event, SpeechEnded, UtteranceCaptured
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import MediaChannel

CHUNK = np.zeros(1280, dtype=np.int16)
EARLY_END = 3840  # 240 ms


@dataclass
class ScriptedCore:
    """The listening core as the stage sees it, with the VAD's "quiet since" set by the test."""

    quiet_samples: int = 0
    recorder: UtteranceRecorder = field(default_factory=lambda: UtteranceRecorder(20.0))


@dataclass
class RecordingSink:
    offers: list[tuple[str, int, int]] = field(default_factory=list)

    def pause(self, correlation_id: str, pause_id: int, samples: npt.NDArray[np.int16]) -> None:
        self.offers.append((correlation_id, pause_id, samples.size))

    def captured(self, event: UtteranceCaptured, samples: npt.NDArray[np.int16]) -> None: ...

    def segment(self, event: SpeechEnded, samples: npt.NDArray[np.int16]) -> None: ...

    def short_pause(self, samples: npt.NDArray[np.int16]) -> None: ...


def stage_in_a_turn() -> tuple[ListeningStage, ScriptedCore, RecordingSink, list[Event]]:
    core, sink, bus = ScriptedCore(), RecordingSink(), EventBus()
    history = bus.keep_history()
    turns = TurnTracker(TurnSettings(5.0, 10.0, 0.3))
    stage = ListeningStage(core, turns, MediaChannel("audio", 8), bus, FakeClock(), executor=None,  # type: ignore[arg-type]
                           sink=sink, early_end_samples=EARLY_END)  # fmt: skip
    for _ in range(40):  # 3.2 s of audio heard
        core.recorder.write(CHUNK)
    stage._interaction_id = "turn1"  # the wake word opened this turn at 0.8 s
    turns.on_wake(12_800, None)
    turns.on_speech_start(16_000)
    return stage, core, sink, history


def pause(stage: ListeningStage, core: ScriptedCore, quiet: int, chunks: int = 1) -> None:
    """`chunks` more chunks heard, the VAD quiet for the last `quiet` samples of them."""
    for _ in range(chunks):
        core.recorder.write(CHUNK)
    core.quiet_samples = quiet
    stage._offer_pause()  # what the stage does after every chunk inside a turn


def test_an_answer_for_an_older_pause_is_refused() -> None:
    stage, core, sink, history = stage_in_a_turn()
    pause(stage, core, 640)  # 40 ms into the first pause: offered
    first = sink.offers[-1][1]
    pause(stage, core, 0, chunks=8)  # the user goes on for 0.64 s ...
    pause(stage, core, 640)  # ... and pauses again: a second offer
    second = sink.offers[-1][1]
    assert [o[0] for o in sink.offers] == ["turn1", "turn1"] and first != second
    ended: list[UtteranceCaptured] = []
    resumed: list[bool] = []
    # recognition of the first fragment returns late, during the second pause: refused
    assert not stage.request_early_end(
        "turn1", first, "command complete", ended.append, lambda: resumed.append(True)
    )
    # the answer about the pause that is still going on is taken, and ends the turn once the pause
    # has lasted the early-end time
    assert stage.request_early_end(
        "turn1", second, "sentence complete", ended.append, lambda: resumed.append(True)
    )
    assert not ended
    pause(stage, core, EARLY_END, chunks=3)
    assert len(ended) == 1 and ended[0].reason == "sentence complete" and not resumed
    assert [e.type for e in history] == ["UtteranceCaptured"]


def test_an_answer_after_speech_resumed_is_refused_too() -> None:
    stage, core, sink, _ = stage_in_a_turn()
    pause(stage, core, 640)
    offered = sink.offers[-1][1]
    pause(stage, core, 0, chunks=5)  # speech resumed (0.4 s of it) before the answer came
    assert not stage.request_early_end("turn1", offered, "command complete", lambda _: None, lambda: None)


def test_an_answer_still_about_the_last_words_is_taken_in_a_later_offer() -> None:
    """The VAD's quiet can dip just after the words (their soft tail): the stage offers again, but
    an answer about the earlier offer still covers everything said, and is taken."""
    stage, core, sink, _ = stage_in_a_turn()
    pause(stage, core, 640)
    first = sink.offers[-1][1]
    pause(stage, core, 0, chunks=2)  # a speech window 160 ms on: the words' soft tail, no new word
    pause(stage, core, 1920)
    assert sink.offers[-1][1] != first
    ended: list[UtteranceCaptured] = []
    assert stage.request_early_end("turn1", first, "command complete", ended.append, lambda: None)
    pause(stage, core, EARLY_END, chunks=2)
    assert len(ended) == 1
