"""The simulated device through whole voice turns: real wake-word recordings, commands, the real
SDKs against the local fake cloud, the real voice. Each turn's events share one correlation id."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ambient.assistant.turn_messages import CommandAudio
from ambient.cloud.ledger import AuditLedger
from ambient.cloud.reasoner import ledger_path
from ambient.device import Device
from ambient.devices.file_backends import WavFileMicrophone, WavFileSpeaker
from ambient.events import Event, UtteranceCaptured
from ambient.testing.echo import EchoMicrophone, EchoPath, EchoSpeaker
from ambient.testing.fake_cloud import CloudScript, FakeCloud
from ambient.testing.media import spoken_command
from tests.conftest import simulated_settings

WAKE = "wakeword/computer/test/spk008_0e95d341.flac"
WAKE_AGAIN = "wakeword/computer/test/spk008_3574fc3b.flac"
TURN = [
    "WakeWordDetected",
    "UtteranceCaptured",
    "Transcribed",
    "IntentRecognized",
    "ReplyStarted",
    "ReplyFinished",
]


def _silence(path: Path, seconds: float) -> Path:
    soundfile.write(str(path), np.zeros(int(seconds * 16_000), dtype=np.int16), 16_000)
    return path


def _run(
    data_dir: Path, tmp_path: Path, files: list[Path], *overrides: str, seconds: float = 40
) -> list[Event]:
    return _run_device(data_dir, tmp_path, files, *overrides, seconds=seconds)[1]


def _run_device(
    data_dir: Path,
    tmp_path: Path,
    files: list[Path],
    *overrides: str,
    seconds: float = 40,
    button: object | None = None,
    prepare: Callable[[Device], None] | None = None,
) -> tuple[Device, list[Event]]:
    """The simulated device in real time on `files`; `button` replaces its button, `prepare` may
    change it before it runs (a fault injected at its edge)."""
    settings = simulated_settings(
        data_dir,
        tmp_path,
        "camera.backend=none",
        "microphone.files=" + ",".join(str(f) for f in files),
        "microphone.realtime=true",
        *overrides,
    )
    device = Device(settings, simulate=True)
    if button is not None:
        device.devices = dataclasses.replace(device.devices, button=button)
    if prepare is not None:
        prepare(device)
    history = device.bus.keep_history()
    device.open()
    asyncio.run(device.run(duration_s=seconds))
    return device, history


def _turn(history: list[Event], cid: str) -> list[str]:
    return [e.type for e in history if e.correlation_id == cid and e.type in TURN]


def _first(history: list[Event], kind: str) -> Event:
    return next(e for e in history if e.type == kind)


def test_local_skill_turn(data_dir: Path, tmp_path: Path) -> None:
    command = spoken_command("what time is it", tmp_path / "command.wav")
    history = _run(data_dir, tmp_path, [data_dir / WAKE, command])
    wake = _first(history, "WakeWordDetected")
    assert _turn(history, wake.correlation_id or "") == TURN
    intent = _first(history, "IntentRecognized")
    assert (intent.route, intent.skill, intent.intent) == ("local", "clock", "time")  # type: ignore[attr-defined]
    finished = _first(history, "ReplyFinished")
    assert finished.text.startswith("It's ") and not finished.interrupted  # type: ignore[attr-defined]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_cloud_answer_streams_to_speech(
    data_dir: Path, tmp_path: Path, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    question = spoken_command("tell me a story about dragons", tmp_path / "question.wav")
    with FakeCloud(CloudScript(reply="Once upon a time a dragon slept. It woke up hungry.")) as cloud:
        base = cloud.base_url + ("/v1" if provider == "openai" else "")
        history = _run(data_dir, tmp_path, [data_dir / WAKE, question],
                       f"cloud.provider={provider}", f"cloud.base_url={base}")  # fmt: skip
        requests = list(cloud.requests)
    wake = _first(history, "WakeWordDetected")
    cid = wake.correlation_id or ""
    assert _turn(history, cid) == TURN
    assert [e.type for e in history if e.correlation_id == cid and e.type == "CloudRequested"]
    assert _first(history, "IntentRecognized").route == "cloud"  # type: ignore[attr-defined]
    finished = _first(history, "ReplyFinished")
    assert finished.text == "Once upon a time a dragon slept. It woke up hungry."  # type: ignore[attr-defined]
    # what left the device is exactly what the ledger holds, and it is text only
    assert len(requests) == 1
    body = requests[0].json()
    ledger = AuditLedger(ledger_path(tmp_path / "state"))
    entries = ledger.entries()
    ledger.close()
    assert len(entries) == 1 and entries[0].payload == body and entries[0].outcome == "answered"
    assert entries[0].correlation_id == cid
    raw = requests[0].body.decode("utf-8")
    assert "image" not in raw and "audio" not in raw and "base64" not in raw


def test_wake_word_during_reply_cancels_it(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    question = spoken_command("tell me a story about dragons", tmp_path / "question.wav")
    long_story = " ".join(f"Sentence number {n} of a long story about a dragon." for n in range(1, 30))
    files = [data_dir / WAKE, question, _silence(tmp_path / "pause.wav", 2.0), data_dir / WAKE_AGAIN]
    with FakeCloud(CloudScript(reply=long_story, tokens_per_s=8)) as cloud:
        history = _run(data_dir, tmp_path, files, "cloud.provider=anthropic",
                       f"cloud.base_url={cloud.base_url}", seconds=25)  # fmt: skip
    wakes = [e for e in history if e.type == "WakeWordDetected"]
    assert len(wakes) == 2
    first = wakes[0].correlation_id
    finished = [e for e in history if e.type == "ReplyFinished" and e.correlation_id == first]
    assert len(finished) == 1 and finished[0].interrupted  # type: ignore[attr-defined]
    assert finished[0].reason == "wake word"  # type: ignore[attr-defined]
    assert finished[0].t >= wakes[1].t
    # the cloud stream was closed too: the ledger says the request was cancelled, not answered
    ledger = AuditLedger(ledger_path(tmp_path / "state"))
    outcomes = [e.outcome for e in ledger.entries()]
    ledger.close()
    assert outcomes[0] == "cancelled"


def test_stop_during_reply_cancels_it_before_the_hang_over(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Stop" said while the device talks (no wake word) cuts the reply; it is acted on in the
    pause after the word, so the reply ends before the VAD would have ended that speech."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    question = spoken_command("tell me a story about dragons", tmp_path / "question.wav")
    stop = spoken_command("stop", tmp_path / "stop.wav")
    long_story = " ".join(f"Sentence number {n} of a long story about a dragon." for n in range(1, 30))
    files = [data_dir / WAKE, question, _silence(tmp_path / "pause.wav", 2.0), stop]
    with FakeCloud(CloudScript(reply=long_story, tokens_per_s=8)) as cloud:
        history = _run(data_dir, tmp_path, files, "cloud.provider=anthropic",
                       f"cloud.base_url={cloud.base_url}", seconds=25)  # fmt: skip
    cid = _first(history, "WakeWordDetected").correlation_id
    finished = [e for e in history if e.type == "ReplyFinished" and e.correlation_id == cid]
    assert len(finished) == 1 and finished[0].interrupted  # type: ignore[attr-defined]
    assert finished[0].reason == "stop"  # type: ignore[attr-defined]
    # ordering, not speed: the reply was cut before the VAD closed the "stop" segment
    stop_ended = [e for e in history if e.type == "SpeechEnded" and e.t > _first(history, "ReplyStarted").t]
    assert stop_ended and finished[0].t < stop_ended[-1].t


def test_device_never_wakes_on_its_own_voice(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply says "computer" twice; the speaker output is fed back into the microphone."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    question = spoken_command("what is your name", tmp_path / "question.wav")
    files = [data_dir / WAKE, question, _silence(tmp_path / "listen.wav", 8.0)]
    reply = "My name is computer. People say computer to wake me up."
    settings = simulated_settings(
        data_dir, tmp_path, "camera.backend=none", "cloud.provider=anthropic",
        "microphone.files=" + ",".join(str(f) for f in files), "microphone.realtime=true",
    )  # fmt: skip
    with FakeCloud(CloudScript(reply=reply)) as cloud:
        settings = dataclasses.replace(
            settings, cloud=dataclasses.replace(settings.cloud, base_url=cloud.base_url)
        )
        device = Device(settings, simulate=True)
        echo = EchoPath()
        assert isinstance(device.devices.microphone, WavFileMicrophone)
        assert isinstance(device.devices.speaker, WavFileSpeaker)
        device.devices = dataclasses.replace(
            device.devices,
            microphone=EchoMicrophone(device.devices.microphone, echo),
            speaker=EchoSpeaker(device.devices.speaker, echo),
        )
        history = device.bus.keep_history()
        device.open()
        asyncio.run(device.run(duration_s=30))
    assert _first(history, "ReplyFinished").text == reply  # type: ignore[attr-defined]
    assert [e.type for e in history].count("WakeWordDetected") == 1
    suppressed = [e for e in history if e.type == "WakeWordSuppressed"]
    assert suppressed, "the echo of the reply should have reached the wake-word engine"
    assert device.playback_wake is not None and device.playback_wake.hits >= 1
    sidecar = json.loads((tmp_path / "speaker.wav.json").read_text())
    assert sidecar["playbacks"]


def test_an_empty_utterance_gets_a_spoken_answer(data_dir: Path, tmp_path: Path) -> None:
    """A turn whose audio holds no words (a cough, the room): the device says it did not catch it,
    rather than sending Whisper's invented "you" to the cloud."""
    settings = simulated_settings(data_dir, tmp_path, "camera.backend=none")
    device = Device(settings, simulate=True)
    history = device.bus.keep_history()
    device.open()
    device._assemble()
    rng = np.random.default_rng(7)
    room = (rng.normal(0, 200, 24_000)).astype(np.int16)  # 1.5 s of quiet room noise

    async def turn() -> None:
        event = UtteranceCaptured(t=0.0, correlation_id="cid-empty", start_sample=0, end_sample=room.size,
                                  reason="end of turn")  # fmt: skip
        device.conversation.handle(CommandAudio(event, room))
        await device.conversation.drain()

    asyncio.run(turn())
    device.devices.speaker.close()  # type: ignore[union-attr]
    kinds = [e.type for e in history if e.correlation_id == "cid-empty" and e.type != "TurnStateChanged"]
    assert kinds == ["Transcribed", "IntentRecognized", "ReplyStarted", "ReplyFinished", "TurnFinished"]
    assert _first(history, "Transcribed").text == ""  # type: ignore[attr-defined]
    assert _first(history, "IntentRecognized").route == "none"  # type: ignore[attr-defined]
    assert _first(history, "ReplyFinished").text == "Sorry, I didn't catch that."  # type: ignore[attr-defined]


def test_a_question_without_a_cloud_key_says_so(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AMBIENT_CLOUD_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    question = spoken_command("tell me a story about dragons", tmp_path / "question.wav")
    history = _run(data_dir, tmp_path, [data_dir / WAKE, question], "cloud.provider=anthropic")
    degraded = _first(history, "DeviceDegraded")
    assert degraded.component == "cloud" and "ANTHROPIC_API_KEY" in degraded.reason  # type: ignore[attr-defined]
    cid = _first(history, "WakeWordDetected").correlation_id or ""
    assert _turn(history, cid) == TURN
    finished = _first(history, "ReplyFinished")
    assert finished.text.startswith("I can only answer simple commands")  # type: ignore[attr-defined]


class ButtonPressedAt:
    """A button someone presses once, `after_s` seconds into the run (the edge of the machine)."""

    name = "scripted"

    def __init__(self, after_s: float) -> None:
        self._after_s = after_s
        self._started: float | None = None
        self._pressed = False

    def was_pressed(self) -> bool:
        import time

        now = time.monotonic()
        self._started = self._started if self._started is not None else now
        if not self._pressed and now - self._started >= self._after_s:
            self._pressed = True
            return True
        return False


def test_privacy_mode_pauses_listening_until_the_button(data_dir: Path, tmp_path: Path) -> None:
    private = spoken_command("privacy mode on", tmp_path / "private.wav")
    files = [data_dir / WAKE, private, _silence(tmp_path / "pause.wav", 3.0), data_dir / WAKE_AGAIN,
             _silence(tmp_path / "after.wav", 4.0), data_dir / WAKE]  # fmt: skip
    # pressed after the second wake word was said, before the third
    device, history = _run_device(data_dir, tmp_path, files, button=ButtonPressedAt(after_s=17.0))
    changes = [e for e in history if e.type == "PrivacyModeChanged"]
    assert [(e.on, e.reason) for e in changes] == [(True, "asked by voice"), (False, "button")]  # type: ignore[attr-defined]
    wakes = [e for e in history if e.type == "WakeWordDetected"]
    # the first wake word starts the turn, the second is never heard, the third is
    assert len(wakes) == 2 and wakes[0].t < changes[0].t and wakes[1].t > changes[1].t
    assert not [e for e in history if e.type.startswith("Speech") and changes[0].t < e.t < changes[1].t]
    indicator = device.devices.indicator
    states = [state.value for state, _ in getattr(indicator, "history", [])]
    assert "private" in states and states[-1] != "private"


def test_that_was_not_for_you_keeps_the_wake_as_a_hard_negative(data_dir: Path, tmp_path: Path) -> None:
    """After a wake the household did not mean, saying so marks that wake: its features (never
    audio) are stored for `ambient wakeword adapt`."""
    from ambient.wakeword.false_wakes import FALSE_WAKES_FILE, HardNegativeStore

    denial = spoken_command("that wasn't for you", tmp_path / "denial.wav")
    history = _run(data_dir, tmp_path, [data_dir / WAKE, denial], seconds=25)
    wake = _first(history, "WakeWordDetected")
    marked = _first(history, "FalseWakeMarked")
    assert marked.correlation_id == wake.correlation_id and marked.reason == "voice"  # type: ignore[attr-defined]
    intent = _first(history, "IntentRecognized")
    assert (intent.skill, intent.intent) == ("false_wake", "false_wake")  # type: ignore[attr-defined]
    assert HardNegativeStore(tmp_path / "state" / FALSE_WAKES_FILE).windows("computer").shape == (3, 16, 96)


def test_the_button_soon_after_a_wake_marks_it_false(data_dir: Path, tmp_path: Path) -> None:
    """Pressed within wakeword.false_wake_button_s of a wake and before any reply, the button says
    "that wasn't for you" (the wake is kept as a hard negative, the turn dropped), not privacy."""
    from ambient.wakeword.false_wakes import FALSE_WAKES_FILE, HardNegativeStore

    files = [data_dir / WAKE, _silence(tmp_path / "quiet.wav", 6.0)]
    _, history = _run_device(data_dir, tmp_path, files, seconds=9, button=ButtonPressedAt(after_s=4.0))
    wake = _first(history, "WakeWordDetected")
    marked = _first(history, "FalseWakeMarked")
    assert marked.correlation_id == wake.correlation_id and marked.reason == "button"  # type: ignore[attr-defined]
    assert not [e for e in history if e.type in ("PrivacyModeChanged", "UtteranceCaptured", "ReplyStarted")]
    assert HardNegativeStore(tmp_path / "state" / FALSE_WAKES_FILE).count("computer") == 1


def test_the_second_check_keeps_real_wakes_and_takes_back_false_ones(data_dir: Path, tmp_path: Path) -> None:
    """wakeword.confirm: Whisper must hear the phrase where the trigger fired. The real wake word
    stands and its turn goes on; triggers a deliberately loose head gives on read speech are taken
    back (TurnAbandoned "wake word not confirmed"), and no turn of theirs is captured."""
    speech, rate = soundfile.read(str(data_dir / "background" / "speech_librispeech_tc100_part1.flac"))
    reading = tmp_path / "reading.wav"
    # `ambient wakeword eval` at 0.2, 1 of 1 lists triggers at 251.3, 254.6, 258.6 and 261.4 s here
    soundfile.write(str(reading), speech[rate * 248 : rate * 263], rate)
    command = spoken_command("what time is it", tmp_path / "command.wav")
    history = _run(
        data_dir, tmp_path, [data_dir / WAKE, command, reading],
        "wakeword.confirm=true", "wakeword.models=computer:0.2", "wakeword.patience=1", "wakeword.window=1",
        seconds=28,
    )  # fmt: skip
    checks = [e for e in history if e.type == "WakeWordChecked"]
    wakes = [e for e in history if e.type == "WakeWordDetected"]
    assert len(checks) == len(wakes) >= 2
    first = checks[0]
    assert first.correlation_id == wakes[0].correlation_id and first.accepted  # type: ignore[attr-defined]
    assert "computer" in first.heard.lower()  # type: ignore[attr-defined]
    assert _turn(history, wakes[0].correlation_id or "") == TURN
    rejected = [c for c in checks if not c.accepted]  # type: ignore[attr-defined]
    assert rejected, "a 0.2 threshold on read speech should give a trigger the check throws away"
    abandoned = {e.correlation_id for e in history
                 if e.type == "TurnAbandoned" and e.reason == "wake word not confirmed"}  # type: ignore[attr-defined]  # fmt: skip
    captured = {e.correlation_id for e in history if e.type == "UtteranceCaptured"}
    for check in rejected:
        assert check.correlation_id not in captured and check.correlation_id in abandoned


class FailingFirstTurn:
    """The device's recogniser with a fault injected (a crashed model) until the second wake word."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = "failing"
        self.failing = True
        self.wakes = 0

    def heal_on_second_wake(self, event: Event) -> None:
        if event.type == "WakeWordDetected":
            self.wakes += 1
            self.failing = self.wakes < 2

    def transcribe(self, samples: np.ndarray) -> object:
        if self.failing:
            raise RuntimeError("injected recogniser fault")
        return self.inner.transcribe(samples)  # type: ignore[attr-defined]


def test_the_button_stops_a_reply(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pressed while the device talks, the button cuts the reply (and does not toggle privacy)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    question = spoken_command("tell me a story about dragons", tmp_path / "question.wav")
    long_story = " ".join(f"Sentence number {n} of a long story about a dragon." for n in range(1, 30))
    files = [data_dir / WAKE, question, _silence(tmp_path / "pause.wav", 12.0)]
    with FakeCloud(CloudScript(reply=long_story, tokens_per_s=8)) as cloud:
        _, history = _run_device(data_dir, tmp_path, files, "cloud.provider=anthropic",
                                 f"cloud.base_url={cloud.base_url}", seconds=14,
                                 button=ButtonPressedAt(after_s=10.0))  # fmt: skip
    started = _first(history, "ReplyStarted")
    finished = [
        e for e in history if e.type == "ReplyFinished" and e.correlation_id == started.correlation_id
    ]
    assert len(finished) == 1 and finished[0].interrupted  # type: ignore[attr-defined]
    assert finished[0].reason == "button"  # type: ignore[attr-defined]
    assert not [e for e in history if e.type == "PrivacyModeChanged"]


def test_a_gallery_that_can_not_be_read_keeps_the_question_on_the_device(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #14's worst fault, as reproduced: no camera, a gallery with a person enrolled, its key
    file left readable by others (0644). The device must not send "remind Kofi Annan ..." with the
    name in it (it used to, having caught the error and assumed no names): nothing leaves, the
    ledger stays empty, and the spoken answer says why."""
    import os

    from ambient.cloud.reasoner import NAMES_UNREADABLE
    from ambient.vision.gallery import Gallery

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    gallery = Gallery(tmp_path / "gallery.sqlite", tmp_path / "gallery.key", environ={})
    gallery.add("Kofi Annan", np.ones((1, 128), dtype=np.float32), "any-model")
    gallery.close()
    os.chmod(tmp_path / "gallery.key", 0o644)
    question = spoken_command("remind Kofi Annan to call me back", tmp_path / "question.wav")
    samples = soundfile.read(str(question), dtype="int16")[0]
    with FakeCloud() as cloud:
        settings = simulated_settings(
            data_dir, tmp_path, "camera.backend=none", "cloud.provider=anthropic",
            f"cloud.base_url={cloud.base_url}", f"vision.gallery={tmp_path / 'gallery.sqlite'}",
        )  # fmt: skip
        device = Device(settings, simulate=True)
        history = device.bus.keep_history()
        device.open()
        device._assemble()

        async def turn() -> None:
            event = UtteranceCaptured(t=0.0, correlation_id="cid-names", start_sample=0,
                                      end_sample=samples.size, reason="end of turn")  # fmt: skip
            device.conversation.handle(CommandAudio(event, samples))
            await device.conversation.drain()

        asyncio.run(turn())
        device.devices.speaker.close()  # type: ignore[union-attr]
        assert not cloud.requests
    assert _first(history, "Transcribed").text.startswith("Remind")  # type: ignore[attr-defined]
    assert _first(history, "IntentRecognized").route == "cloud"  # type: ignore[attr-defined]
    assert "nothing was sent" in _first(history, "CloudFailed").reason  # type: ignore[attr-defined]
    assert _first(history, "ReplyFinished").text == NAMES_UNREADABLE  # type: ignore[attr-defined]
    ledger = AuditLedger(ledger_path(tmp_path / "state"))
    assert ledger.entries() == []
    ledger.close()
