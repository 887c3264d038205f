"""The conversation stage: a captured command becomes a transcript, an intent, and a spoken reply.

It reads the turn's audio from the listening stage's channel (`turn_messages`), sends early-end
requests back on another, and follows the bus: `UtteranceCaptured` naming a pause commits the reply
prepared in it, `EarlyEndWithdrawn` drops it, and a wake word while the device talks cancels the
reply in flight (playback, synthesis and the cloud stream). Every turn runs as a task of this
stage: one that fails publishes `StageFailed` and says so, and the next turn works.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import Executor
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.assistant.intents import Intent, IntentMatcher
from ambient.assistant.reply_turn import ReplyTurn
from ambient.assistant.skills import Reply, Skill, SkillContext
from ambient.assistant.turn_messages import (
    CommandAudio,
    EarlyEndRequest,
    PauseAudio,
    ShortSpeech,
    TurnAudio,
)
from ambient.audio_format import SAMPLE_RATE
from ambient.clock import Clock
from ambient.cloud.reasoner import CloudReasoner, CloudUnavailable
from ambient.context.store import UNKNOWN, PresenceView
from ambient.events import (
    CloudFailed,
    CloudRequested,
    EarlyEndPending,
    EarlyEndWithdrawn,
    EnrolmentRequested,
    Event,
    FaceCorrectionRequested,
    FalseWakeMarked,
    IntentRecognized,
    PrivacyModeChanged,
    ReplyFinished,
    ReplyInterrupted,
    ReplyStarted,
    StageFailed,
    Transcribed,
    TurnFinished,
    UtteranceCaptured,
    WakeWordDetected,
)
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import ChannelClosed, MessageChannel
from ambient.speech.playback import PlaybackResult, ReplyPlayer
from ambient.speech.recognition import Recognizer, Transcript
from ambient.speech.sentences import sentences_of

log = logging.getLogger(__name__)

LOCAL_CONFIDENCE = 0.85
"""A transcript this close to a skill's phrase is that skill's; anything less goes to the cloud."""

NOT_HEARD = "Sorry, I didn't catch that."
TURN_FAILED = "Sorry, something went wrong. Please ask again."
CLOUD_DOWN = "Sorry, I can't answer that right now."
CLOUD_LOST = "Sorry, I lost the connection."
CLOUD_NOT_SET_UP = "I can only answer simple commands: the cloud is not set up on this device."


async def _one(text: str) -> AsyncIterator[str]:
    yield text


class ConversationStage:
    def __init__(
        self,
        recognizer: Recognizer,
        skills: list[Skill],
        reasoner: CloudReasoner,
        player: ReplyPlayer,
        skill_context: SkillContext,
        presence: PresenceView,
        bus: EventBus,
        clock: Clock,
        stt_executor: Executor,
        voice_name: str,
        inbox: MessageChannel[TurnAudio] | None = None,
        requests: MessageChannel[EarlyEndRequest] | None = None,
        state_executor: Executor | None = None,
    ) -> None:
        self._state = state_executor
        """Where a skill's effect (SQLite timers, the volume file) is applied: never the loop."""
        self.recognizer = recognizer
        self.skills = {skill.name: skill for skill in skills}
        self.matcher = IntentMatcher(
            {
                (skill.name, intent): templates
                for skill in skills
                for intent, templates in skill.phrases.items()
            }
        )
        self.reasoner = reasoner
        self.player = player
        self.skill_context = skill_context
        self.presence = presence
        self._bus = bus
        self._clock = clock
        self._stt = stt_executor
        self._voice = voice_name
        # (an empty channel is falsy: `inbox or ...` would replace the one passed in)
        self.inbox = inbox if inbox is not None else MessageChannel[TurnAudio]("turn audio")
        self.requests = (
            requests if requests is not None else MessageChannel[EarlyEndRequest]("early-end requests")
        )
        self._asked: dict[tuple[str, int], tuple[npt.NDArray[np.int16], Transcript]] = {}
        """Early ends asked for, by (turn, pause), with what was heard: the reply is started only
        once the listening stage takes the request (`EarlyEndPending`), so a refused one (a
        stale pause, a turn already captured) never sends anything to the cloud."""
        self._prepared: dict[tuple[str, int], ReplyTurn] = {}
        """Replies started in a pause, by (turn, pause), until the listening stage ends the turn on
        that pause (commit) or withdraws it (drop)."""
        self._turn: asyncio.Task[None] | None = None
        self._reply_turn: ReplyTurn | None = None
        self._interrupt_reason = ""
        self._last_reply = ""
        self._background: set[asyncio.Task[None]] = set()
        bus.subscribe(self._on_event)

    # --- messages ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Take the listening stage's messages until its channel closes (a supervised stage)."""
        while True:
            try:
                message = await self.inbox.get()
            except ChannelClosed:
                return
            self.handle(message)

    def handle(self, message: TurnAudio) -> None:
        if isinstance(message, PauseAudio):
            self._spawn(self._try_early(message), message.correlation_id)
        elif isinstance(message, CommandAudio):
            cid = message.captured.correlation_id or ""
            self._start_turn(ReplyTurn(cid, self._publish), message.samples, None)
        elif isinstance(message, ShortSpeech) and self.player.playing:
            # "stop" 30 ms into the pause after it, not after the VAD's 600 ms hang-over; again
            # when the VAD ends it, in case the first look came too early
            self._spawn(self._maybe_stop(message.samples))

    def _on_event(self, event: Event) -> None:
        if isinstance(event, WakeWordDetected):
            self.interrupt("wake word")
        elif isinstance(event, EarlyEndPending):
            self._prepare((event.correlation_id or "", event.pause_id))
        elif isinstance(event, UtteranceCaptured):
            self._resolve_prepared(event.correlation_id or "", event.pause_id)
        elif isinstance(event, EarlyEndWithdrawn):
            key = (event.correlation_id or "", event.pause_id)
            self._asked.pop(key, None)
            turn = self._prepared.pop(key, None)
            if turn is not None:
                self._drop(turn, event.reason)

    def _prepare(self, key: tuple[str, int]) -> None:
        """The listening stage took the request and is timing the pause: prepare the reply (the
        intent, its synthesis, the cloud request), to play the moment the turn ends on it."""
        asked = self._asked.pop(key, None)
        if asked is None:
            return
        samples, heard = asked
        turn = ReplyTurn(key[0], self._publish, committed=False)
        self._prepared[key] = turn
        self._start_turn(turn, samples, heard)

    def _resolve_prepared(self, cid: str, pause_id: int | None) -> None:
        """The turn was captured: the reply prepared in the pause that ended it plays; any other
        prepared for this turn was about words the user went on from."""
        for key in [key for key in self._asked if key[0] == cid]:
            del self._asked[key]
        for key in [key for key in self._prepared if key[0] == cid]:
            turn = self._prepared.pop(key)
            if key[1] == pause_id:
                turn.commit()
            else:
                self._drop(turn, "captured another way")

    def _drop(self, turn: ReplyTurn, why: str) -> None:
        log.info("dropped the reply prepared in a pause (%s): %s", turn.correlation_id, why)
        turn.drop()
        if self._reply_turn is turn and self._turn is not None and not self._turn.done():
            self._turn.cancel()

    # --- barge-in ------------------------------------------------------------------------------

    def interrupt(self, reason: str) -> None:
        """Cut the reply in flight: playback stops within one 80 ms piece, the cloud stream closes."""
        if self._turn is not None and not self._turn.done():
            log.info("interrupting the reply (%s)", reason)
            self._interrupt_reason = reason
            turn = self._reply_turn
            if turn is not None and turn.committed:
                self._publish(ReplyInterrupted(t=self._clock.now(), correlation_id=turn.correlation_id,
                                               reason=reason))  # fmt: skip
            self.player.interrupt()
            self._turn.cancel()

    async def _maybe_stop(self, samples: npt.NDArray[np.int16]) -> None:
        loop = asyncio.get_running_loop()
        # The whole recogniser, not the grammar alone: on a lone word the grammar is unsure (it
        # heard "tell" in an espeak-ng "stop"), and Whisper confirms or corrects it.
        heard = await loop.run_in_executor(self._stt, self.recognizer.transcribe, samples)
        intent = self.matcher.match(heard.text)
        if intent is not None and intent.confidence >= 1.0 and intent.skill == "stop":
            self.interrupt("stop")

    # --- a turn ----------------------------------------------------------------------------------

    async def _try_early(self, pause: PauseAudio) -> None:
        """A pause inside a turn: if what was said so far is already complete, ask the listening
        stage to end the turn when the pause is long enough, instead of waiting out the VAD
        hang-over (the largest part of the reply latency), and prepare the reply meanwhile (see
        `ReplyTurn`): it plays only if the turn ends on this pause."""
        loop = asyncio.get_running_loop()
        heard = await loop.run_in_executor(self._stt, self.recognizer.transcribe, pause.samples)
        reason = self._complete(heard)
        cid = pause.correlation_id
        log.debug("pause %d of %s: heard %r (%s)", pause.pause_id, cid, heard.text, reason or "not complete")
        if reason is None:
            return
        self._asked[(cid, pause.pause_id)] = (pause.samples, heard)
        self.requests.put(EarlyEndRequest(cid, pause.pause_id, reason))

    def _complete(self, heard: Transcript) -> str | None:
        """Why this transcript is a whole request, or None when the user may not have finished.

        A skill phrase matched exactly is complete. Otherwise Whisper's own punctuation is the
        signal: it ends a finished sentence with ".", "?" or "!", and trails off with "..." or
        nothing when the words stop mid-sentence.
        """
        if not heard.text:
            return None
        intent = self.matcher.match(heard.text)
        if intent is not None and intent.confidence >= 1.0:
            return "command complete"
        text = heard.text.rstrip()
        if heard.recognizer == "whisper" and text.endswith((".", "?", "!")) and not text.endswith(".."):
            return "sentence complete"
        return None

    def _start_turn(self, turn: ReplyTurn, samples: npt.NDArray[np.int16], heard: Transcript | None) -> None:
        if self._turn is not None and not self._turn.done():
            self.interrupt("new turn")
        if self._reply_turn is not None and not self._reply_turn.committed:
            self._reply_turn.drop()  # a prepared reply superseded before it was committed
        self._interrupt_reason = ""
        self._reply_turn = turn
        self._turn = asyncio.create_task(self._guarded_turn(turn, samples, heard))

    async def _guarded_turn(
        self, turn: ReplyTurn, samples: npt.NDArray[np.int16], heard: Transcript | None
    ) -> None:
        """A turn that fails says so (`StageFailed` with the turn's id, a spoken apology) and
        leaves the device ready for the next one; a cancelled turn is no failure. Whatever
        happened, a committed turn ends with `TurnFinished` (the state machine goes idle)."""
        outcome = "answered"
        try:
            await self._run_turn(turn, samples, heard)
        except asyncio.CancelledError:
            outcome = "interrupted"
            raise
        except Exception as error:
            outcome = "failed"
            log.exception("turn %s failed", turn.correlation_id)
            self._bus.publish(
                StageFailed(
                    t=self._clock.now(), correlation_id=turn.correlation_id, stage="turn",
                    error=f"{type(error).__name__}: {error}", attempt=1, restart_in_s=0.0,
                )
            )  # fmt: skip
            try:
                await self._say(ReplyTurn(turn.correlation_id, self._publish), _one(TURN_FAILED), "local")
            except Exception:
                log.error("the apology for failed turn %s could not be played either", turn.correlation_id,
                          exc_info=True)  # fmt: skip
        finally:
            self._turn_finished(turn, outcome)

    def _turn_finished(self, turn: ReplyTurn, outcome: str) -> None:
        if turn.dropped:
            return  # a reply prepared in a pause the user talked through: it never happened
        if not turn.committed:
            # cancelled before its pause ended the turn: nothing of it was published
            return
        self._publish(TurnFinished(t=self._clock.now(), correlation_id=turn.correlation_id, outcome=outcome))

    async def _run_turn(
        self, turn: ReplyTurn, samples: npt.NDArray[np.int16], heard: Transcript | None
    ) -> None:
        loop = asyncio.get_running_loop()
        if heard is None:
            heard = await loop.run_in_executor(self._stt, self.recognizer.transcribe, samples)
        turn.publish(
            Transcribed(
                t=self._clock.now(),
                correlation_id=turn.correlation_id,
                text=heard.text,
                recognizer=heard.recognizer,
                confidence=round(heard.confidence, 4),
                seconds=round(heard.seconds, 4),
                audio_s=round(samples.size / SAMPLE_RATE, 3),
            )
        )
        if not heard.text.strip():
            self._route(turn, "none", "", "nothing heard", 0.0)
            await self._say(turn, _one(NOT_HEARD), "local")
            return
        intent = self.matcher.match(heard.text)
        if intent is not None and intent.confidence >= LOCAL_CONFIDENCE:
            await self._local(turn, intent)
        else:
            await self._cloud(turn, heard.text, intent)

    async def _local(self, turn: ReplyTurn, intent: Intent) -> None:
        self._route(turn, "local", intent.skill, intent.name, intent.confidence)
        cid = turn.correlation_id
        store = self.skill_context.store
        speaker = store.speaker_of(cid) if store is not None else UNKNOWN
        reply: Reply = self.skills[intent.skill].handle(intent, self.skill_context.for_turn(cid, speaker))
        text = reply.text
        if reply.action == "repeat":
            text = self._last_reply or "I haven't said anything yet."

        async def commit() -> None:
            # what the request changes happens once the turn is committed, before the reply plays
            await asyncio.get_running_loop().run_in_executor(self._state, reply.apply)
            for event in reply.events:  # recorded by the context store
                turn.publish(dataclasses.replace(event, t=self._clock.now(), correlation_id=cid))
            if reply.action in ("privacy_on", "privacy_off"):
                # the state machine, the device and the indicator all follow this event
                self._publish(PrivacyModeChanged(t=self._clock.now(), on=reply.action == "privacy_on",
                                                 reason="asked by voice"))  # fmt: skip
            if reply.action == "not_me" and reply.subject is not None:
                # the presence stage keeps the face in view as a look-alike of the person named
                turn.publish(FaceCorrectionRequested(t=self._clock.now(), correlation_id=turn.correlation_id,
                                                     person=reply.subject))  # fmt: skip
            if reply.action == "enrol" and reply.subject is not None:
                # the presence stage collects the newcomer's face for a household member to approve
                turn.publish(EnrolmentRequested(t=self._clock.now(), correlation_id=turn.correlation_id,
                                                person=reply.subject))  # fmt: skip
            if reply.action == "false_wake":
                # the wake that opened this turn was not meant for the device
                turn.publish(
                    FalseWakeMarked(t=self._clock.now(), correlation_id=turn.correlation_id, reason="voice")
                )

        if text:
            await self._say(turn, _one(text), "local", on_commit=commit)
        else:
            await turn.wait_committed()
            await commit()

    async def _cloud(self, turn: ReplyTurn, question: str, near: Intent | None) -> None:
        self._route(turn, "cloud", "cloud", "question", near.confidence if near else 0.0)
        cid = turn.correlation_id

        def sent(provider: str, ledger_id: int) -> None:
            turn.publish(
                CloudRequested(
                    t=self._clock.now(), correlation_id=cid, provider=provider, ledger_id=ledger_id
                )
            )

        pieces = self.reasoner.answer(question, self.presence, cid, on_sent=sent)
        result = await self._say(turn, sentences_of(pieces), "cloud", finish=False)
        if isinstance(result.error, CloudUnavailable):
            turn.publish(CloudFailed(t=self._clock.now(), correlation_id=cid, reason=result.error.reason))
            fallback = CLOUD_LOST if result.spoken else CLOUD_DOWN
            if self.reasoner.client is None:
                fallback = CLOUD_NOT_SET_UP  # no key, or turned off: say so, the owner can fix it
            elif result.error.spoken:
                fallback = result.error.spoken  # e.g. privacy failed closed: say why nothing was asked
            if result.spoken:
                self._finish(turn, result)
            await self._say(turn, _one(fallback), "fallback")
            return
        if result.error is not None:
            log.error("the reply failed: %r", result.error)
        self._finish(turn, result)

    async def _say(
        self,
        turn: ReplyTurn,
        sentences: AsyncIterator[str],
        source: str,
        finish: bool = True,
        on_commit: Callable[[], Awaitable[None]] | None = None,
    ) -> PlaybackResult:
        cid = turn.correlation_id

        def started(t: float) -> None:
            turn.publish(ReplyStarted(t=t, correlation_id=cid, source=source, voice=self._voice))

        async def committed() -> None:
            # synthesis (and the cloud stream) run ahead; the first sample waits for the commit
            await turn.wait_committed()
            if on_commit is not None:
                await on_commit()

        try:
            result = await self.player.play(sentences, on_first_sample=started, before_first_sample=committed)
        except asyncio.CancelledError:
            turn.publish(
                ReplyFinished(
                    t=self._clock.now(),
                    correlation_id=cid,
                    interrupted=True,
                    reason=self._interrupt_reason or "cancelled",
                    text="",
                )
            )
            raise
        if finish:
            self._finish(turn, result)
        return result

    def _finish(self, turn: ReplyTurn, result: PlaybackResult) -> None:
        text = " ".join(result.spoken)
        if text:
            self._last_reply = text
        turn.publish(
            ReplyFinished(
                t=self._clock.now(),
                correlation_id=turn.correlation_id,
                interrupted=result.interrupted,
                reason=self._interrupt_reason if result.interrupted else "done",
                text=text,
                stop_ms=round(result.stop_ms, 1),
            )
        )

    async def announce(self, cid: str, text: str) -> None:
        """Speak something no one asked for (a timer ringing); it waits for a reply in flight."""
        if self._turn is not None and not self._turn.done():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._turn
        self._interrupt_reason = ""
        self._turn = asyncio.create_task(self._announcement(cid, text))
        with contextlib.suppress(asyncio.CancelledError):
            await self._turn

    async def _announcement(self, cid: str, text: str) -> None:
        turn = ReplyTurn(cid, self._publish)
        outcome = "answered"
        try:
            await self._say(turn, _one(text), "local")
        except asyncio.CancelledError:
            outcome = "interrupted"
            raise
        except Exception:
            outcome = "failed"
            raise
        finally:
            self._turn_finished(turn, outcome)

    def _spawn(self, job: Coroutine[Any, Any, None], correlation_id: str | None = None) -> None:
        task = asyncio.create_task(job)
        self._background.add(task)
        task.add_done_callback(lambda done: self._background_done(done, correlation_id))

    def _background_done(self, task: asyncio.Task[None], correlation_id: str | None) -> None:
        """Work beside a turn (recognition in a pause, a "stop" check) that fails is logged and
        published, never lost silently; the turn itself goes on the slow way."""
        self._background.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        log.error("background work of the voice turn failed", exc_info=error)
        self._bus.publish(
            StageFailed(t=self._clock.now(), correlation_id=correlation_id, stage="turn",
                        error=f"{type(error).__name__}: {error}", attempt=1, restart_in_s=0.0)
        )  # fmt: skip

    def _route(self, turn: ReplyTurn, route: str, skill: str, intent: str, confidence: float) -> None:
        turn.publish(
            IntentRecognized(
                t=self._clock.now(), correlation_id=turn.correlation_id, route=route, skill=skill,
                intent=intent, confidence=round(confidence, 4),
            )
        )  # fmt: skip

    def _publish(self, event: Event) -> None:
        self._bus.publish(event)

    async def drain(self) -> None:
        """Wait for the reply in flight (the device's shutdown, and tests)."""
        for task in [self._turn, *self._background]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
