"""The device: devices, channels and stages assembled from configuration, run under supervision."""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.assistant.conversation import ConversationStage
from ambient.assistant.indicator import TurnIndicator
from ambient.assistant.listening import ListeningCore, ListeningStage, ResetListening
from ambient.assistant.skills import SkillContext, default_skills, skill_phrases
from ambient.assistant.timer_stage import TimerStage
from ambient.assistant.timers import TimerStore
from ambient.assistant.turn import TurnSettings, TurnTracker
from ambient.assistant.turn_messages import EarlyEndRequest, TurnAudio
from ambient.assistant.turn_state import TurnStateMachine
from ambient.assistant.volume import VolumeControl
from ambient.audio.segmenter import SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity
from ambient.clock import Clock, MonotonicClock
from ambient.cloud.reasoner import build_reasoner
from ambient.config import PurchaseSettings, Settings
from ambient.context.database import context_path
from ambient.context.nudge_stage import NudgeStage
from ambient.context.nudges import NudgePolicy, TimeWindow, load_rules
from ambient.context.store import ContextStore
from ambient.devices.registry import DeviceBundle, build_devices
from ambient.errors import ConfigError, DeviceError
from ambient.events import (
    ChannelStats,
    DeviceDegraded,
    DeviceStarted,
    DeviceStopped,
    Event,
    FalseWakeMarked,
    PrivacyModeChanged,
    ReplyStarted,
    WakeWordDetected,
)
from ambient.models import ModelStore
from ambient.purchases.orders import OrderBook
from ambient.purchases.purchase_stage import PurchaseStage, person_limits
from ambient.purchases.shop import HttpShop, Shop, load_shop_key
from ambient.runtime.bus import EventBus
from ambient.runtime.capture import CameraCapture, CapturedFrame, MicrophoneCapture
from ambient.runtime.channels import FrameSlot, MediaChannel, MessageChannel
from ambient.runtime.native_heap import NativeHeap, trim_periodically
from ambient.runtime.service_notify import ServiceNotifier
from ambient.runtime.supervisor import RestartPolicy, StageSpec, Supervisor
from ambient.speech.playback import ReplyPlayer
from ambient.speech.recognizers import build_speech_to_text
from ambient.speech.self_wake import PlaybackWakeDetector
from ambient.speech.voice import DeviceVoice
from ambient.speech.whisper_recognizer import configured_whisper
from ambient.vision.detection import HogFaceDetector
from ambient.vision.face_archive import FaceArchive
from ambient.vision.face_stage import PresenceStage
from ambient.vision.presence import PresencePipeline, PresenceSettings
from ambient.vision.setup import face_encoder, gallery_paths, matcher_for, open_gallery
from ambient.wakeword.confirmation import PhraseConfirmation
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.false_wakes import (
    FALSE_WAKES_FILE,
    FalseWakeRecorder,
    HardNegativeStore,
    adapted_heads_dir,
)

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 2.0
HOUSEHOLD_REREAD_S = 10.0


def segmenter_settings(settings: Settings) -> SegmenterSettings:
    vad = settings.vad
    return SegmenterSettings(
        threshold=vad.threshold,
        release_threshold=vad.release_threshold,
        min_speech_ms=vad.min_speech_ms,
        hangover_ms=vad.hangover_ms,
        start_pad_ms=vad.start_pad_ms,
    )


def open_shop(settings: PurchaseSettings) -> Shop | None:
    """The configured shop, or None when purchases are off; a missing URL or key is one line."""
    if not settings.enabled:
        return None
    if not settings.shop_url:
        raise ConfigError("purchases.enabled needs purchases.shop_url (the shop adapter's address)")
    person_limits(settings)  # a malformed limit stops the start, not the first order
    return HttpShop(settings.shop_url, load_shop_key(settings.key_file), settings.shop_name)


def wake_phrase(models: tuple[str, ...]) -> str:
    """What to tell a person to say first ("computer"), from the configured wake words."""
    return models[0].split(":")[0].replace("_", " ") if models else "the wake word"


@dataclass
class _Executors:
    """One thread per blocking job, so a slow face detection never delays the audio path."""

    microphone: ThreadPoolExecutor
    camera: ThreadPoolExecutor
    audio: ThreadPoolExecutor
    vision: ThreadPoolExecutor
    speech_in: ThreadPoolExecutor
    speech_out: ThreadPoolExecutor
    speaker: ThreadPoolExecutor
    state: ThreadPoolExecutor
    """SQLite and files the turn changes (timers, volume): never on the event loop."""

    @staticmethod
    def create() -> _Executors:
        def one(name: str) -> ThreadPoolExecutor:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ambient-{name}")

        return _Executors(
            one("microphone"), one("camera"), one("audio"), one("vision"),
            one("stt"), one("tts"), one("speaker"), one("state"),
        )  # fmt: skip

    def shutdown(self) -> None:
        for executor in (
            self.microphone, self.camera, self.audio, self.vision,
            self.speech_in, self.speech_out, self.speaker, self.state,
        ):  # fmt: skip
            executor.shutdown(wait=False, cancel_futures=True)


class Device:
    """The whole runtime. The simulated device is this with file backends, nothing else swapped."""

    def __init__(
        self,
        settings: Settings,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        simulate: bool = False,
        devices: DeviceBundle | None = None,
        models: ModelStore | None = None,
    ) -> None:
        self.settings = settings
        # a mistake in the household's rules is one line before anything opens
        rules_file = settings.context.rules_file
        self.nudge_rules = load_rules(Path(rules_file).expanduser()) if rules_file else []
        self.shop = open_shop(settings.purchases)  # likewise a missing shop address or key
        # before any model loads and starts its threads: arenas made before the limit stay
        self.native_heap = NativeHeap.of_this_process()
        self.native_heap.limit_arenas(settings.runtime.malloc_arena_max)
        self.bus = bus or EventBus()
        self.clock = clock or MonotonicClock()
        self.devices = devices or build_devices(settings, self.clock, simulate)
        store = models or ModelStore(Path(settings.models.cache_dir) if settings.models.cache_dir else None)
        # Loading the model and opening the devices here, before anything runs, turns a missing
        # file into a one-line error at start-up instead of a degraded stage later.
        self.speech = SpeechActivity(store.path("silero_vad"), segmenter_settings(settings))
        self._last_wake: tuple[str, float] | None = None
        self.bus.subscribe(self._remember_wake)
        self.state_dir = settings.assistant.state_path()
        # heads retuned by `ambient wakeword adapt` on this household's marked false wakes win
        self.wake = build_wake_detector(settings.wakeword, store, adapted_heads_dir(self.state_dir))
        # the voice turn's one state (and privacy mode with it), followed by the indicator
        self.turn_state = TurnStateMachine(self.bus.publish, self.clock)
        self.bus.subscribe(self.turn_state)
        self._executors = _Executors.create()
        context = settings.context
        self.context = ContextStore(
            context_path(self.state_dir), time.time, self._executors.state, context.retention_days
        )
        self.context.publish = self.bus.publish
        self.bus.subscribe(self.context.on_event)
        self._household: list[str] = []
        self._household_read_at = -math.inf
        self.bus.subscribe(TurnIndicator(self.devices.indicator))
        self.presence: PresencePipeline | None = None
        self._build_voice_turn(store)
        if self.devices.camera is not None:
            gallery = open_gallery(settings.vision)
            try:
                matcher = matcher_for(settings.vision, gallery)
            finally:
                gallery.close()
            vision = settings.vision
            self.presence = PresencePipeline(
                HogFaceDetector(vision.detect_width, vision.upsample),
                face_encoder(store),
                matcher,
                settings=PresenceSettings(
                    leave_after_s=vision.leave_after_s, full_scan_every=vision.full_scan_every
                ),
            )
        runtime = settings.runtime
        self.supervisor = Supervisor(
            self.bus,
            self.clock,
            RestartPolicy(runtime.restart_backoff_s, runtime.restart_backoff_max_s, runtime.max_restarts),
        )
        self.audio_chunks: MediaChannel[npt.NDArray[np.int16]] = MediaChannel(
            "audio", runtime.audio_queue_chunks
        )
        self.frames: FrameSlot[CapturedFrame] = FrameSlot("frames")
        self._stop = asyncio.Event()
        self._stop_reason = "finished"
        self.face_stage: PresenceStage | None = None
        self.microphone_capture: MicrophoneCapture | None = None
        self.camera_capture: CameraCapture | None = None
        self._camera_open = False

    def _build_voice_turn(self, store: ModelStore) -> None:
        """Speech to text, skills, the cloud and the device's voice, all loaded before the run."""
        settings = self.settings
        state_dir = self.state_dir
        self.skills = default_skills()
        stt = settings.stt
        speech_to_text = build_speech_to_text(stt.recognizer, stt, store, skill_phrases(self.skills))
        self.recognizer = speech_to_text.recognizer
        wake = settings.wakeword
        self.wake_check = None
        if wake.confirm:
            whisper = speech_to_text.whisper or configured_whisper(stt, store)
            self.wake_check = PhraseConfirmation(whisper, wake.confirm_similarity)
        self.timers = TimerStore(state_dir / "timers.sqlite")
        self.volume = VolumeControl(state_dir / "volume.json", settings.assistant.volume)
        self.reasoner = build_reasoner(
            settings.cloud, state_dir, self.clock, self._household_names, executor=self._executors.state
        )
        self.voice = DeviceVoice(
            store, prefer=settings.assistant.voice, threads=settings.assistant.voice_threads
        )
        # a second detector listens to what the speaker plays: the device never wakes on itself
        own_voice = (
            build_wake_detector(settings.wakeword, store) if settings.wakeword.engine != "none" else None
        )
        self.playback_wake = PlaybackWakeDetector(own_voice, self.clock) if own_voice is not None else None

    def _household_names(self) -> list[str]:
        """Names the privacy policy keeps on the device: the gallery's people and who is here."""
        names = set(self.context.who_is_here())
        database, _ = gallery_paths(self.settings.vision)
        if not database.exists():
            return sorted(names)  # no one was ever enrolled on this device
        # Any failure to read the gallery propagates: the cloud request then fails closed (nothing
        # leaves with names unredacted) and the device says why. Runs on the state executor.
        gallery = open_gallery(self.settings.vision)
        try:
            names.update(name for name, _ in gallery.names())
        finally:
            gallery.close()
        return sorted(names)

    def _known_household(self) -> list[str]:
        """The household's names for skills on the event loop: as last read, re-read in the
        background every 10 s (the gallery is SQLite and may be locked by the command line)."""
        if time.monotonic() - self._household_read_at > HOUSEHOLD_REREAD_S:
            self._household_read_at = time.monotonic()
            self._executors.state.submit(self._read_household)
        return sorted(set(self._household) | set(self.context.who_is_here()))

    def _read_household(self) -> None:
        try:
            self._household = self._household_names()
        except Exception as exc:  # a gallery that cannot be read leaves the last names known
            log.warning("the household's names could not be read: %s", exc)

    @property
    def privacy_on(self) -> bool:
        return self.turn_state.private

    def set_privacy(self, on: bool, reason: str) -> None:
        """Privacy mode: microphone audio and camera frames are dropped unread, the indicator says so."""
        if on == self.privacy_on:
            return
        # the turn's state machine, the listening stage and the indicator all follow the event
        self.bus.publish(PrivacyModeChanged(t=self.clock.now(), on=on, reason=reason))

    def _remember_wake(self, event: Event) -> None:
        if isinstance(event, WakeWordDetected):
            self._last_wake = (event.correlation_id or "", event.t)
        elif (
            isinstance(event, ReplyStarted) and self._last_wake and event.correlation_id == self._last_wake[0]
        ):
            self._last_wake = None  # the device answered: a press now is about privacy, not the wake

    def _button_pressed(self) -> None:
        """While the device talks, the button stops the reply. Soon after a wake nobody meant (and
        before any reply), it says "that wasn't for you": the wake is marked false and its turn
        dropped. Otherwise it toggles privacy mode."""
        if self.player.playing:
            self.conversation.interrupt("button")
            return
        wake, self._last_wake = self._last_wake, None
        window = self.settings.wakeword.false_wake_button_s
        if wake is not None and not self.privacy_on and self.clock.now() - wake[1] <= window:
            self.bus.publish(FalseWakeMarked(t=self.clock.now(), correlation_id=wake[0], reason="button"))
            self.audio_chunks.put_control(ResetListening())
            return
        self.set_privacy(not self.privacy_on, "button")

    def open(self) -> None:
        """Open every device now, so a bad file or a missing device fails before the run starts."""
        self.devices.microphone.open()
        if self.devices.camera is not None:
            try:
                self.devices.camera.open()
                self._camera_open = True
            except DeviceError as error:
                if self.settings.camera.backend == "file":
                    raise  # a recorded video that is not there is a setting to fix, not a fault
                # A live camera missing at boot (an unplugged webcam) costs the camera, never the
                # voice assistant: the camera stage keeps trying to open it under the supervisor,
                # and says so with StageFailed and DeviceDegraded as it would mid-run.
                log.warning("the camera is not there at start (%s); starting without it", error)
        if self.devices.speaker is not None:
            self.devices.speaker.open()

    def request_stop(self, reason: str) -> None:
        self._stop_reason = reason
        self._stop.set()

    def _assemble(self) -> None:
        devices = self.devices
        realtime = getattr(devices.microphone, "_realtime", True)
        self.microphone_capture = MicrophoneCapture(
            devices.microphone,
            self.audio_chunks,
            self.bus,
            self.clock,
            self._executors.microphone,
            on_delivery=lambda: self.supervisor.report_ok("microphone"),
            backpressure=devices.simulated and not realtime,
            opened=True,
        )
        self.supervisor.add(
            StageSpec(
                "microphone",
                self.microphone_capture.run,
                "microphone",
                "check the microphone connection; `ambient doctor` lists audio devices",
                on_give_up=self.audio_chunks.close,
            )
        )
        turn = self.settings.turn
        executors = self._executors
        guard = self.playback_wake
        self.player = ReplyPlayer(
            devices.speaker,
            self.voice.clauses,
            self.clock,
            executors.speech_out,
            executors.speaker,
            gain=lambda: self.volume.gain,
            on_played=guard.feed if guard is not None else None,
            on_end=guard.end_of_playback if guard is not None else None,
        )
        wall_clock = time.time
        # the two stages of a voice turn talk through these, never by calling each other
        turn_audio: MessageChannel[TurnAudio] = MessageChannel("turn audio")
        early_end_requests: MessageChannel[EarlyEndRequest] = MessageChannel("early-end requests")
        self.conversation = ConversationStage(
            self.recognizer,
            self.skills,
            self.reasoner,
            self.player,
            SkillContext(
                wall_clock,
                self.timers,
                self.volume,
                self.context,
                self._known_household,
                self.context,
                shopping=self.shop is not None,
            ),
            self.context,
            self.bus,
            self.clock,
            executors.speech_in,
            self.voice.name,
            inbox=turn_audio,
            requests=early_end_requests,
            state_executor=executors.state,
        )
        listening = ListeningStage(
            ListeningCore(self.speech, self.wake, recorder_s=turn.max_utterance_s + 5.0),
            TurnTracker(TurnSettings(turn.no_speech_timeout_s, turn.max_utterance_s, turn.min_utterance_s)),
            self.audio_chunks,
            self.bus,
            self.clock,
            executors.audio,
            self.turn_state,
            outbox=turn_audio,
            requests=early_end_requests,
            self_wake=guard,
            early_end_samples=int(self.settings.stt.early_end_ms * 16),
            confirm=self.wake_check.confirm if self.wake_check is not None else None,
            confirm_executor=executors.speech_in,
        )
        self.listening = listening
        if isinstance(self.wake, WakeWordEngine):
            # "that wasn't for you": the wake's features become a local hard negative, written
            # to SQLite off the event loop
            false_wakes = HardNegativeStore(self.state_dir / FALSE_WAKES_FILE)
            self.bus.subscribe(
                FalseWakeRecorder(
                    self.wake,
                    lambda *wake: executors.speech_in.submit(false_wakes.add, *wake),
                )
            )
        timers = TimerStage(
            self.timers,
            wall_clock,
            self.conversation.announce,
            self.bus,
            self.clock,
            button_pressed=devices.button.was_pressed,
            on_button=self._button_pressed,
            executor=executors.state,
        )
        self.supervisor.add(
            StageSpec(
                "timers",
                timers.run,
                "timers",
                "see the log; timers are kept in assistant.state_dir",
                lasts_with_device=True,
            )
        )
        self.purchases = None
        if self.shop is not None:
            self.purchases = PurchaseStage(
                self.shop, OrderBook(self.state_dir / "orders.sqlite"), self.reasoner.ledger, self.context,
                self.settings.purchases, self.conversation.announce, self.bus, self.clock, wall_clock,
                executors.state, wake_phrase=wake_phrase(self.settings.wakeword.models),
            )  # fmt: skip
        context = self.settings.context
        nudges = NudgeStage(
            self.context,
            self.nudge_rules,
            NudgePolicy(
                TimeWindow.parse(context.quiet_hours, "context.quiet_hours"), context.nudges_per_hour
            ),
            self.conversation.announce,
            self.bus,
            self.clock,
            wall_clock,
            executors.state,
        )
        self.supervisor.add(
            StageSpec(
                "nudges",
                nudges.run,
                "nudges",
                "see the log; reminders are kept in assistant.state_dir",
                lasts_with_device=True,
            )
        )
        if self.purchases is not None:
            self.supervisor.add(
                StageSpec(
                    "purchases", self.purchases.run, "purchases",
                    "see the log; orders are kept in assistant.state_dir/orders.sqlite",
                    lasts_with_device=True,
                )
            )  # fmt: skip
        self.supervisor.add(
            StageSpec(
                "listening",
                listening.run,
                "listening",
                "see the log for the VAD or wake-word error; `ambient models check`",
                on_give_up=turn_audio.close,
            )
        )
        self.supervisor.add(
            StageSpec(
                "conversation",
                self.conversation.run,
                "conversation",
                "see the log for the recogniser, skill or voice error; `ambient doctor`",
            )
        )
        if devices.camera is None:
            return
        self.camera_capture = CameraCapture(
            devices.camera,
            self.frames,
            self.bus,
            self.clock,
            self._executors.camera,
            on_delivery=lambda: self.supervisor.report_ok("camera"),
            opened=self._camera_open,
            backpressure=devices.simulated and not self.settings.camera.realtime,
        )
        self.supervisor.add(
            StageSpec(
                "camera",
                self.camera_capture.run,
                "camera",
                "check the camera cable or camera.source; audio keeps working meanwhile",
                on_give_up=self.frames.close,
            )
        )
        assert self.presence is not None  # built with the camera in __init__
        self.face_stage = PresenceStage(
            self.presence,
            self.frames,
            self.bus,
            self.clock,
            self._executors.vision,
            paused=lambda: self.privacy_on,
            archive=FaceArchive(
                lambda: open_gallery(self.settings.vision), gallery_paths(self.settings.vision)[0]
            ),
            state_executor=self._executors.state,
        )
        self.supervisor.add(
            StageSpec(
                "faces",
                self.face_stage.run,
                "presence",
                "see the log for the face pipeline error; `ambient doctor`",
            )
        )

    async def run(self, duration_s: float | None = None, until_media_end: bool = True) -> str:
        """Run until stopped (signal, duration, or every source ended unless `until_media_end` is
        False: then timers still ring after recorded media end); returns the stop reason."""
        self._assemble()
        self._install_signal_handlers()
        devices = self.devices
        self.bus.publish(
            DeviceStarted(
                t=self.clock.now(),
                microphone=devices.microphone.name,
                camera=devices.camera.name if devices.camera else "none",
                simulated=devices.simulated,
            )
        )
        if self.reasoner.client is None and self.settings.cloud.provider != "none":
            self.bus.publish(
                DeviceDegraded(
                    t=self.clock.now(),
                    component="cloud",
                    reason=self.reasoner.unavailable_reason,
                    fix="local skills still answer; set the API key to get cloud answers",
                )
            )
        self.supervisor.start()
        waiters: list[asyncio.Task[object]] = [asyncio.create_task(self._stop.wait())]
        notifier = ServiceNotifier()
        notifier.ready(f"listening on {devices.microphone.name}")
        heartbeat = None
        if notifier.heartbeat_s is not None:
            heartbeat = asyncio.create_task(
                self.supervisor.heartbeat(notifier.alive, notifier.heartbeat_s, watched=("microphone",))
            )
        trimming = None
        if self.settings.runtime.memory_trim_s > 0 and self.native_heap.available:
            trimming = asyncio.create_task(
                trim_periodically(self.native_heap, self.settings.runtime.memory_trim_s, self.clock.sleep)
            )
        if duration_s is not None:
            waiters.append(asyncio.create_task(self._after(duration_s)))
        # Timers, nudges and orders run for as long as the device does; media stages end with their files.
        media = self.supervisor.media_tasks()
        if until_media_end or duration_s is None:
            waiters.append(asyncio.create_task(self._all_done(media)))
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        notifier.stopping()
        for helper in (heartbeat, trimming):
            if helper is not None:
                helper.cancel()
        await self.supervisor.stop(SHUTDOWN_TIMEOUT_S)
        await self.conversation.drain()
        self._executors.shutdown()
        if devices.speaker is not None:
            devices.speaker.close()
        now = self.clock.now()
        for channel in (self.audio_chunks, self.frames):
            self.bus.publish(
                ChannelStats(
                    t=now, channel=channel.name, delivered=channel.delivered, dropped=channel.dropped
                )
            )
        self.bus.publish(DeviceStopped(t=now, reason=self._stop_reason))
        self._remove_signal_handlers()
        return self._stop_reason

    async def _after(self, seconds: float) -> None:
        await self.clock.sleep(seconds)
        self.request_stop(f"ran for {seconds:g} s")

    async def _all_done(self, tasks: list[asyncio.Task[None]]) -> None:
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.conversation.drain()  # the last reply is heard out
        self.request_stop("every source ended")

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")

    def _remove_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
