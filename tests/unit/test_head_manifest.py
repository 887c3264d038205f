"""Our wake-word heads are bound to their bytes: a damaged head is refused with a one-line fix, by
the device's loader and by `ambient doctor`, instead of loading and never waking."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ambient.config import load_settings
from ambient.doctor import examine
from ambient.errors import ModelError
from ambient.models import ModelStore
from ambient.wakeword import scoring
from ambient.wakeword.head_manifest import HEADS_DIR, HEADS_MANIFEST, read_heads, record_head, verify_head


def test_every_shipped_head_is_in_the_manifest_and_matches() -> None:
    shipped = sorted(path.stem for path in HEADS_DIR.glob("*.onnx"))
    assert shipped and sorted(read_heads()) == shipped
    for name in shipped:
        verify_head(HEADS_DIR / f"{name}.onnx")


def copy_of_heads(tmp_path: Path) -> Path:
    heads = tmp_path / "models"
    heads.mkdir()
    for name in ("computer.onnx", "computer.anchors.npz", "heads.toml"):
        shutil.copy(HEADS_DIR / name, heads / name)
    return heads


def test_a_damaged_or_unknown_head_is_refused(tmp_path: Path) -> None:
    heads = copy_of_heads(tmp_path)
    head, manifest = heads / "computer.onnx", heads / "heads.toml"
    verify_head(head, manifest)
    data = bytearray(head.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the weights
    head.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"is corrupt .*git checkout models/computer\.onnx"):
        verify_head(head, manifest)
    stranger = heads / "hey_there.onnx"
    shutil.copy(HEADS_DIR / "alexa.onnx", stranger)
    with pytest.raises(ModelError, match=r"not in heads\.toml"):
        verify_head(stranger, manifest)
    record_head(stranger, manifest)  # what training into models/ does
    verify_head(stranger, manifest)
    assert "computer" in read_heads(manifest)


def test_doctor_reports_a_damaged_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heads = copy_of_heads(tmp_path)
    head = heads / "computer.onnx"
    head.write_bytes(head.read_bytes()[:-10])
    monkeypatch.setattr(scoring, "HEADS_DIR", heads)
    monkeypatch.setattr(scoring, "verify_head", lambda path: verify_head(path, heads / "heads.toml"))
    findings = examine(load_settings(environ={}, overrides=["wakeword.models=computer"]), ModelStore())
    [wake] = [f for f in findings if f.area == "wake word"]
    assert not wake.ok and "corrupt" in wake.fix
    assert HEADS_MANIFEST.is_file()
