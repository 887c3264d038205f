"""Typed settings: defaults, then a TOML file, then AMBIENT_* variables, then flags; ConfigError."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ambient.errors import ConfigError

ENV_PREFIX = "AMBIENT_"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _range(low: float | None = None, high: float | None = None) -> dict[str, Any]:
    return {"min": low, "max": high}


def _choices(*names: str) -> dict[str, Any]:
    return {"choices": names}


def _pattern(regex: str, example: str) -> dict[str, Any]:
    return {"pattern": regex, "example": example}


@dataclass(frozen=True)
class MicrophoneSettings:
    backend: str = field(default="auto", metadata=_choices("auto", "file", "sounddevice"))
    device: str = ""
    """PortAudio device name or index for the sounddevice backend ("" = the system default)."""
    files: tuple[str, ...] = (
        "wakeword/computer/test/spk008_0e95d341.flac",
        "speech/pocketsphinx__goforward.flac",
        "speech/whisper__jfk.flac",
        "wakeword/computer/test/spk008_3574fc3b.flac",
        "speech/pocketsphinx__sense_and_sensibility_01_austen_64kb-0870.flac",
    )
    """Audio files (or globs) the file backend plays in order; relative to runtime.data_dir."""
    gap_s: float = field(default=1.0, metadata=_range(0.0, 60.0))
    """Silence the file backend puts between files, so each is its own utterance."""
    realtime: bool = True
    """Pace the file backend at real time (False: as fast as the pipeline takes it)."""
    loop: bool = False


@dataclass(frozen=True)
class CameraSettings:
    backend: str = field(default="auto", metadata=_choices("auto", "file", "opencv", "none"))
    source: str = "0"
    """For opencv: a webcam index, a file, or an rtsp:// or http:// URL."""
    file: str = "video/short_hamilton_clip.mp4"
    """Video file or folder of images for the file backend; relative to runtime.data_dir."""
    realtime: bool = True
    loop: bool = False
    width: int = field(default=640, metadata=_range(16, 7680))
    height: int = field(default=480, metadata=_range(16, 4320))


@dataclass(frozen=True)
class SpeakerSettings:
    backend: str = field(default="auto", metadata=_choices("auto", "file", "sounddevice", "none"))
    device: str = ""
    path: str = "ambient-speaker.wav"
    """Where the file backend writes what it plays (a JSON of playback timestamps goes beside it)."""


@dataclass(frozen=True)
class PanelSettings:
    """The device's own controls: a push button and a status light."""

    button: str = field(default="none", metadata=_choices("none", "gpio"))
    """gpio: a push button between `button_pin` and ground (Raspberry Pi, gpiozero)."""
    button_pin: int = field(default=17, metadata=_range(0, 27))
    indicator: str = field(default="log", metadata=_choices("log", "gpio"))
    """log: the state goes to the log; gpio: an RGB LED on the three pins below."""
    led_red_pin: int = field(default=5, metadata=_range(0, 27))
    led_green_pin: int = field(default=6, metadata=_range(0, 27))
    led_blue_pin: int = field(default=13, metadata=_range(0, 27))


@dataclass(frozen=True)
class VadSettings:
    threshold: float = field(default=0.5, metadata=_range(0.0, 1.0))
    release_threshold: float = field(default=0.35, metadata=_range(0.0, 1.0))
    min_speech_ms: float = field(default=250.0, metadata=_range(32.0, 5000.0))
    hangover_ms: float = field(default=600.0, metadata=_range(32.0, 10000.0))
    start_pad_ms: float = field(default=64.0, metadata=_range(0.0, 1000.0))


@dataclass(frozen=True)
class WakeWordSettings:
    engine: str = field(default="ambient", metadata=_choices("ambient", "micro", "none"))
    """ambient: our heads in models/; micro: microWakeWord models (alexa, hey_jarvis, ...)."""
    models: tuple[str, ...] = ("computer",)
    """Wake words to listen for; `name:threshold` sets a word's own threshold."""
    threshold: float = field(default=0.95, metadata=_range(0.0, 1.0))
    """With patience 3 of 3: no false accept in the held-out background at 10 dB (see the cards)."""
    patience: int = field(default=3, metadata=_range(1, 64))
    """Chunks at or above the threshold needed among the last `window` chunks (ambient engine;
    microWakeWord averages its own sliding window and fires when that mean crosses)."""
    window: int = field(default=3, metadata=_range(1, 64))
    refractory_s: float = field(default=2.0, metadata=_range(0.0, 60.0))
    confirm: bool = False
    """A second check on every trigger: Whisper must hear the phrase in the moment that fired
    (off by default: at 10 dB over babble it loses words; see benchmarks/wakeword_confirm.py)."""
    confirm_similarity: float = field(default=0.6, metadata=_range(0.0, 1.0))
    """How close (letter by letter) the heard words must be to the phrase."""
    false_wake_button_s: float = field(default=8.0, metadata=_range(0.0, 60.0))
    """A button press this soon after a wake, before any reply, marks the wake false ("that
    wasn't for you") instead of toggling privacy mode."""


@dataclass(frozen=True)
class TurnSettingsConfig:
    no_speech_timeout_s: float = field(default=5.0, metadata=_range(0.5, 60.0))
    max_utterance_s: float = field(default=10.0, metadata=_range(1.0, 120.0))
    min_utterance_s: float = field(default=0.3, metadata=_range(0.0, 5.0))


@dataclass(frozen=True)
class SttSettings:
    recognizer: str = field(default="hybrid", metadata=_choices("hybrid", "commands", "whisper"))
    """hybrid: the command grammar when it is sure, else Whisper; or one recognizer alone."""
    command_confidence: float = field(default=0.9, metadata=_range(0.0, 1.0))
    """Least pocketsphinx posterior for a complete grammar phrase to be taken without Whisper."""
    command_agreement: float = field(default=0.7, metadata=_range(0.0, 1.01))
    """A complete grammar phrase the grammar was unsure of is still taken when Whisper's words are
    this similar to it, letter by letter (1.01 turns this off)."""
    whisper_window_s: float = field(default=10.0, metadata=_range(5.0, 30.0))
    """Least audio window Whisper encodes (it pads to 30 s by design)."""
    whisper_margin_s: float = field(default=5.0, metadata=_range(0.0, 30.0))
    """Silence after the speech in the window: a longer utterance gets a window this much longer."""
    whisper_min_confidence: float = field(default=0.45, metadata=_range(0.0, 1.0))
    """Below this mean token probability a Whisper transcript is taken as nothing heard: it is
    what Whisper invents for silence and noise ("you")."""
    threads: int = field(default=2, metadata=_range(1, 64))
    early_end_ms: float = field(default=240.0, metadata=_range(0.0, 2000.0))
    """A pause this long ends a turn early when what was said is already complete (a skill phrase,
    or a sentence Whisper closed with ".", "?" or "!"); recognition, and the reply's preparation,
    start an eighth of the way into it (30 ms of 240). Longer
    pauses wait out the VAD hang-over (vad.hangover_ms). 0 turns this off."""


@dataclass(frozen=True)
class AssistantSettings:
    voice: str = field(default="piper", metadata=_choices("piper", "espeak"))
    voice_threads: int = field(default=2, metadata=_range(1, 64))
    """Threads Piper synthesises with: a reply's first clause is on the critical path (two
    threads made a 3.9 s sentence in 153 ms instead of 230 ms here)."""
    state_dir: str = ""
    """Timers, volume and the audit ledger live here ("" = the user data directory)."""
    volume: int = field(default=7, metadata=_range(0, 10))
    """Starting volume, 0-10, when none was saved."""

    def state_path(self) -> Path:
        """`state_dir`, or the per-user data directory's `state` folder when it is empty."""
        if self.state_dir:
            return Path(self.state_dir)
        import platformdirs

        return Path(platformdirs.user_data_dir("ambient")) / "state"


@dataclass(frozen=True)
class CloudSettings:
    provider: str = field(default="anthropic", metadata=_choices("anthropic", "openai", "none"))
    model: str = "claude-haiku-4-5"
    base_url: str = ""
    """"" = the provider's own; any OpenAI-compatible server for provider = "openai"."""
    key_file: str = ""
    """A file holding the API key, mode 0600; or $ANTHROPIC_API_KEY / $OPENAI_API_KEY."""
    policy: str = ""
    """Privacy policy TOML ("" = the default: no names, no audio, no images)."""
    max_tokens: int = field(default=300, metadata=_range(16, 8192))
    first_token_s: float = field(default=2.5, metadata=_range(0.1, 60.0))
    total_s: float = field(default=12.0, metadata=_range(0.5, 600.0))
    stall_s: float = field(default=3.0, metadata=_range(0.1, 600.0))
    breaker_failures: int = field(default=3, metadata=_range(1, 100))
    breaker_open_s: float = field(default=30.0, metadata=_range(0.0, 3600.0))


@dataclass(frozen=True)
class VisionSettings:
    detect_width: int = field(default=320, metadata=_range(80, 3840))
    """Frames are downscaled to this width before face detection (CPU scales with its square)."""
    upsample: int = field(default=1, metadata=_range(0, 3))
    """HOG upsampling passes: each finds faces half the size at four times the cost."""
    full_scan_every: int = field(default=3, metadata=_range(1, 30))
    """Scan whole frames for new faces on every n-th frame; in between, look only near the faces
    already tracked."""
    gallery: str = ""
    """The face gallery database ("" = gallery.sqlite in the user data directory)."""
    gallery_key: str = ""
    """The gallery's key file, mode 0600 ("" = gallery.key beside the gallery); or $AMBIENT_GALLERY_KEY."""
    threshold: float = field(default=0.475, metadata=_range(0.1, 1.5))
    """Largest face distance accepted as an enrolled person; each person's own threshold is this,
    moved by `spread_weight` times how far their enrolment images lie apart beyond
    `spread_reference` (at most `max_adjustment` either way). The five constants are chosen by
    `ambient faces tune` on the tuning half of the shared faces (see ambient/vision/tuning.py)."""
    spread_weight: float = field(default=0.75, metadata=_range(0.0, 2.0))
    spread_reference: float = field(default=0.387, metadata=_range(0.0, 1.5))
    max_adjustment: float = field(default=0.09, metadata=_range(0.0, 0.5))
    margin: float = field(default=0.08, metadata=_range(0.0, 1.0))
    votes: int = field(default=7, metadata=_range(1, 30))
    recheck_s: float = field(default=5.0, metadata=_range(0.5, 3600.0))
    leave_after_s: float = field(default=3.0, metadata=_range(0.0, 600.0))


@dataclass(frozen=True)
class RuntimeSettings:
    data_dir: str = str(PROJECT_ROOT.parent / "shared" / "data")
    """Recorded media for the simulated device and the tests."""
    event_log: str = ""
    """JSON-lines event log path ("" = no log)."""
    audio_queue_chunks: int = field(default=50, metadata=_range(1, 10_000))
    """Capacity of the microphone channel (80 ms chunks) before the oldest is dropped."""
    restart_backoff_s: float = field(default=0.5, metadata=_range(0.0, 60.0))
    restart_backoff_max_s: float = field(default=8.0, metadata=_range(0.0, 600.0))
    max_restarts: int = field(default=5, metadata=_range(0, 1000))
    """Restarts of one stage before the supervisor gives up and leaves the device degraded."""
    malloc_arena_max: int = field(default=2, metadata=_range(0, 64))
    """Most glibc malloc arenas (0 = glibc's default of 8 per core): fewer arenas, less memory held
    for nothing by the native libraries' threads (see ambient/runtime/native_heap.py)."""
    memory_trim_s: float = field(default=60.0, metadata=_range(0.0, 3600.0))
    """Seconds between handing freed native memory back to the kernel (0 = never)."""


@dataclass(frozen=True)
class ContextSettings:
    retention_days: float = field(default=7.0, metadata=_range(0.0, 3650.0))
    """How long visits, interactions and nudge decisions are kept (reminders until delivered)."""
    quiet_hours: str = field(
        default="22:00-07:00",
        metadata=_pattern(r"|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", "HH:MM-HH:MM (22:00-07:00)"),
    )
    """Local time when no nudge or reminder is spoken ("" = none); those due wait until after."""
    nudges_per_hour: int = field(default=3, metadata=_range(0, 60))
    """Most nudges (reminders included) spoken to one person in an hour."""
    rules_file: str = ""
    """A TOML file of household nudge rules ("" = the built-in ones only); see `ambient context`."""


@dataclass(frozen=True)
class PurchaseSettings:
    enabled: bool = False
    """Orders by voice ("order more coffee"): off until a shop is configured."""
    shop_url: str = ""
    """The shop adapter's base URL (the protocol in ambient/purchases/shop.py)."""
    shop_name: str = "the shop"
    key_file: str = ""
    """The shop's API key, in a file of mode 0600; or $AMBIENT_SHOP_KEY."""
    person_daily_limit: float = field(default=50.0, metadata=_range(0.0, 1_000_000.0))
    """Most one person may order in 24 hours, in the shop's currency."""
    household_daily_limit: float = field(default=150.0, metadata=_range(0.0, 1_000_000.0))
    person_limits: tuple[str, ...] = ()
    """Per-person limits overriding `person_daily_limit`, as NAME=AMOUNT (e.g. "Ben=10")."""
    liveness_s: float = field(default=4.0, metadata=_range(1.0, 30.0))
    """How long the person has to turn their head once asked."""
    confirm_within_s: float = field(default=20.0, metadata=_range(3.0, 300.0))
    cancel_window_s: float = field(default=120.0, metadata=_range(0.0, 3600.0))


@dataclass(frozen=True)
class ModelSettings:
    cache_dir: str = ""
    """Where fetched model files live ("" = the user data directory, see `ambient models`)."""


@dataclass(frozen=True)
class Settings:
    microphone: MicrophoneSettings = MicrophoneSettings()
    camera: CameraSettings = CameraSettings()
    speaker: SpeakerSettings = SpeakerSettings()
    panel: PanelSettings = PanelSettings()
    vad: VadSettings = VadSettings()
    wakeword: WakeWordSettings = WakeWordSettings()
    turn: TurnSettingsConfig = TurnSettingsConfig()
    vision: VisionSettings = VisionSettings()
    stt: SttSettings = SttSettings()
    assistant: AssistantSettings = AssistantSettings()
    cloud: CloudSettings = CloudSettings()
    context: ContextSettings = ContextSettings()
    purchases: PurchaseSettings = PurchaseSettings()
    runtime: RuntimeSettings = RuntimeSettings()
    models: ModelSettings = ModelSettings()

    def data_path(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else Path(self.runtime.data_dir) / path


@dataclass(frozen=True)
class LoadedSettings:
    """The effective settings and, for every key, where its value came from."""

    settings: Settings
    sources: Mapping[str, str]


def _section_types() -> dict[str, type[Any]]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings)}


def _parse_text(text: str, hint: Any, where: str, key: str) -> Any:
    """Turn an environment or flag string into the declared type."""
    if hint is bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}: {key} = {text!r} is not a boolean; use true or false")
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{where}: {key} = {text!r} is not a whole number") from None
    if hint is float:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{where}: {key} = {text!r} is not a number") from None
    if typing.get_origin(hint) is tuple:
        if text.strip().startswith("["):
            # a list as `config show` prints it (TOML): ["a.flac", "b.flac"]
            try:
                value = tomllib.loads(f"value = {text.strip()}")["value"]
            except tomllib.TOMLDecodeError:
                raise ConfigError(
                    f'{where}: {key} = {text!r} is not a list; write ["a", "b"] or a,b'
                ) from None
            return value
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def _check_value(value: Any, hint: Any, meta: Mapping[str, Any], where: str, key: str) -> Any:
    """Validate a value (from TOML or parsed text) against its declared type and range."""
    shown = repr(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} = {shown} must be true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} = {shown} must be a whole number")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} = {shown} must be a number")
        value = float(value)
        if not math.isfinite(value):
            # NaN passes every comparison of a range check, and infinity is no setting either
            raise ConfigError(f"{where}: {key} = {shown} is not a finite number; use a plain number")
    elif typing.get_origin(hint) is tuple:
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} = {shown} must be a list of strings")
        value = tuple(value)
    elif hint is str and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} = {shown} must be a string")
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{where}: {key} = {shown} is out of range; use {low} to {high}")
    pattern = meta.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        raise ConfigError(f"{where}: {key} = {shown} is not in the form {meta['example']}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{where}: {key} = {shown} is not one of {', '.join(choices)}")
    return value


class _Builder:
    """Collects values per section while remembering each one's source."""

    def __init__(self) -> None:
        self.sections = _section_types()
        self.values: dict[str, dict[str, Any]] = {name: {} for name in self.sections}
        self.sources: dict[str, str] = {}
        for name, section in self.sections.items():
            for f in dataclasses.fields(section):
                self.sources[f"{name}.{f.name}"] = "default"

    def field_of(self, dotted: str, where: str) -> tuple[str, dataclasses.Field[Any], Any]:
        section_name, _, key = dotted.partition(".")
        section = self.sections.get(section_name)
        if section is None or not key:
            known = ", ".join(self.sections)
            raise ConfigError(f"{where}: unknown key {dotted!r}; sections are {known}")
        fields = {f.name: f for f in dataclasses.fields(section)}
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {dotted!r}; {section_name} has {', '.join(fields)}")
        return section_name, fields[key], typing.get_type_hints(section)[key]

    def set(self, dotted: str, value: Any, where: str, source: str, *, text: bool) -> None:
        section_name, f, hint = self.field_of(dotted, where)
        if text:
            value = _parse_text(str(value), hint, where, dotted)
        value = _check_value(value, hint, f.metadata, where, dotted)
        self.values[section_name][f.name] = value
        self.sources[dotted] = source

    def build(self) -> Settings:
        sections = {name: section(**self.values[name]) for name, section in self.sections.items()}
        return Settings(**sections)


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> LoadedSettings:
    """Defaults, then `config_file` (or $AMBIENT_CONFIG), then AMBIENT_SECTION__KEY, then flags.

    `overrides` are `section.key=value` strings from the command line.
    """
    env = os.environ if environ is None else environ
    builder = _Builder()
    if config_file is None and env.get(f"{ENV_PREFIX}CONFIG"):
        config_file = Path(env[f"{ENV_PREFIX}CONFIG"])
    if config_file is not None:
        _apply_file(builder, config_file)
    for name, text in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".", 1)
        builder.set(dotted, text, f"environment {name}", f"env {name}", text=True)
    for item in overrides:
        dotted, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"flag --set {item!r}: write it as section.key=value")
        builder.set(dotted.strip(), text.strip(), "flag --set", "flag", text=True)
    return LoadedSettings(settings=builder.build(), sources=dict(builder.sources))


def _apply_file(builder: _Builder, path: Path) -> None:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: configuration file not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the configuration file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    for section_name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: unknown key {section_name!r}; settings belong in [section] tables")
        for key, value in table.items():
            builder.set(f"{section_name}.{key}", value, where, f"file {where}", text=False)


def describe(loaded: LoadedSettings) -> list[str]:
    """Lines of `section.key = value  # source` for `ambient config show`."""
    lines = []
    settings = loaded.settings
    for section in dataclasses.fields(settings):
        values = getattr(settings, section.name)
        for f in dataclasses.fields(values):
            dotted = f"{section.name}.{f.name}"
            value = getattr(values, f.name)
            shown = list(value) if isinstance(value, tuple) else value
            lines.append(f"{dotted} = {_toml_value(shown)}  # {loaded.sources[dotted]}")
    return lines


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)
