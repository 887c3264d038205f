"""Streaming wake-word features: 8 new mel frames and exactly one embedding per 80 ms chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from ambient.audio_format import CHUNK_SAMPLES
from ambient.errors import ModelError
from ambient.onnx_session import CompiledRunner, open_session

MEL_BANDS = 32
FRAMES_PER_CHUNK = 8
"""Mel frames per 80 ms chunk (10 ms hop)."""
CONTEXT_SAMPLES = 480
"""Samples of the previous chunk put in front of each new one: with them, the mel graph yields
exactly the 8 frames the whole signal would (its 640-sample window straddles chunk edges)."""
EMBEDDING_FRAMES = 76
EMBEDDING_DIM = 96
HEAD_WINDOW = 16
"""Embeddings a classifier head reads (1.28 s of context)."""
_MEL_SLOTS = 10  # the mel ring holds 80 frames: the 76 an embedding needs, in whole chunks
RECENT_WINDOWS = 3
"""Head windows kept readable, the latest and the two before it: a k-of-3 trigger votes on them,
and a false wake is remembered by all of them."""
_EMBEDDING_SLOTS = HEAD_WINDOW + RECENT_WINDOWS - 1
_MEL_ROWS = _MEL_SLOTS * FRAMES_PER_CHUNK
WARMUP_CHUNKS = _MEL_SLOTS - 1 + HEAD_WINDOW
"""Chunks before every embedding a head reads comes from real audio (2 s). No score is given
before that: openWakeWord scores its zero-filled start-up state, which fires on noise."""


def mel_transform(mel: npt.NDArray[np.float32]) -> None:
    """openWakeWord's scaling of the mel graph's output, in place."""
    np.multiply(mel, _TENTH, out=mel)
    np.add(mel, _TWO, out=mel)


_TENTH = np.array(0.1, dtype=np.float32)
_TWO = np.array(2.0, dtype=np.float32)


class FeatureModels:
    """The two ONNX sessions, shared by the streaming extractor and batch feature extraction."""

    def __init__(self, mel_path: Path, embedding_path: Path) -> None:
        self.mel = open_session(mel_path)
        self.embedding = open_session(embedding_path)
        mel_input = self.mel.get_inputs()[0]
        embedding_input = self.embedding.get_inputs()[0]
        if mel_input.shape[-1] != "samples" and len(mel_input.shape) != 2:
            raise ModelError(f"{mel_path} is not a melspectrogram model (input {mel_input.shape})")
        if list(embedding_input.shape[1:]) != [EMBEDDING_FRAMES, MEL_BANDS, 1]:
            raise ModelError(
                f"{embedding_path} is not a speech embedding model (input {embedding_input.shape})"
            )
        self.mel_input = mel_input.name
        self.embedding_input = embedding_input.name

    def clip_embeddings(self, audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
        """Every embedding the streaming extractor would give for this clip, embeddings batched.

        The mel graph clips quiet bins relative to the loudest in its input, so mel frames are
        computed chunk by chunk exactly as in streaming (a whole-clip run differs in silences);
        only the embedding model, which has no such coupling, runs as one batch. Row k is the
        embedding after chunk k + 9, the first whose mel window is all real audio.
        """
        chunks = audio.size // CHUNK_SAMPLES
        stream = np.concatenate([np.zeros(CONTEXT_SAMPLES, np.float32), audio.astype(np.float32)])
        frames = np.zeros((chunks * FRAMES_PER_CHUNK, MEL_BANDS), dtype=np.float32)
        for k in range(chunks):
            window = stream[k * CHUNK_SAMPLES : k * CHUNK_SAMPLES + CONTEXT_SAMPLES + CHUNK_SAMPLES]
            frames[k * FRAMES_PER_CHUNK : (k + 1) * FRAMES_PER_CHUNK] = self.mel.run(
                None, {self.mel_input: window[np.newaxis, :]}
            )[0][0, 0]
        mel_transform(frames)
        ends = range(_MEL_ROWS, frames.shape[0] + 1, FRAMES_PER_CHUNK)
        if not ends:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        windows = np.stack([frames[end - EMBEDDING_FRAMES : end] for end in ends])[..., np.newaxis]
        out: npt.NDArray[np.float32] = self.embedding.run(None, {self.embedding_input: windows})[0]
        return out.reshape(len(windows), EMBEDDING_DIM)


class StreamingFeatures:
    """Mel frames and embeddings kept in mirrored rings, so every window a model reads is one
    contiguous view made at construction; each chunk costs one mel run and one embedding run
    through prebuilt IO bindings, with no new arrays.
    """

    def __init__(self, models: FeatureModels) -> None:
        self._models = models
        self._audio = np.zeros((1, CONTEXT_SAMPLES + CHUNK_SAMPLES), dtype=np.float32)
        self._audio_context = self._audio[0, :CONTEXT_SAMPLES]
        self._audio_tail = self._audio[0, CHUNK_SAMPLES:]
        self._audio_new = self._audio[0, CONTEXT_SAMPLES:]
        self._mel_out = np.zeros((1, 1, FRAMES_PER_CHUNK, MEL_BANDS), dtype=np.float32)
        self._mel_frames = self._mel_out[0, 0]
        # Each mel frame is written twice, at row r and r + 80, so the latest 76 frames are
        # always one contiguous block whichever slot was written last.
        self._mel_ring = np.zeros((2 * _MEL_ROWS, MEL_BANDS), dtype=np.float32)
        self._mel_rows = [
            (
                self._mel_ring[s * FRAMES_PER_CHUNK : (s + 1) * FRAMES_PER_CHUNK],
                self._mel_ring[_MEL_ROWS + s * FRAMES_PER_CHUNK : _MEL_ROWS + (s + 1) * FRAMES_PER_CHUNK],
            )
            for s in range(_MEL_SLOTS)
        ]
        self._embedding_out = np.zeros((1, 1, 1, EMBEDDING_DIM), dtype=np.float32)
        self._embedding_row = self._embedding_out.reshape(EMBEDDING_DIM)
        # Mirrored like the mel ring; it holds two embeddings more than a head reads, so the two
        # windows before the latest are still whole views too.
        slots = _EMBEDDING_SLOTS
        self._embedding_ring = np.zeros((2 * slots, EMBEDDING_DIM), dtype=np.float32)
        self._embedding_rows = [
            (self._embedding_ring[j], self._embedding_ring[j + slots]) for j in range(slots)
        ]
        self.head_windows = [
            self._embedding_ring[j + slots - HEAD_WINDOW + 1 : j + slots + 1].reshape(
                1, HEAD_WINDOW, EMBEDDING_DIM
            )
            for j in range(slots)
        ]
        """The 16 latest embeddings after slot j was written: what heads bind their input to."""

        self._mel_runner = CompiledRunner(models.mel)
        self._embedding_runner = CompiledRunner(models.embedding)
        mel_binding = models.mel.io_binding()
        mel_binding.bind_ortvalue_input(models.mel_input, ort.OrtValue.ortvalue_from_numpy(self._audio))
        mel_binding.bind_ortvalue_output(
            models.mel.get_outputs()[0].name, ort.OrtValue.ortvalue_from_numpy(self._mel_out)
        )
        self._mel_binding = self._mel_runner.prepare(mel_binding)
        self._embedding_bindings = []
        for s in range(_MEL_SLOTS):
            end = _MEL_ROWS + (s + 1) * FRAMES_PER_CHUNK
            window = self._mel_ring[end - EMBEDDING_FRAMES : end].reshape(1, EMBEDDING_FRAMES, MEL_BANDS, 1)
            binding = models.embedding.io_binding()
            binding.bind_ortvalue_input(models.embedding_input, ort.OrtValue.ortvalue_from_numpy(window))
            binding.bind_ortvalue_output(
                models.embedding.get_outputs()[0].name,
                ort.OrtValue.ortvalue_from_numpy(self._embedding_out),
            )
            self._embedding_bindings.append(self._embedding_runner.prepare(binding))
        self._mel_slot = 0
        self.embedding_slot = _EMBEDDING_SLOTS - 1
        """The embedding slot written last; heads read `head_windows[embedding_slot]`."""
        self.chunks_seen = 0
        """Chunks processed, counted up to WARMUP_CHUNKS only (a small int: no allocation)."""

    @property
    def ready(self) -> bool:
        """True once the 16 embeddings a head reads all come from real audio."""
        return self.chunks_seen >= WARMUP_CHUNKS

    def reset(self) -> None:
        self._audio.fill(0.0)
        self._mel_ring.fill(0.0)
        self._embedding_ring.fill(0.0)
        self.chunks_seen = 0

    def push(self, chunk: npt.NDArray[np.int16]) -> None:
        """Add one 80 ms int16 chunk: 8 mel frames, then one embedding."""
        np.copyto(self._audio_context, self._audio_tail)
        np.copyto(self._audio_new, chunk, casting="unsafe")  # int16 values, as openWakeWord feeds
        self._mel_runner.run(self._mel_binding)
        mel_transform(self._mel_frames)
        primary, mirror = self._mel_rows[self._mel_slot]
        np.copyto(primary, self._mel_frames)
        np.copyto(mirror, self._mel_frames)
        self._embedding_runner.run(self._embedding_bindings[self._mel_slot])
        self._mel_slot += 1
        if self._mel_slot == _MEL_SLOTS:
            self._mel_slot = 0
        self.embedding_slot += 1
        if self.embedding_slot == _EMBEDDING_SLOTS:
            self.embedding_slot = 0
        primary_row, mirror_row = self._embedding_rows[self.embedding_slot]
        np.copyto(primary_row, self._embedding_row)
        np.copyto(mirror_row, self._embedding_row)
        if self.chunks_seen < WARMUP_CHUNKS:
            self.chunks_seen += 1

    def latest_window(self) -> npt.NDArray[np.float32]:
        """The 16 latest embeddings, oldest first (a view; valid until the next push)."""
        return self.head_windows[self.embedding_slot]

    def recent_windows(self, out: npt.NDArray[np.float32]) -> None:
        """Copy the last RECENT_WINDOWS head windows, oldest first, into `out` (RECENT_WINDOWS,
        16, 96). Before the warm-up ends some of them hold zeros."""
        slot = self.embedding_slot
        for back in range(RECENT_WINDOWS):
            np.copyto(out[RECENT_WINDOWS - 1 - back], self.head_windows[(slot - back) % _EMBEDDING_SLOTS][0])
