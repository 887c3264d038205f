"""The face gallery: encrypted at rest, erasable to the last byte, and safe with a wrong key."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import numpy as np
import pytest

from ambient.vision.gallery import KEY_ENV, Gallery, GalleryError

MODEL = "test-model"


def vectors(seed: int, count: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, 128)).astype(np.float32)


def open_gallery(tmp_path: Path, environ: dict[str, str] | None = None) -> Gallery:
    return Gallery(tmp_path / "gallery.sqlite", tmp_path / "gallery.key", environ=environ or {})


def test_round_trip_and_model_ids(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    alice = vectors(1)
    gallery.add("alice", alice, MODEL)
    gallery.add("bob", vectors(2, 2), "other-model")
    people = gallery.people(MODEL)
    assert [p.name for p in people] == ["alice"]
    np.testing.assert_array_equal(people[0].embeddings, alice)
    assert gallery.names() == [("alice", 3), ("bob", 2)]
    assert (tmp_path / "gallery.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "gallery.sqlite").stat().st_mode & 0o777 == 0o600


def test_embeddings_are_not_in_the_file_in_the_clear(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    alice = vectors(3)
    gallery.add("alice", alice, MODEL)
    gallery.close()
    raw = (tmp_path / "gallery.sqlite").read_bytes()
    for row in alice:
        assert row.tobytes()[:16] not in raw


def test_forget_erases_every_byte(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    gallery.add("Zelda Quartermaine", vectors(4), MODEL)
    gallery.add("bob", vectors(5), MODEL)
    sealed = [
        bytes(r[0]) for r in gallery._db.execute("SELECT ciphertext FROM embeddings WHERE person_id = 1")
    ]
    assert b"Zelda Quartermaine" in (tmp_path / "gallery.sqlite").read_bytes()
    assert gallery.forget("Zelda Quartermaine") == 3
    gallery.close()
    raw = (tmp_path / "gallery.sqlite").read_bytes()
    assert b"Zelda" not in raw
    for blob in sealed:
        assert blob[:24] not in raw
    assert not (tmp_path / "gallery.sqlite-journal").exists()
    assert [p.name for p in open_gallery(tmp_path).people(MODEL)] == ["bob"]


def test_unknown_name(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    with pytest.raises(GalleryError, match="no one named 'nobody' is enrolled"):
        gallery.forget("nobody")
    with pytest.raises(GalleryError, match="no one named 'nobody'"):
        gallery.export("nobody")


def test_wrong_key_leaves_the_gallery_intact(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    gallery.add("alice", vectors(6), MODEL)
    gallery.close()
    before = (tmp_path / "gallery.sqlite").read_bytes()
    wrong = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(GalleryError, match="the gallery key does not open") as caught:
        open_gallery(tmp_path, {KEY_ENV: wrong})
    assert "nothing was changed" in str(caught.value) and "\n" not in str(caught.value)
    assert (tmp_path / "gallery.sqlite").read_bytes() == before
    with pytest.raises(GalleryError, match="not base64"):
        open_gallery(tmp_path, {KEY_ENV: "not a key!"})


def test_missing_or_exposed_key_file(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    gallery.add("alice", vectors(7), MODEL)
    gallery.close()
    key = tmp_path / "gallery.key"
    key.chmod(0o644)
    with pytest.raises(GalleryError, match=r"readable by others.*chmod 600"):
        open_gallery(tmp_path)
    key.chmod(0o600)
    saved = key.read_bytes()
    key.unlink()
    with pytest.raises(GalleryError, match=r"key file .* is missing"):
        open_gallery(tmp_path)
    assert not key.exists()  # no new key was made for an existing gallery
    key.write_bytes(saved)
    key.chmod(0o600)
    assert [p.name for p in open_gallery(tmp_path).people(MODEL)] == ["alice"]


def test_key_from_the_environment(tmp_path: Path) -> None:
    env = {KEY_ENV: base64.b64encode(os.urandom(32)).decode()}
    gallery = open_gallery(tmp_path, env)
    gallery.add("alice", vectors(8), MODEL)
    gallery.close()
    assert not (tmp_path / "gallery.key").exists()
    assert [p.name for p in open_gallery(tmp_path, env).people(MODEL)] == ["alice"]


def test_key_rotation(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    alice = vectors(9)
    gallery.add("alice", alice, MODEL)
    old_key = (tmp_path / "gallery.key").read_text()
    gallery.rotate_key(environ={})
    gallery.close()
    assert (tmp_path / "gallery.key").read_text() != old_key
    np.testing.assert_array_equal(open_gallery(tmp_path).people(MODEL)[0].embeddings, alice)
    with pytest.raises(GalleryError, match="does not open"):
        open_gallery(tmp_path, {KEY_ENV: old_key.strip()})


# Each crash point of `ambient faces rotate-key`, as a process killed with SIGKILL there.
_ROTATE_AND_DIE = """
import os, signal, sys
from pathlib import Path
import ambient.vision.gallery as g

point, folder = sys.argv[1], Path(sys.argv[2])
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
if point == "new key written":
    write = g.write_key_file
    g.write_key_file = lambda path, key: (write(path, key), die())
elif point == "re-encrypting":
    seal, calls = g.Gallery._seal, []
    def sealing(self, key, plain, aad):
        calls.append(1)
        if len(calls) == 2:
            die()
        return seal(self, key, plain, aad)
    g.Gallery._seal = sealing
elif point == "committed, old key file":
    replace = os.replace
    g.os.replace = lambda src, dst: die() if str(src).endswith(".next") else replace(src, dst)
elif point == "new key file, before VACUUM":
    sync, calls = g._fsync_directory, []
    def syncing(directory):
        sync(directory)
        calls.append(1)
        if len(calls) == 2:  # the .next file written, then the key file replaced by it
            die()
    g._fsync_directory = syncing
gallery = g.Gallery(folder / "gallery.sqlite", folder / "gallery.key", environ={})
gallery.rotate_key(environ={})
print("not killed")
"""


@pytest.mark.parametrize(
    ("point", "key_is_new"),
    [
        ("new key written", False),
        ("re-encrypting", False),
        ("committed, old key file", True),
        ("new key file, before VACUUM", True),
    ],
)
def test_key_rotation_killed_at_any_step_loses_no_face(tmp_path: Path, point: str, key_is_new: bool) -> None:
    import subprocess
    import sys

    gallery = open_gallery(tmp_path)
    alice, bob = vectors(1), vectors(2)
    gallery.add("alice", alice, MODEL)
    gallery.add("bob", bob, MODEL)
    gallery.close()
    old_key = (tmp_path / "gallery.key").read_text()
    died = subprocess.run([sys.executable, "-c", _ROTATE_AND_DIE, point, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert died.returncode == -9, died.stdout + died.stderr
    reopened = open_gallery(tmp_path)  # finishes or discards the rotation
    people = {person.name: person.embeddings for person in reopened.people(MODEL)}
    np.testing.assert_array_equal(people["alice"], alice)
    np.testing.assert_array_equal(people["bob"], bob)
    assert ((tmp_path / "gallery.key").read_text() != old_key) == key_is_new
    assert not (tmp_path / "gallery.key.next").exists()
    reopened.close()


def test_a_corrupt_gallery_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "gallery.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(GalleryError, match="is not a readable face gallery") as caught:
        open_gallery(tmp_path)
    assert "\n" not in str(caught.value)


def test_the_gallery_is_owner_only_from_its_creation(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        open_gallery(tmp_path).close()
    finally:
        os.umask(old)
    for name in ("gallery.sqlite", "gallery.key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_look_alikes_are_sealed_kept_and_forgotten(tmp_path: Path) -> None:
    gallery = open_gallery(tmp_path)
    gallery.add("alice", vectors(1), MODEL)
    gallery.add("bob", vectors(2), MODEL)
    relative = vectors(3, 2)
    assert gallery.add_lookalike("alice", relative, MODEL, "photo") == 2
    with pytest.raises(GalleryError, match="no one named 'carol'"):
        gallery.add_lookalike("carol", relative, MODEL, "photo")
    people = {p.name: p for p in gallery.people(MODEL)}
    np.testing.assert_array_equal(people["alice"].lookalikes, relative)
    assert people["bob"].lookalikes.shape == (0, 128)
    exported = gallery.export("alice")
    assert [item["source"] for item in exported["lookalikes"]] == ["photo", "photo"]  # type: ignore[union-attr]
    raw = (tmp_path / "gallery.sqlite").read_bytes()
    assert all(row.tobytes()[:16] not in raw for row in relative)  # sealed, not in the clear
    gallery.rotate_key(environ={})  # re-sealed with everything else
    np.testing.assert_array_equal({p.name: p for p in gallery.people(MODEL)}["alice"].lookalikes, relative)
    gallery.forget("alice")
    gallery.close()
    reopened = open_gallery(tmp_path)
    assert reopened._db.execute("SELECT COUNT(*) FROM lookalikes").fetchone() == (0,)


def test_recent_decisions_can_be_found_corrected_and_expire(tmp_path: Path) -> None:
    import ambient.vision.gallery as gallery_module

    gallery = open_gallery(tmp_path)
    gallery.add("alice", vectors(1), MODEL)
    first, second = vectors(4, 5), vectors(5, 4)
    gallery.record_decision("d1", "alice", first, MODEL)
    gallery.record_decision("d2", "alice", second, MODEL)
    decision_id, found = gallery.decision("alice")
    assert decision_id == "d2"
    np.testing.assert_array_equal(found, second)
    np.testing.assert_array_equal(gallery.decision("alice", "d1")[1], first)
    with pytest.raises(GalleryError, match="named 'alice', not 'bob'"):
        gallery.decision("bob", "d1")
    with pytest.raises(GalleryError, match="no recent decision 'd9'"):
        gallery.decision("alice", "d9")
    with pytest.raises(GalleryError, match="no recent decision named 'bob'"):
        gallery.decision("bob")
    gallery.rotate_key(environ={})
    np.testing.assert_array_equal(gallery.decision("alice", "d1")[1], first)
    kept = gallery_module.DECISIONS_KEPT
    try:
        gallery_module.DECISIONS_KEPT = 2
        gallery.record_decision("d3", "alice", first, MODEL)
    finally:
        gallery_module.DECISIONS_KEPT = kept
    assert [r[0] for r in gallery._db.execute("SELECT id FROM decisions ORDER BY id")] == ["d2", "d3"]
    gallery.forget("alice")  # a forgotten person's decisions go with them
    assert gallery._db.execute("SELECT COUNT(*) FROM decisions").fetchone() == (0,)


def test_newcomers_wait_sealed_for_approval_and_expire(tmp_path: Path) -> None:
    import ambient.vision.gallery as gallery_module

    gallery = open_gallery(tmp_path)
    gallery.add("alice", vectors(1), MODEL)
    ana = vectors(6, 4)
    gallery.add_pending("Ana", ana, MODEL, "4 images")
    with pytest.raises(GalleryError, match="'alice' is already enrolled"):
        gallery.add_pending("alice", ana, MODEL, "")
    assert [(name, summary) for name, _, summary in gallery.pending()] == [("Ana", "4 images")]
    assert all(row.tobytes()[:16] not in (tmp_path / "gallery.sqlite").read_bytes() for row in ana)
    gallery.rotate_key(environ={})  # sealed with the rest
    assert gallery.approve("Ana") == 4
    np.testing.assert_array_equal({p.name: p for p in gallery.people(MODEL)}["Ana"].embeddings, ana)
    with pytest.raises(GalleryError, match="no one named 'Ana' is waiting"):
        gallery.approve("Ana")
    gallery.add_pending("Bo", vectors(7), MODEL, "")
    gallery.reject("Bo")
    gallery.add_pending("Cy", vectors(8), MODEL, "")
    kept = gallery_module.PENDING_MAX_AGE_S
    try:
        gallery_module.PENDING_MAX_AGE_S = -1.0  # a day has passed
        assert gallery.pending() == []
    finally:
        gallery_module.PENDING_MAX_AGE_S = kept
    assert gallery._db.execute("SELECT COUNT(*) FROM pending").fetchone() == (0,)
