"""Where the shared recorded media is, and the known speech regions derived from it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ambient.config import RuntimeSettings

HESITATIONS = frozenset({"uh", "um", "er", "erm", "hmm", "ah", "mm"})
"""Filled pauses: the aligner marks them as words, but they carry no command and Silero (trained
for speech) scores them low; the reference regions leave them out."""


class SharedDataMissing(RuntimeError):
    pass


def shared_data() -> Path:
    """The shared media folder ($AMBIENT_DATA_DIR or ../shared/data); a clear error if absent."""
    path = Path(os.environ.get("AMBIENT_DATA_DIR") or RuntimeSettings().data_dir)
    if not (path / "README.md").is_file():
        raise SharedDataMissing(
            f"the shared media is not at {path}; put the shared/ folder beside the repository "
            "or set AMBIENT_DATA_DIR"
        )
    return path


@dataclass(frozen=True)
class AlignedUtterance:
    """A recording whose speech region is known from its word alignment."""

    audio: Path
    first_word_start_s: float
    last_word_end_s: float


def aligned_utterances(data: Path | None = None) -> list[AlignedUtterance]:
    """Every speech clip with a `.words.json`: its first and last lexical word bound the speech."""
    folder = (data or shared_data()) / "speech"
    found = []
    for words_file in sorted(folder.glob("*.words.json")):
        words = [w for w in json.loads(words_file.read_text()) if w["word"].lower() not in HESITATIONS]
        audio = words_file.with_name(words_file.name.replace(".words.json", ".flac"))
        found.append(AlignedUtterance(audio, float(words[0]["start"]), float(words[-1]["end"])))
    return found


def faces_split(
    target: Path,
    data: Path | None = None,
    gallery_photos: int = 3,
    strangers_from: int = 2,
    people: list[str] | None = None,
) -> tuple[Path, Path]:
    """Gallery and probe folders (symlinks into the shared faces) for `ambient faces eval`.

    Every third person (alphabetically, from index `strangers_from`) is a stranger: never
    enrolled, all photos probes; the three values of `strangers_from` make each person a stranger
    once. The others enrol their first `gallery_photos` photos and probe with the rest. `people`
    limits the split to those people (the evaluation half: `ambient.vision.tuning`).
    """
    faces = (data or shared_data()) / "faces"
    gallery, probes = target / "gallery", target / "probes"
    folders = sorted(p for p in faces.iterdir() if p.is_dir() and (people is None or p.name in people))
    for index, person in enumerate(folders):
        photos = sorted(person.glob("*.jpg"))
        stranger = index % 3 == strangers_from
        keep = 0 if stranger else gallery_photos
        for destination, chosen in ((gallery, photos[:keep]), (probes, photos[keep:])):
            if chosen:
                (destination / person.name).mkdir(parents=True, exist_ok=True)
                for photo in chosen:
                    (destination / person.name / photo.name).symlink_to(photo)
    return gallery, probes


def visible_people(meta: dict[str, object], frame: int, slack: int = 0) -> set[str]:
    """Who the ground truth of a shared video clip (its JSON) shows within `slack` frames of `frame`."""
    names = set()
    truths = meta["ground_truth"]
    assert isinstance(truths, dict)
    for name, truth in truths.items():
        if not isinstance(truth, dict):
            continue
        ranges = truth.get("visible_frames") or truth.get("face_visible_frames") or []
        if any(start - slack <= frame <= end + slack for start, end in ranges):
            names.add(name)
    return names


def spoken_command(text: str, path: Path, voice: str = "en-us+f3") -> Path:
    """A command spoken by espeak-ng (a different voice from the device's Piper voice), as a WAV.

    The shared data has no smart-speaker commands ("what time is it"), so tests and the latency
    benchmark synthesise them; real speech is used wherever the data has it.
    """
    import soundfile

    from ambient.speech import espeak

    soundfile.write(str(path), espeak.synthesize(text, voice=voice), 16_000, subtype="PCM_16")
    return path
