"""The device's voice: the Piper voice in our own process, espeak-ng's own voice as the fallback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from ambient.errors import AmbientError
from ambient.models import ModelStore
from ambient.speech import espeak
from ambient.speech.piper import PiperVoice

log = logging.getLogger(__name__)


class DeviceVoice:
    """Speaks with Piper when its model is there and loads; otherwise with espeak-ng, saying so."""

    def __init__(self, store: ModelStore, prefer: str = "piper", threads: int = 2) -> None:
        self.name = "espeak-ng"
        self._piper: PiperVoice | None = None
        if prefer == "piper":
            try:
                self._piper = PiperVoice(store.path("piper_joe"), store.path("piper_joe_config"), threads)
                self.name = "piper:en_US-joe-medium"
            except AmbientError as exc:
                log.warning("Piper voice unavailable, speaking with espeak-ng (%s)", exc)

    def synthesize(self, text: str) -> npt.NDArray[np.int16]:
        if not text.strip():
            raise AmbientError("there is nothing to say: the text is empty")
        if self._piper is not None:
            return self._piper.synthesize(text)
        return espeak.synthesize(text)

    def clauses(self, text: str) -> Iterator[npt.NDArray[np.int16]]:
        """The speech for `text` in pieces that can play as they come (Piper: one per clause)."""
        if not text.strip():
            raise AmbientError("there is nothing to say: the text is empty")
        if self._piper is not None:
            yield from self._piper.clauses(text)
        else:
            yield espeak.synthesize(text)
