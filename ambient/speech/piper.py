"""A Piper (VITS) voice run in our own process: espeak-ng phonemes in, 16 kHz speech out.

piper-tts itself is GPL-3.0 and is not imported; this reads the voice's ONNX model and its JSON
configuration (phoneme id map, inference scales) and runs them with onnxruntime.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.audio.resample import to_device_rate, to_int16
from ambient.errors import ModelError
from ambient.onnx_session import open_session
from ambient.speech import espeak

_PAD, _BOS, _EOS = "_", "^", "$"


def _seeded(model_path: Path, seed: int | None) -> bytes | None:
    """The voice graph with its two noise generators seeded, so synthesis repeats exactly.

    VITS samples durations and latents from RandomNormalLike nodes that are unseeded in the
    published graph; training data must be reproducible from a seed, so the seed is set there.
    """
    if seed is None:
        return None
    import onnx
    from onnx import helper

    model = onnx.load(str(model_path))
    for offset, node in enumerate(n for n in model.graph.node if n.op_type.startswith("Random")):
        node.attribute.append(helper.make_attribute("seed", float(seed * 101 + offset)))
    return bytes(model.SerializeToString())


class PiperVoice:
    def __init__(
        self, model_path: Path, config_path: Path, threads: int = 1, seed: int | None = None
    ) -> None:
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            self._ids: dict[str, list[int]] = config["phoneme_id_map"]
            self.sample_rate = int(config["audio"]["sample_rate"])
            self.espeak_voice = str(config.get("espeak", {}).get("voice", "en-us"))
            inference = config.get("inference", {})
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"Piper voice configuration {config_path} is unusable ({exc})") from None
        self.noise_scale = float(inference.get("noise_scale", 0.667))
        self.length_scale = float(inference.get("length_scale", 1.0))
        self.noise_w = float(inference.get("noise_w", 0.8))
        self._session = open_session(
            model_path, threads=threads, model_bytes=_seeded(model_path, seed), varying_shapes=True
        )

    def phoneme_ids(self, phonemes: str) -> list[int]:
        """Piper's layout: BOS, then every phoneme followed by a pad, then EOS; unknown ones dropped."""
        ids = [*self._ids[_BOS], *self._ids[_PAD]]
        for phoneme in phonemes:
            if phoneme in self._ids:
                ids.extend(self._ids[phoneme])
                ids.extend(self._ids[_PAD])
        ids.extend(self._ids[_EOS])
        return ids

    def synthesize(self, text: str, **options: Any) -> npt.NDArray[np.int16]:
        """Speech for `text` at 16 kHz, all at once; `options` as `clauses` takes them."""
        pieces = list(self.clauses(text, **options))
        if not pieces:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(pieces)

    def clauses(
        self,
        text: str,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w: float | None = None,
        sentence_silence_s: float = 0.2,
    ) -> Iterator[npt.NDArray[np.int16]]:
        """Speech for `text` at 16 kHz, clause by clause (espeak-ng's clauses: commas, colons,
        sentence ends), each with its trailing silence: the first can play while the next is
        made. The scales vary speed (length) and expressiveness (noise)."""
        scales = np.array(
            [
                self.noise_scale if noise_scale is None else noise_scale,
                self.length_scale if length_scale is None else length_scale,
                self.noise_w if noise_w is None else noise_w,
            ],
            dtype=np.float32,
        )
        silence = np.zeros(int(sentence_silence_s * self.sample_rate), dtype=np.float32)
        for clause in espeak.phonemize(text, self.espeak_voice):
            ids = np.array([self.phoneme_ids(clause)], dtype=np.int64)
            audio = self._session.run(
                None,
                {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": scales},
            )[0]
            spoken = np.concatenate([np.asarray(audio, dtype=np.float32).reshape(-1), silence])
            yield to_int16(to_device_rate(spoken, self.sample_rate, "piper"))
