"""The fast command path: pocketsphinx (BSD) searching only a JSGF grammar built from the skills'
phrases, so it can only ever hear a command the device knows."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.errors import DependencyError, ModelError
from ambient.speech.phrases import Phrase, normalise, to_jsgf
from ambient.speech.recognition import Transcript

_FRAME = 320  # 20 ms


def trim_quiet(samples: npt.NDArray[np.int16], below_peak_db: float = 35.0) -> npt.NDArray[np.int16]:
    """Cut the quiet before and after the speech (keeping 100 ms of each).

    pocketsphinx's posterior spreads over the silence model when the audio has long quiet edges,
    and the posterior is what says whether the grammar really heard a command.
    """
    frames = samples.size // _FRAME
    if frames < 3:
        return samples
    energy = (samples[: frames * _FRAME].astype(np.float32).reshape(frames, _FRAME) ** 2).mean(axis=1)
    loud = np.flatnonzero(energy >= energy.max() * 10 ** (-below_peak_db / 10))
    first = max(0, int(loud[0]) - 5) * _FRAME
    last = min(frames, int(loud[-1]) + 6) * _FRAME
    return samples[first:last]


MIN_SAMPLES = 1_600
"""Under 0.1 s of sound there is no word to find."""


class CommandRecognizer:
    name = "commands"

    def __init__(self, templates: list[str]) -> None:
        try:
            from pocketsphinx import Config, Decoder, get_model_path
        except ImportError:
            raise DependencyError("the command recognizer needs pocketsphinx: pip install -e .") from None
        self._phrases = [Phrase.compile(t) for t in templates]
        config = Config(
            hmm=get_model_path("en-us/en-us"),
            dict=get_model_path("en-us/cmudict-en-us.dict"),
            lm=None,
            loglevel="FATAL",
        )
        self._decoder: Any = Decoder(config)
        grammar = to_jsgf(templates)
        try:
            self._decoder.add_jsgf_string("commands", grammar)
        except RuntimeError as exc:
            raise ModelError(
                f"the skills' phrases make no valid grammar ({exc}); check their words"
            ) from None
        self._decoder.activate_search("commands")
        self.grammar = grammar

    def transcribe(self, samples: npt.NDArray[np.int16]) -> Transcript:
        started = time.perf_counter()
        samples = trim_quiet(samples)
        if samples.size < MIN_SAMPLES:
            # nothing to search (pocketsphinx fails on an empty buffer)
            return Transcript("", self.name, 0.0, time.perf_counter() - started, complete=False)
        decoder = self._decoder
        decoder.start_utt()
        try:
            decoder.process_raw(np.ascontiguousarray(samples, dtype=np.int16).tobytes(), full_utt=True)
        finally:
            decoder.end_utt()  # a failed utterance must not leave the decoder unable to start the next
        hypothesis = decoder.hyp()
        seconds = time.perf_counter() - started
        if hypothesis is None or not hypothesis.hypstr:
            return Transcript("", self.name, 0.0, seconds, complete=False)
        text = str(hypothesis.hypstr)
        # The search may stop inside a phrase when the audio does not fit the grammar; such a
        # partial path is never a command, whatever its posterior.
        complete = any(p.match(normalise(text)) is not None for p in self._phrases)
        return Transcript(text, self.name, float(hypothesis.prob), seconds, complete=complete)
