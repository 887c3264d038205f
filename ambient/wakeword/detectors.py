"""Builds the configured wake-word detector: our engine with its heads, microWakeWord, or none."""

from __future__ import annotations

import logging
from pathlib import Path

from ambient.config import WakeWordSettings
from ambient.errors import ConfigError
from ambient.models import ModelStore
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.features import FeatureModels
from ambient.wakeword.heads import WakeWordHead
from ambient.wakeword.micro import MicroWakeWordEngine
from ambient.wakeword.policy import TriggerSettings
from ambient.wakeword.scoring import head_path

log = logging.getLogger(__name__)


def _words(settings: WakeWordSettings) -> list[tuple[str, TriggerSettings]]:
    words = []
    for item in settings.models:
        name, _, threshold = item.partition(":")
        try:
            value = float(threshold) if threshold else settings.threshold
        except ValueError:
            raise ConfigError(f"wakeword.models entry {item!r}: write it as name or name:threshold") from None
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"wakeword.models entry {item!r}: the threshold must be 0 to 1")
        if settings.patience > settings.window:
            raise ConfigError(
                f"wakeword.patience = {settings.patience} is more than wakeword.window = {settings.window}"
            )
        words.append(
            (name, TriggerSettings(value, settings.patience, settings.window, settings.refractory_s))
        )
    return words


def _head_file(name: str, adapted_dir: Path | None) -> Path:
    if adapted_dir is not None and (adapted_dir / f"{name}.onnx").is_file():
        log.info("wake word %r: using the head adapted to this household (%s)", name, adapted_dir)
        return adapted_dir / f"{name}.onnx"
    return head_path(name)


def configured_trigger(settings: WakeWordSettings, model: str) -> TriggerSettings:
    """The trigger policy the device would give `model` (its own `name:threshold` if configured)."""
    name = model.removeprefix("micro:")
    for word, trigger in _words(settings):
        if word == name:
            return trigger
    return TriggerSettings(settings.threshold, settings.patience, settings.window, settings.refractory_s)


def build_wake_detector(
    settings: WakeWordSettings, store: ModelStore, adapted_dir: Path | None = None
) -> WakeWordEngine | MicroWakeWordEngine | None:
    """The configured engine; a head retuned by `ambient wakeword adapt` (in `adapted_dir`) is
    used in place of the shipped one of the same name."""
    if settings.engine == "none" or not settings.models:
        return None
    words = _words(settings)
    if settings.engine == "micro":
        # microWakeWord's score is already a sliding mean of its own stride-3 inferences, which
        # stays above its cutoff for a chunk or two: its own rule is "fire when the mean crosses".
        single = [(name, TriggerSettings(t.threshold, 1, 1, t.refractory_s)) for name, t in words]
        return MicroWakeWordEngine(single)
    features = FeatureModels(store.path("wakeword_melspectrogram"), store.path("wakeword_embedding"))
    heads = [(WakeWordHead(name, _head_file(name, adapted_dir)), trigger) for name, trigger in words]
    return WakeWordEngine(features, heads)
