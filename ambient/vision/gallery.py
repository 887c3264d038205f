"""The face gallery: SQLite, every embedding encrypted with AES-GCM, erasable to the last byte."""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.errors import AmbientError
from ambient.private_files import ensure_private

KEY_ENV = "AMBIENT_GALLERY_KEY"
_KEY_CHECK = b"ambient gallery key check v1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lookalikes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created REAL NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    name TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created REAL NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    model_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created REAL NOT NULL
);
"""

DECISIONS_KEPT = 200
"""Recent identity decisions kept (with the face encodings behind them) so `ambient faces not` can
correct one after the fact; older ones are erased."""
DECISIONS_MAX_AGE_S = 24 * 3600.0
PENDING_MAX_AGE_S = 24 * 3600.0
"""A face collected for "remember me as ..." waits this long for a household member's approval."""


class GalleryError(AmbientError):
    """The gallery cannot be opened or changed as asked; it is left as it was."""


NO_LOOKALIKES = np.zeros((0, 128), dtype=np.float32)


@dataclass(frozen=True)
class Person:
    name: str
    embeddings: npt.NDArray[np.float32]
    """(n, 128) encodings, decrypted, for the current model."""
    lookalikes: npt.NDArray[np.float32] = field(default_factory=lambda: NO_LOOKALIKES)
    """(m, 128) encodings of faces the household said are *not* this person ("that's not me"):
    a face nearer to one of them than to this person is not taken for this person."""


def _aesgcm(key: bytes) -> object:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise GalleryError(
            f"the gallery key in {source} is not base64; it must hold 32 random bytes"
        ) from None
    if len(key) != 32:
        raise GalleryError(f"the gallery key in {source} is {len(key)} bytes; it must be 32 (AES-256)")
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Create or replace the key file atomically, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
        handle.flush()
        os.fsync(handle.fileno())  # on disk before anything is sealed with it
    os.replace(partial, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (the new key file's name, not only its bytes)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_key_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise GalleryError(
            f"gallery key file {path} is readable by others (mode {mode:04o}); run chmod 600 {path}"
        )
    return decode_key(path.read_text(), str(path))


class Gallery:
    """People and their face embeddings.

    The key comes from $AMBIENT_GALLERY_KEY (base64) or a 0600 key file; a new gallery gets a new
    key file, an existing one never does (a lost key must not silently orphan the faces). Every
    embedding is sealed with AES-256-GCM, bound to its person and model id as associated data.
    Deleting uses SQLite's secure_delete and a VACUUM, so forgotten bytes do not linger in free pages.
    """

    def __init__(self, path: Path, key_file: Path, environ: dict[str, str] | None = None) -> None:
        self.path = path
        self.key_file = key_file
        env = os.environ if environ is None else environ
        try:
            ensure_private(path)  # 0600 before SQLite writes a byte (and its journal inherits it)
            self._db = sqlite3.connect(str(path), isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.execute("PRAGMA journal_mode = DELETE")
            self._db.executescript(_SCHEMA)
            check = self._db.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise GalleryError(
                f"gallery {path} is not a readable face gallery ({exc}); restore it from a backup, or move "
                "it aside and enrol again (nothing was changed)"
            ) from None
        except OSError as exc:
            raise GalleryError(
                f"gallery {path} cannot be opened ({exc.strerror}); check vision.gallery"
            ) from None
        if env.get(KEY_ENV):
            self._key = decode_key(env[KEY_ENV], f"${KEY_ENV}")
        elif key_file.is_file():
            self._key = read_key_file(key_file)
        elif check is None:
            self._key = secrets.token_bytes(32)
            write_key_file(key_file, self._key)
        else:
            raise GalleryError(
                f"gallery {path} is encrypted but its key file {key_file} is missing; restore the key file "
                f"or set ${KEY_ENV} (nothing was changed)"
            )
        if check is None:
            self._seal_check()
        elif not self._opens(bytes(check[0])) and not self._finish_rotation(bytes(check[0]), env):
            raise GalleryError(
                f"the gallery key does not open {path}; use the key file or ${KEY_ENV} that enrolled these "
                "faces (nothing was changed)"
            )
        self._discard_stale_next_key()

    @property
    def next_key_file(self) -> Path:
        """Where a rotation keeps the new key until the re-encryption is committed."""
        return self.key_file.with_name(self.key_file.name + ".next")

    def _finish_rotation(self, check: bytes, env: Mapping[str, str]) -> bool:
        """A rotation committed the re-encryption but was stopped before the new key replaced the
        old one: the new key waits beside it. Finish the rotation; False if there is none."""
        if env.get(KEY_ENV) or not self.next_key_file.is_file():
            return False
        old, self._key = self._key, read_key_file(self.next_key_file)
        if not self._opens(check):
            self._key = old
            return False
        os.replace(self.next_key_file, self.key_file)
        return True

    def _discard_stale_next_key(self) -> None:
        """A rotation stopped before its commit leaves a new key that opens nothing: drop it."""
        if self.next_key_file.is_file():
            self.next_key_file.unlink()

    def close(self) -> None:
        self._db.close()

    def _seal(self, key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        nonce = secrets.token_bytes(12)
        return nonce, _aesgcm(key).encrypt(nonce, plaintext, aad)  # type: ignore[attr-defined]

    def _open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        return _aesgcm(key).decrypt(nonce, ciphertext, aad)  # type: ignore[attr-defined, no-any-return]

    def _seal_check(self) -> None:
        nonce, sealed = self._seal(self._key, _KEY_CHECK, b"key_check")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('key_check', ?)", (nonce + sealed,))

    def _opens(self, blob: bytes) -> bool:
        from cryptography.exceptions import InvalidTag

        try:
            return self._open(self._key, blob[:12], blob[12:], b"key_check") == _KEY_CHECK
        except InvalidTag:
            return False

    @staticmethod
    def _aad(person_id: int, model_id: str) -> bytes:
        return f"{person_id}:{model_id}".encode()

    @staticmethod
    def _lookalike_aad(person_id: int, model_id: str) -> bytes:
        return f"lookalike:{person_id}:{model_id}".encode()

    @staticmethod
    def _decision_aad(decision_id: str, model_id: str) -> bytes:
        return f"decision:{decision_id}:{model_id}".encode()

    def _person_id(self, name: str) -> int:
        row = self._db.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise GalleryError(f"no one named {name!r} is enrolled; `ambient faces list` shows who is")
        return int(row[0])

    def add(self, name: str, embeddings: npt.NDArray[np.float32], model_id: str) -> int:
        """Add embeddings for `name` (created if new), all in one transaction."""
        if not name.strip():
            raise GalleryError("a person needs a name")
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("INSERT OR IGNORE INTO people (name, created) VALUES (?, ?)", (name, now))
            (person_id,) = self._db.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
            for embedding in np.asarray(embeddings, dtype=np.float32).reshape(-1, 128):
                nonce, sealed = self._seal(self._key, embedding.tobytes(), self._aad(person_id, model_id))
                self._db.execute(
                    "INSERT INTO embeddings (person_id, model_id, nonce, ciphertext, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (person_id, model_id, nonce, sealed, now),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return int(person_id)

    def names(self) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT p.name, COUNT(e.id) FROM people p LEFT JOIN embeddings e ON e.person_id = p.id "
            "GROUP BY p.id ORDER BY p.name"
        ).fetchall()
        return [(str(name), int(count)) for name, count in rows]

    def people(self, model_id: str) -> list[Person]:
        """Everyone with embeddings from `model_id`, decrypted (for the matcher, in memory only)."""
        found: dict[str, list[npt.NDArray[np.float32]]] = {}
        rows = self._db.execute(
            "SELECT p.id, p.name, e.nonce, e.ciphertext FROM embeddings e "
            "JOIN people p ON p.id = e.person_id WHERE e.model_id = ? ORDER BY p.name, e.id",
            (model_id,),
        ).fetchall()
        for person_id, name, nonce, sealed in rows:
            plain = self._open(self._key, bytes(nonce), bytes(sealed), self._aad(int(person_id), model_id))
            found.setdefault(str(name), []).append(np.frombuffer(plain, dtype=np.float32).copy())
        lookalikes: dict[str, list[npt.NDArray[np.float32]]] = {}
        rows = self._db.execute(
            "SELECT p.id, p.name, l.nonce, l.ciphertext FROM lookalikes l "
            "JOIN people p ON p.id = l.person_id WHERE l.model_id = ? ORDER BY p.name, l.id",
            (model_id,),
        ).fetchall()
        for person_id, name, nonce, sealed in rows:
            aad = self._lookalike_aad(int(person_id), model_id)
            plain = self._open(self._key, bytes(nonce), bytes(sealed), aad)
            lookalikes.setdefault(str(name), []).append(np.frombuffer(plain, dtype=np.float32).copy())
        return [
            Person(
                name, np.stack(vectors), np.stack(lookalikes[name]) if name in lookalikes else NO_LOOKALIKES
            )
            for name, vectors in found.items()
        ]

    def add_lookalike(
        self, name: str, embeddings: npt.NDArray[np.float32], model_id: str, source: str
    ) -> int:
        """Keep `embeddings` as faces that are *not* `name` ("that's not me"), sealed like the
        person's own; `source` says where the correction came from (voice, a decision id, a photo).
        Returns how many the person now has."""
        person_id = self._person_id(name)
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for embedding in np.asarray(embeddings, dtype=np.float32).reshape(-1, 128):
                aad = self._lookalike_aad(person_id, model_id)
                nonce, sealed = self._seal(self._key, embedding.tobytes(), aad)
                self._db.execute(
                    "INSERT INTO lookalikes (person_id, model_id, nonce, ciphertext, created, source) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (person_id, model_id, nonce, sealed, now, source),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM lookalikes WHERE person_id = ?", (person_id,)
        ).fetchone()
        return int(count)

    def record_decision(
        self, decision_id: str, person: str, embeddings: npt.NDArray[np.float32], model_id: str
    ) -> None:
        """Keep the encodings behind one identity decision, sealed, so it can be corrected later;
        only the newest `DECISIONS_KEPT` of the last day are kept."""
        now = time.time()
        plain = np.asarray(embeddings, dtype=np.float32).reshape(-1, 128).tobytes()
        nonce, sealed = self._seal(self._key, plain, self._decision_aad(decision_id, model_id))
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                (decision_id, person, model_id, nonce, sealed, now),
            )
            self._db.execute(
                "DELETE FROM decisions WHERE created < ? OR id NOT IN "
                "(SELECT id FROM decisions ORDER BY created DESC, rowid DESC LIMIT ?)",
                (now - DECISIONS_MAX_AGE_S, DECISIONS_KEPT),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @staticmethod
    def _pending_aad(name: str, model_id: str) -> bytes:
        return f"pending:{name}:{model_id}".encode()

    def add_pending(
        self, name: str, embeddings: npt.NDArray[np.float32], model_id: str, summary: str
    ) -> None:
        """Keep a newcomer's encodings, sealed, until a household member approves or rejects them
        (`ambient faces approve|reject NAME`); unapproved ones are erased after a day."""
        if self._db.execute("SELECT 1 FROM people WHERE name = ?", (name,)).fetchone():
            raise GalleryError(f"{name!r} is already enrolled; choose another name")
        plain = np.asarray(embeddings, dtype=np.float32).reshape(-1, 128).tobytes()
        nonce, sealed = self._seal(self._key, plain, self._pending_aad(name, model_id))
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("DELETE FROM pending WHERE created < ?", (now - PENDING_MAX_AGE_S,))
            self._db.execute(
                "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?)",
                (name, model_id, nonce, sealed, now, summary),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def pending(self) -> list[tuple[str, float, str]]:
        """(name, when collected, summary) of every newcomer waiting for approval."""
        self._db.execute("DELETE FROM pending WHERE created < ?", (time.time() - PENDING_MAX_AGE_S,))
        rows = self._db.execute("SELECT name, created, summary FROM pending ORDER BY created").fetchall()
        return [(str(name), float(created), str(summary)) for name, created, summary in rows]

    def approve(self, name: str) -> int:
        """Enrol a waiting newcomer; returns how many embeddings they got."""
        self.pending()  # expired ones cannot be approved
        row = self._db.execute(
            "SELECT model_id, nonce, ciphertext FROM pending WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise GalleryError(f"no one named {name!r} is waiting; `ambient faces pending` shows who is")
        model_id, nonce, sealed = row
        plain = self._open(self._key, bytes(nonce), bytes(sealed), self._pending_aad(name, str(model_id)))
        embeddings = np.frombuffer(plain, dtype=np.float32).reshape(-1, 128).copy()
        self.add(name, embeddings, str(model_id))
        self._db.execute("DELETE FROM pending WHERE name = ?", (name,))
        return len(embeddings)

    def reject(self, name: str) -> None:
        if not self._db.execute("SELECT 1 FROM pending WHERE name = ?", (name,)).fetchone():
            raise GalleryError(f"no one named {name!r} is waiting; `ambient faces pending` shows who is")
        self._db.execute("DELETE FROM pending WHERE name = ?", (name,))
        self._db.execute("VACUUM")

    def decision(self, person: str, decision_id: str | None = None) -> tuple[str, npt.NDArray[np.float32]]:
        """The encodings of decision `decision_id`, or of the latest decision that named `person`."""
        if decision_id is not None:
            row = self._db.execute(
                "SELECT id, person, model_id, nonce, ciphertext FROM decisions WHERE id = ?", (decision_id,)
            ).fetchone()
            if row is None:
                raise GalleryError(
                    f"no recent decision {decision_id!r} (decisions are kept a day); "
                    "`ambient events` shows the ids in FaceIdentified"
                )
            if row[1] != person:
                raise GalleryError(f"decision {decision_id} named {row[1]!r}, not {person!r}")
        else:
            row = self._db.execute(
                "SELECT id, person, model_id, nonce, ciphertext FROM decisions WHERE person = ? "
                "ORDER BY created DESC, rowid DESC LIMIT 1",
                (person,),
            ).fetchone()
            if row is None:
                raise GalleryError(
                    f"no recent decision named {person!r}; give the photo of the person taken for them "
                    "with --photo"
                )
        found_id, _, model_id, nonce, sealed = row
        plain = self._open(
            self._key, bytes(nonce), bytes(sealed), self._decision_aad(str(found_id), str(model_id))
        )
        return str(found_id), np.frombuffer(plain, dtype=np.float32).reshape(-1, 128).copy()

    def export(self, name: str) -> dict[str, object]:
        rows = self._db.execute(
            "SELECT p.id, e.model_id, e.nonce, e.ciphertext, e.created FROM embeddings e "
            "JOIN people p ON p.id = e.person_id WHERE p.name = ? ORDER BY e.id",
            (name,),
        ).fetchall()
        if not rows and not self._db.execute("SELECT 1 FROM people WHERE name = ?", (name,)).fetchone():
            raise GalleryError(f"no one named {name!r} is enrolled; `ambient faces list` shows who is")
        embeddings = []
        for person_id, model_id, nonce, sealed, created in rows:
            plain = self._open(
                self._key, bytes(nonce), bytes(sealed), self._aad(int(person_id), str(model_id))
            )
            vector = np.frombuffer(plain, dtype=np.float32)
            embeddings.append(
                {"model_id": model_id, "created": created, "vector": [round(float(v), 6) for v in vector]}
            )
        lookalikes = []
        for person_id, model_id, nonce, sealed, created, source in self._db.execute(
            "SELECT l.person_id, l.model_id, l.nonce, l.ciphertext, l.created, l.source FROM lookalikes l "
            "JOIN people p ON p.id = l.person_id WHERE p.name = ? ORDER BY l.id",
            (name,),
        ).fetchall():
            aad = self._lookalike_aad(int(person_id), str(model_id))
            vector = np.frombuffer(self._open(self._key, bytes(nonce), bytes(sealed), aad), dtype=np.float32)
            lookalikes.append({
                "model_id": model_id, "created": created, "source": source,
                "vector": [round(float(v), 6) for v in vector],
            })  # fmt: skip
        return {"name": name, "embeddings": embeddings, "lookalikes": lookalikes}

    def forget(self, name: str) -> int:
        """Erase a person, every embedding, their look-alikes and the recent decisions that named
        them; returns how many embeddings were erased."""
        row = self._db.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise GalleryError(f"no one named {name!r} is enrolled; `ambient faces list` shows who is")
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM embeddings WHERE person_id = ?", (row[0],)
        ).fetchone()
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM embeddings WHERE person_id = ?", (row[0],))
        self._db.execute("DELETE FROM lookalikes WHERE person_id = ?", (row[0],))
        self._db.execute("DELETE FROM decisions WHERE person = ?", (name,))
        self._db.execute("DELETE FROM pending WHERE name = ?", (name,))
        self._db.execute("DELETE FROM people WHERE id = ?", (row[0],))
        self._db.execute("COMMIT")
        self._db.execute("VACUUM")  # rebuild the file: no page keeps the old rows
        return int(count)

    def rotate_key(self, new_key: bytes | None = None, environ: dict[str, str] | None = None) -> bytes:
        """Re-encrypt everything under a new key, safe against a crash at any step.

        1. the new key is written (0600, fsync'ed) beside the old one as `<key file>.next`;
        2. every embedding and the key check are re-sealed in one transaction, committed;
        3. `.next` replaces the key file (an atomic rename);
        4. VACUUM, so no free page keeps the old ciphertext.
        Stopped before 2 commits, the old key still opens the gallery and `.next` is dropped at the
        next open; stopped after, the old key no longer opens it and the next open finishes step 3.
        """
        if (os.environ if environ is None else environ).get(KEY_ENV):
            raise GalleryError(
                f"the gallery key comes from ${KEY_ENV}; unset it to rotate the key file, or rotate it "
                "where it is set (nothing was changed)"
            )
        new_key = new_key or secrets.token_bytes(32)
        write_key_file(self.next_key_file, new_key)
        sealed_rows: list[tuple[str, Callable[[Any, str], bytes], str]] = [
            ("embeddings", self._aad, "SELECT id, person_id, model_id, nonce, ciphertext FROM embeddings"),
            (
                "lookalikes",
                self._lookalike_aad,
                "SELECT id, person_id, model_id, nonce, ciphertext FROM lookalikes",
            ),
            ("decisions", self._decision_aad, "SELECT id, id, model_id, nonce, ciphertext FROM decisions"),
            ("pending", self._pending_aad, "SELECT name, name, model_id, nonce, ciphertext FROM pending"),
        ]
        rows = [
            (table, aad_of, row) for table, aad_of, query in sealed_rows for row in self._db.execute(query)
        ]
        key_of = {"embeddings": "id", "lookalikes": "id", "decisions": "id", "pending": "name"}
        self._db.execute("BEGIN IMMEDIATE")
        old_key = self._key
        try:
            for table, aad_of, (row_id, owner, model_id, nonce, sealed) in rows:
                aad = aad_of(owner, str(model_id))
                plain = self._open(old_key, bytes(nonce), bytes(sealed), aad)
                new_nonce, new_sealed = self._seal(new_key, plain, aad)
                self._db.execute(
                    f"UPDATE {table} SET nonce = ?, ciphertext = ? WHERE {key_of[table]} = ?",
                    (new_nonce, new_sealed, row_id),
                )
            self._key = new_key
            self._seal_check()
            self._db.execute("COMMIT")
        except BaseException:
            self._key = old_key
            self._db.execute("ROLLBACK")
            self.next_key_file.unlink(missing_ok=True)
            raise
        os.replace(self.next_key_file, self.key_file)
        _fsync_directory(self.key_file.parent)
        self._db.execute("VACUUM")
        del old_key
        return new_key
