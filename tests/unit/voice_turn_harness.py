"""The voice turn's two stages and its state machine wired as the device wires them, with a scripted
VAD and wake word, a scripted recogniser that can be held back, a fake clock and no speaker.

What is scripted is the edge (what the models would have heard); the channels, the bus, the
state machine, the listening and conversation stages, the skills, the cloud path and the reply
player are the real ones. A script is a string, one character per 80 ms chunk:

    W   the wake word ends in this chunk (the chunk is silent)
    s   speech
    .   silence

The VAD opens a segment on the first speech chunk and closes it after `HANGOVER` silent chunks,
as the real segmenter does; "quiet" is the silence since the last speech chunk of an open segment.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.assistant.conversation import ConversationStage
from ambient.assistant.listening import ListeningStage
from ambient.assistant.skills import SkillContext, default_skills
from ambient.assistant.timers import TimerStore
from ambient.assistant.turn import TurnSettings, TurnTracker
from ambient.assistant.turn_messages import EarlyEndRequest, TurnAudio
from ambient.assistant.turn_state import TurnStateMachine
from ambient.assistant.volume import VolumeControl
from ambient.audio.speech_activity import SpeechBoundary
from ambient.audio.utterance import UtteranceRecorder
from ambient.clock import FakeClock
from ambient.cloud.reasoner import build_reasoner
from ambient.config import CloudSettings
from ambient.context.store import ContextStore
from ambient.events import Event, TurnStateChanged
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import MediaChannel, MessageChannel
from ambient.speech.playback import ReplyPlayer
from ambient.speech.recognition import Transcript
from ambient.wakeword.detector import WakeWordHit

CHUNK = 1280
HANGOVER = 8  # 640 ms, the segmenter's default
EARLY_END = 3840  # 240 ms, stt.early_end_ms's default


class InlineExecutor(Executor):
    """Runs the job at once on the caller's thread: the scripted VAD costs nothing."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the awaiting side as is
            future.set_exception(error)
        return future


@dataclass
class _Ring:
    samples_written: int = 0


@dataclass
class _Speech:
    ring: _Ring

    def flush(self) -> tuple[SpeechBoundary, ...]:
        return ()


@dataclass
class _Wake:
    name: str = "scripted"

    def reset(self) -> None: ...


@dataclass
class ScriptedCore:
    """The listening core as the stage sees it, its findings read from the script."""

    script: str
    recorder: UtteranceRecorder = field(default_factory=lambda: UtteranceRecorder(20.0))
    chunks: int = 0
    quiet_samples: int = 0
    _open_since: int | None = None
    _silent: int = 0

    def __post_init__(self) -> None:
        self.speech = _Speech(_Ring())
        self.wake = _Wake()

    def reset(self) -> None: ...

    def write(self, chunk: npt.NDArray[np.int16]) -> None:
        self.recorder.write(chunk)
        self.speech.ring.samples_written += chunk.size

    def process(self) -> tuple[tuple[SpeechBoundary, ...], tuple[WakeWordHit, ...]]:
        mark = self.script[self.chunks] if self.chunks < len(self.script) else "."
        start = self.chunks * CHUNK
        self.chunks += 1
        boundaries: list[SpeechBoundary] = []
        hits: tuple[WakeWordHit, ...] = ()
        if mark == "W":
            hits = (WakeWordHit("computer", 0.99, start + CHUNK),)
        if mark == "s":
            if self._open_since is None:
                self._open_since = start
                boundaries.append(SpeechBoundary(start, None))
            self._silent = 0
        elif self._open_since is not None:
            self._silent += 1
            if self._silent >= HANGOVER:
                boundaries.append(SpeechBoundary(self._open_since, start + CHUNK - self._silent * CHUNK))
                self._open_since = None
                self._silent = 0
        self.quiet_samples = self._silent * CHUNK if self._open_since is not None else 0
        return tuple(boundaries), hits


class ScriptedRecognizer:
    """Hears what the test says each call hears, in order; a call can be held until released."""

    name = "whisper"

    def __init__(self, answers: Iterable[str]) -> None:
        self._answers = list(answers)
        self.calls = 0
        self.gates: dict[int, threading.Event] = {}
        """Call index -> an event the call waits for (a slow recognition)."""
        self.finished = 0
        self._running: int | None = None

    def hold(self, call: int) -> threading.Event:
        self.gates[call] = threading.Event()
        return self.gates[call]

    def transcribe(self, samples: npt.NDArray[np.int16]) -> Transcript:
        call = self.calls
        self.calls += 1
        self._running = call
        try:
            gate = self.gates.get(call)
            if gate is not None and not gate.wait(timeout=10):
                raise TimeoutError("the test never released this recognition")
            text = self._answers[call] if call < len(self._answers) else ""
            return Transcript(text, self.name, 0.9, 0.01)
        finally:
            self._running = None
            self.finished += 1


def silent_voice(sentence: str) -> Iterator[npt.NDArray[np.int16]]:
    """The device's voice as the player sees it: 0.4 s of audio per sentence."""
    yield np.zeros(6400, dtype=np.int16)


class VoiceTurn:
    """Both stages of a voice turn, their channels and the state machine, ready to be fed."""

    def __init__(self, script: str, recognizer: ScriptedRecognizer, state_dir: Path) -> None:
        self.clock = FakeClock()
        self.bus = EventBus()
        self.events: list[Event] = self.bus.keep_history()
        self.state = TurnStateMachine(self.bus.publish, self.clock)
        self.bus.subscribe(self.state)
        self.core = ScriptedCore(script)
        self.recognizer = recognizer
        self._stt = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-stt")
        self._out = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-tts")
        self.chunks: MediaChannel[npt.NDArray[np.int16]] = MediaChannel("audio", 4)
        audio: MessageChannel[TurnAudio] = MessageChannel("turn audio")
        requests: MessageChannel[EarlyEndRequest] = MessageChannel("early-end requests")
        self.player = ReplyPlayer(None, silent_voice, self.clock, self._out, InlineExecutor())
        self.context = context = ContextStore(state_dir / "context.sqlite")
        context.publish = self.bus.publish
        self.bus.subscribe(context.on_event)
        skills = SkillContext(
            time.time,
            TimerStore(state_dir / "timers.sqlite"),
            VolumeControl(state_dir / "volume.json", 0.8),
            context,
            context.who_is_here,
            context,
        )
        reasoner = build_reasoner(CloudSettings(provider="none"), state_dir, self.clock)
        self.conversation = ConversationStage(
            recognizer, default_skills(), reasoner, self.player, skills, context, self.bus,
            self.clock, self._stt, "test voice", inbox=audio, requests=requests,
            state_executor=InlineExecutor(),
        )  # fmt: skip
        self.listening = ListeningStage(
            self.core,  # type: ignore[arg-type]  # the scripted core has what the stage reads
            TurnTracker(TurnSettings(5.0, 10.0, 0.3)),
            self.chunks, self.bus, self.clock, InlineExecutor(), self.state,
            outbox=audio, requests=requests, early_end_samples=EARLY_END,
        )  # fmt: skip

    async def run(self, moves: dict[int, Callable[[], None]] | None = None, extra_chunks: int = 40) -> None:
        """Feed the script (and `extra_chunks` of silence), one chunk at a time, each fully taken
        in (and every recognition not held back answered) before the next; `moves[i]` runs
        after chunk i (a test releasing a held recognition)."""
        stages = [
            asyncio.create_task(self.listening.run()),
            asyncio.create_task(self.conversation.run()),
        ]
        silence = np.zeros(CHUNK, dtype=np.int16)
        for index in range(len(self.core.script) + extra_chunks):
            await self.chunks.put(silence.copy())
            # taken by the stage, and heard (unless privacy mode dropped it unheard)
            while self.chunks.delivered <= index or (self.core.chunks <= index and not self.state.private):
                await asyncio.sleep(0)
            if moves and index in moves:
                moves[index]()
            await self._settle()
            self.clock.advance(0.08)
        self.chunks.close()
        await asyncio.gather(*stages)
        await self.conversation.drain()
        self._stt.shutdown(wait=True)
        self._out.shutdown(wait=True)

    async def _settle(self) -> None:
        """Let what the last chunk set off run: messages, bus reactions, recognitions (all but
        those held back). Twice quiet in a row, 2 ms apart, is settled: an answer computed on the
        recogniser's thread reaches the loop well within that."""
        quiet = 0
        for _ in range(2_000):
            for _ in range(10):
                await asyncio.sleep(0)
            if self._recognising():
                quiet = 0
            else:
                quiet += 1
                if quiet == 2:
                    return
            await asyncio.sleep(0.002)
        raise TimeoutError("the voice turn never settled")

    def _recognising(self) -> bool:
        recognizer = self.recognizer
        running = recognizer._running
        if running is not None:
            gate = recognizer.gates.get(running)
            return gate is None or gate.is_set()  # held back: nothing will land
        return self._stt._work_queue.qsize() > 0  # about to start

    def of(self, kind: type[Event]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]

    def states(self) -> list[str]:
        return [event.state for event in self.events if isinstance(event, TurnStateChanged)]
