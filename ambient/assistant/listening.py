"""The listening stage: every microphone chunk goes through the VAD and the wake-word engine, in
audio order, and the turn tracker turns their findings into interactions.

It talks to the conversation stage only through messages: the turn's audio goes out on one
channel (`turn_messages.TurnAudio`), early-end requests come back on another, and what happened
is published on the bus, where the turn's state machine (`turn_state.py`) follows it. Which turn
is open, and whether privacy mode is on, it reads from that machine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.assistant.turn import TurnOutcome, TurnTracker
from ambient.assistant.turn_messages import (
    CommandAudio,
    EarlyEndRequest,
    PauseAudio,
    ShortSpeech,
    TurnAudio,
)
from ambient.assistant.turn_state import TurnStateMachine
from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.audio.utterance import UtteranceRecorder
from ambient.audio.vad import VAD_WINDOW
from ambient.audio_format import SAMPLE_RATE
from ambient.clock import Clock
from ambient.events import (
    EarlyEndPending,
    EarlyEndWithdrawn,
    SpeechEnded,
    SpeechStarted,
    TurnAbandoned,
    UtteranceCaptured,
    WakeWordChecked,
    WakeWordDetected,
    WakeWordSuppressed,
    new_correlation_id,
)
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import ChannelClosed, ControlMessage, MediaChannel, MessageChannel
from ambient.wakeword.confirmation import CONFIRM_WINDOW_S, Confirmation
from ambient.wakeword.detector import WakeWordDetector, WakeWordHit

log = logging.getLogger(__name__)


class SelfWakeCheck(Protocol):
    def suppress(self, now: float) -> bool:
        """True when a wake word heard now matches what the device itself is playing."""


CONFIRM_SAMPLES = int(CONFIRM_WINDOW_S * SAMPLE_RATE)
SHORT_SEGMENT_SAMPLES = 2 * 16_000
"""Speech outside a turn longer than this is not a one-word "stop"."""

PREROLL_SAMPLES = 4_000
"""Audio kept before the VAD's start and after its end for the recognisers: the VAD is late on
soft onsets ("wh") and early on soft endings."""


@dataclass(frozen=True)
class PendingEnd:
    """The conversation stage heard a complete request in the current pause; the turn ends if the
    pause lasts the early-end time."""

    correlation_id: str
    pause_id: int
    reason: str


class ResetListening(ControlMessage):
    """Forget the current segment, the VAD and wake-word state (after a pause or a source change)."""


_NOTHING: tuple[tuple[SpeechBoundary, ...], tuple[WakeWordHit, ...]] = ((), ())


class ListeningCore:
    """VAD and wake word over the same chunk, run together in one executor call so that their
    findings stay in audio order."""

    def __init__(
        self, speech: SpeechActivity, wake: WakeWordDetector | None, recorder_s: float = 20.0
    ) -> None:
        self.speech = speech
        self.wake = wake
        self.recorder = UtteranceRecorder(recorder_s)
        self._chunk = np.zeros(1280, dtype=np.int16)

    def write(self, chunk: npt.NDArray[np.int16]) -> None:
        """Copy the chunk in (the caller's buffer is free again when this returns)."""
        np.copyto(self._chunk, chunk)
        self.speech.write(chunk)
        self.recorder.write(chunk)

    @property
    def quiet_samples(self) -> int:
        """Quiet since the last speech window of an open segment (0 when none is open)."""
        return self.speech.segmenter.quiet_windows * VAD_WINDOW

    def process(self) -> tuple[tuple[SpeechBoundary, ...], tuple[WakeWordHit, ...]]:
        boundaries = self.speech.process()
        hits = self.wake.process(self._chunk) if self.wake is not None else ()
        if not boundaries and not hits:
            return _NOTHING
        return boundaries, hits

    def reset(self) -> None:
        self.speech.vad.reset()
        self.speech.segmenter.reset()
        self.recorder.reset()
        if self.wake is not None:
            self.wake.reset()


class ListeningStage:
    def __init__(
        self,
        core: ListeningCore,
        turns: TurnTracker,
        chunks: MediaChannel[npt.NDArray[np.int16]],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
        turn_state: TurnStateMachine,
        outbox: MessageChannel[TurnAudio] | None = None,
        requests: MessageChannel[EarlyEndRequest] | None = None,
        self_wake: SelfWakeCheck | None = None,
        early_end_samples: int = 0,
        confirm: Callable[[str, npt.NDArray[np.int16]], Confirmation] | None = None,
        confirm_executor: Executor | None = None,
    ) -> None:
        self._state = turn_state
        self._confirm = confirm
        self._confirm_executor = confirm_executor
        self._checks: set[asyncio.Task[None]] = set()
        self._outbox = outbox
        self._requests = requests
        self._self_wake = self_wake
        self._early_end = early_end_samples
        self._offered_pause = False
        self._pauses_offered = 0
        self._offer_ends: dict[int, int] = {}
        """Per pause offered in this turn: the stream sample its audio ran to. A request about it
        is stale once speech runs more than PREROLL_SAMPLES past that sample."""
        self._offered_short_pause = False
        self._segment_in_turn = False
        """The open speech segment was (partly) a turn's command: not a barge-in candidate."""
        self._pending_end: PendingEnd | None = None
        self._core = core
        self._turns = turns
        self._chunks = chunks
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._segment_id: str | None = None
        self._segment_start: int | None = None

    @property
    def _interaction_id(self) -> str | None:
        """The turn whose command is being captured (the state machine's, the one truth)."""
        return self._state.open_turn

    async def run(self) -> None:
        """Listen to the microphone and, beside it, take the conversation stage's requests."""
        requests = asyncio.get_running_loop().create_task(self._take_requests())
        try:
            await self._listen()
        finally:
            requests.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await requests

    async def _take_requests(self) -> None:
        if self._requests is None:
            return
        while True:
            try:
                request = await self._requests.get()
            except ChannelClosed:
                return
            self.request_early_end(request)

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        self._core.reset()
        while True:
            try:
                item = await self._chunks.get()
            except ChannelClosed:
                self._speech(self._core.speech.flush())
                if self._outbox is not None:
                    self._outbox.close()  # the microphone is done: so is the conversation
                return
            if isinstance(item, ResetListening):
                self._reset()
                continue
            if isinstance(item, ControlMessage):
                continue
            if self._state.private:
                if self._turns.active or self._segment_start is not None:
                    self._reset()  # what was open before privacy mode is over
                continue  # privacy mode: the audio is dropped unheard
            self._core.write(item)
            boundaries, hits = await loop.run_in_executor(self._executor, self._core.process)
            if boundaries:
                self._speech(boundaries)
            for hit in hits:
                self._wake(hit)
            if self._turns.active:
                self._finish(self._turns.on_audio(self._core.speech.ring.samples_written))
                self._offer_pause()
            else:
                self._offer_short_pause()

    def _reset(self) -> None:
        """Forget the open turn and segment (a false wake marked, a source change, privacy)."""
        self._drop_pending_end("listening reset")
        cid = self._interaction_id
        self._core.reset()
        self._turns.cancel()
        self._segment_id = self._segment_start = None
        if cid is not None:
            self._bus.publish(
                TurnAbandoned(t=self._clock.now(), correlation_id=cid, reason="listening reset")
            )

    def _offer_pause(self) -> None:
        """Once per pause inside a turn, hand what was said so far to the conversation stage.

        The offer comes an eighth of the way into the early-end pause (30 ms of 240), so
        recognition and the reply's preparation overlap the rest of the wait; the turn ends only
        if a request comes back and the pause lasts the whole early-end time.
        """
        quiet = self._core.quiet_samples
        if quiet < self._early_end // 8 or self._early_end <= 0:
            self._offered_pause = False
            self._drop_pending_end("speech resumed")  # whatever was heard was not the end
            return
        self._end_if_requested()
        cid = self._interaction_id
        if self._offered_pause or self._outbox is None or cid is None:
            return
        begin = self._turns.command_start()
        if begin is None:
            return
        self._offered_pause = True
        self._pauses_offered += 1
        now_sample = self._core.recorder.samples_written
        audio = self._command_audio(begin, now_sample)
        self._offer_ends[self._pauses_offered] = now_sample
        log.debug("pause %d offered (audio to %d)", self._pauses_offered, now_sample)
        self._outbox.put(PauseAudio(cid, self._pauses_offered, audio))

    def _offer_short_pause(self) -> None:
        """Once per pause in short speech outside a turn, hand it to the sink (see `short_pause`)."""
        quiet = self._core.quiet_samples
        if quiet < self._early_end // 8 or self._early_end <= 0 or self._segment_start is None:
            self._offered_short_pause = False
            return
        if self._segment_in_turn:
            return
        spoken_to = self._core.recorder.samples_written - quiet
        if (
            self._offered_short_pause
            or self._outbox is None
            or spoken_to - self._segment_start > SHORT_SEGMENT_SAMPLES
        ):
            return
        self._offered_short_pause = True
        audio = self._segment_audio(self._segment_start, self._core.recorder.samples_written)
        self._outbox.put(ShortSpeech(audio, ended=False))

    def _segment_audio(self, start: int, end: int) -> npt.NDArray[np.int16]:
        """Speech outside a turn, with what came just before the VAD's start (a soft "s")."""
        return self._core.recorder.copy(start - PREROLL_SAMPLES, end)  # copy() clamps the start

    def _command_audio(self, start: int, end: int) -> npt.NDArray[np.int16]:
        # The VAD's end is the last window it was sure of: soft word endings ("on", "-s") trail
        # past it, so the recognisers get what followed too, as far as it has been heard.
        end = min(end + PREROLL_SAMPLES, self._core.recorder.samples_written)
        return self._core.recorder.copy(max(start - PREROLL_SAMPLES, self._turns.wake_end), end)

    def request_early_end(self, request: EarlyEndRequest) -> bool:
        """The conversation stage heard a complete request in a pause: end the turn once the pause
        has lasted the early-end time (`UtteranceCaptured` naming the pause), unless the user
        speaks again first (`EarlyEndWithdrawn`). Refused (withdrawn at once) when that turn is no
        longer being listened to, or the pause it is about is over (recognition of an earlier
        fragment finishing late)."""
        cid, pause_id = request.correlation_id, request.pause_id
        refusal = None
        if cid != self._interaction_id or not self._turns.active:
            refusal = "turn over"
        else:
            # Stale: the user spoke after the audio this request is about (a slow recognition of
            # an earlier fragment returning during a later pause). Speech windows less than the
            # VAD's soft-ending margin past that audio are the same words' tail, not new words (a
            # command transcribed whole was refused for a window 192 ms past its audio).
            offered_to = self._offer_ends.get(pause_id)
            last_speech = self._core.recorder.samples_written - self._core.quiet_samples
            if offered_to is None or last_speech > offered_to + PREROLL_SAMPLES:
                log.debug("request about pause %d refused: speech at %d after its audio (to %s)",
                          pause_id, last_speech, offered_to)  # fmt: skip
                refusal = "pause over"
        if refusal is not None:
            self._bus.publish(
                EarlyEndWithdrawn(t=self._clock.now(), correlation_id=cid, pause_id=pause_id, reason=refusal)
            )
            return False
        self._drop_pending_end("superseded")
        self._pending_end = PendingEnd(cid, pause_id, request.reason)
        self._bus.publish(
            EarlyEndPending(t=self._clock.now(), correlation_id=cid, pause_id=pause_id, reason=request.reason)
        )
        self._end_if_requested()
        return True

    def _drop_pending_end(self, reason: str) -> None:
        pending, self._pending_end = self._pending_end, None
        if pending is not None:
            self._bus.publish(
                EarlyEndWithdrawn(
                    t=self._clock.now(), correlation_id=pending.correlation_id,
                    pause_id=pending.pause_id, reason=reason,
                )
            )  # fmt: skip

    def _end_if_requested(self) -> None:
        pending = self._pending_end
        if pending is None or self._core.quiet_samples < self._early_end:
            return
        if not self._end_turn_now(pending):
            self._drop_pending_end("turn over")
        self._pending_end = None

    def _end_turn_now(self, pending: PendingEnd) -> bool:
        if pending.correlation_id != self._interaction_id or not self._turns.active:
            return False
        begin = self._turns.command_start()
        if begin is None:
            return False
        end = self._core.recorder.samples_written - self._core.quiet_samples
        self._turns.cancel()
        # the speech still going on is the command's own tail, never a "stop" to a reply
        self._segment_in_turn = True
        self._pending_end = None
        self._bus.publish(
            UtteranceCaptured(
                t=self._clock.now(), correlation_id=pending.correlation_id, start_sample=begin,
                end_sample=end, reason=pending.reason, pause_id=pending.pause_id,
            )
        )  # fmt: skip
        return True

    def _speech(self, boundaries: tuple[SpeechBoundary, ...]) -> None:
        for boundary in boundaries:
            now = self._clock.now()
            if boundary.end_sample is None:
                self._segment_id = self._interaction_id or new_correlation_id()
                self._segment_start = boundary.start_sample
                self._segment_in_turn = self._turns.active
                self._bus.publish(
                    SpeechStarted(t=now, correlation_id=self._segment_id, start_sample=boundary.start_sample)
                )
                self._turns.on_speech_start(boundary.start_sample)
                continue
            cid = self._interaction_id or self._segment_id or new_correlation_id()
            self._bus.publish(
                SpeechEnded(
                    t=now,
                    correlation_id=cid,
                    start_sample=boundary.start_sample,
                    end_sample=boundary.end_sample,
                )
            )
            self._segment_id = self._segment_start = None
            was_turn = self._turns.active or self._segment_in_turn
            self._segment_in_turn = False
            self._finish(self._turns.on_speech_end(boundary.start_sample, boundary.end_sample))
            length = boundary.end_sample - boundary.start_sample
            if not was_turn and self._outbox is not None and length <= SHORT_SEGMENT_SAMPLES:
                audio = self._segment_audio(boundary.start_sample, boundary.end_sample)
                self._outbox.put(ShortSpeech(audio, ended=True))

    def _wake(self, hit: WakeWordHit) -> None:
        if self._self_wake is not None and self._self_wake.suppress(self._clock.now()):
            self._bus.publish(
                WakeWordSuppressed(t=self._clock.now(), model=hit.model, score=round(hit.score, 4))
            )
            return
        self._drop_pending_end("a new wake word")
        cid = new_correlation_id()
        self._offer_ends.clear()
        self._bus.publish(
            WakeWordDetected(
                t=self._clock.now(),
                correlation_id=cid,
                model=hit.model,
                engine=self._core.wake.name if self._core.wake else "",
                score=round(hit.score, 4),
                end_sample=hit.end_sample,
            )
        )
        self._turns.on_wake(hit.end_sample, self._segment_start)
        if self._confirm is not None:
            audio = self._core.recorder.copy(hit.end_sample - CONFIRM_SAMPLES, hit.end_sample)
            task = asyncio.get_running_loop().create_task(self._check(cid, hit.model, audio))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def _check(self, cid: str, model: str, audio: npt.NDArray[np.int16]) -> None:
        """The second check runs beside the turn (the command is captured meanwhile) and takes the
        turn back if the phrase was not heard."""
        assert self._confirm is not None
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._confirm_executor, self._confirm, model, audio)
        self._bus.publish(
            WakeWordChecked(
                t=self._clock.now(), correlation_id=cid, model=model, accepted=result.accepted,
                heard=result.heard, similarity=result.similarity, seconds=round(result.seconds, 3),
            )
        )  # fmt: skip
        if result.accepted or cid != self._interaction_id or not self._turns.active:
            return
        self._drop_pending_end("wake word not confirmed")
        self._turns.cancel()
        self._bus.publish(
            TurnAbandoned(t=self._clock.now(), correlation_id=cid, reason="wake word not confirmed")
        )

    def _finish(self, outcome: TurnOutcome | None) -> None:
        if outcome is None:
            return
        self._drop_pending_end("the turn ended another way")  # length limit, hang-over
        now = self._clock.now()
        cid = self._interaction_id
        if outcome.captured:
            event = UtteranceCaptured(
                t=now,
                correlation_id=cid,
                start_sample=outcome.start_sample,
                end_sample=outcome.end_sample,
                reason=outcome.reason,
            )
            self._bus.publish(event)
            if self._outbox is not None:
                audio = self._command_audio(outcome.start_sample, outcome.end_sample)
                self._outbox.put(CommandAudio(event, audio))
        else:
            self._bus.publish(TurnAbandoned(t=now, correlation_id=cid, reason=outcome.reason))
