"""What the running device writes to the face gallery: the encodings behind recent decisions (so a
wrong name can be corrected later, `ambient faces not`), look-alikes from spoken corrections, and
noticing when `ambient faces ...` changed the gallery underneath it.

Each call opens the gallery and closes it again: the calls come from one worker thread, are rare
(a new face, a correction, a change on disk), and a short-lived connection never holds a lock the
command line would wait on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.vision.encoding import ENCODER_ID
from ambient.vision.gallery import Gallery, Person
from ambient.vision.presence import Decision


class FaceArchive:
    def __init__(self, open_gallery: Callable[[], Gallery], database: Path) -> None:
        self._open = open_gallery
        self._database = database
        self._signature = self._stat()

    def _stat(self) -> tuple[float, int] | None:
        try:
            status = self._database.stat()
        except OSError:
            return None
        return (status.st_mtime, status.st_size)

    def record(self, decisions: list[Decision]) -> None:
        gallery = self._open()
        try:
            for decision in decisions:
                gallery.record_decision(decision.decision_id, decision.person, decision.encodings, ENCODER_ID)
        finally:
            gallery.close()
        self._signature = self._stat()  # our own write is not a change to reload for

    def add_lookalikes(self, person: str, encodings: npt.NDArray[np.float32], source: str) -> int:
        gallery = self._open()
        try:
            count = gallery.add_lookalike(person, np.asarray(encodings, np.float32), ENCODER_ID, source)
        finally:
            gallery.close()
        self._signature = self._stat()
        return count

    def add_pending(self, name: str, encodings: npt.NDArray[np.float32], summary: str) -> None:
        gallery = self._open()
        try:
            gallery.add_pending(name, np.asarray(encodings, np.float32), ENCODER_ID, summary)
        finally:
            gallery.close()
        self._signature = self._stat()

    def changed(self) -> bool:
        """Whether the gallery file changed since this archive last read or wrote it (someone ran
        `ambient faces enroll`, `not` or `forget` while the device runs). A stat, nothing more."""
        return self._stat() != self._signature

    def people(self) -> list[Person]:
        self._signature = self._stat()
        gallery = self._open()
        try:
            return gallery.people(ENCODER_ID)
        finally:
            gallery.close()
