"""One way to open an onnxruntime session: CPU, a fixed thread count, a one-line ModelError on failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnxruntime as ort

from ambient.errors import ModelError


def open_session(
    path: Path, threads: int = 1, model_bytes: bytes | None = None, varying_shapes: bool = False
) -> ort.InferenceSession:
    """A CPU session; a file onnxruntime cannot load is a one-line ModelError naming the file.

    One intra-op thread by default: the device's models are small and run per 80 ms chunk, where a
    thread pool's wake-up costs more than it saves and would compete with the other stages.

    `varying_shapes` is for a model whose inputs change size on every call (the Piper voice: one
    sentence, one length). onnxruntime's memory arena keeps every block it ever grew and its
    memory patterns are planned per shape, so such a model's resident memory climbed by about
    100 MB over 200 sentences here (`benchmarks/soak.py`); without both it stays flat, for a few
    percent of synthesis time (the allocations are large and few).
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if varying_shapes:
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
    try:
        source = model_bytes if model_bytes is not None else str(path)
        return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        raise ModelError(
            f"model file {path} cannot be loaded ({first_line[:160]}); "
            "replace it (`ambient models fetch --force` for fetched models)"
        ) from exc


class CompiledRunner:
    """Runs prebuilt IO bindings with as little Python work per call as onnxruntime allows.

    onnxruntime's public `run_with_iobinding` wrapper allocates a few hundred bytes per call; its
    compiled method with a prebuilt RunOptions allocates nothing we can see. If a future version
    drops the private attribute, this falls back to the public call (correct, just not free).
    """

    def __init__(self, session: ort.InferenceSession) -> None:
        self._options = ort.RunOptions()
        compiled: Any = getattr(session, "_sess", None)
        self._native = compiled is not None and hasattr(compiled, "run_with_iobinding")
        self._run: Any = compiled.run_with_iobinding if self._native else session.run_with_iobinding

    def prepare(self, binding: ort.IOBinding) -> object:
        """What `run` takes for this binding (the compiled binding object where possible)."""
        return binding._iobinding if self._native else binding

    def run(self, prepared: object) -> None:
        self._run(prepared, self._options)
