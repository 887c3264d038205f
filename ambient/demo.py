"""`ambient run --demo` (what `make run` does): the whole loop on recorded media, without a key.

On a machine with no microphone or camera the device is simulated, and what it would hear by
default (recorded read speech) shows little of what it does. The demo gives it a programme:
the wake word (real recordings), then local commands ("what time is it", a timer that rings, "who
is here"), then a question for the cloud (answered, or the device says the cloud is not set up),
while the camera plays a clip of people enrolled, on first run, from `video/enroll/` into a gallery
under the state directory. The shared data has no smart-speaker commands, so those are synthesised
once by espeak-ng (a voice other than the device's own) and kept in `<state_dir>/demo/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ambient.config import Settings

WAKE_CLIPS = (
    "wakeword/computer/test/spk008_0e95d341.flac",
    "wakeword/computer/test/spk008_3574fc3b.flac",
)
COMMANDS = (
    "what time is it",
    "set a timer for five seconds",
    "who is here",
    "what is the tallest mountain in Europe",
)
ENROL_FROM = "video/enroll"
CAMERA_CLIP = "video/short_hamilton_clip.mp4"


@dataclass(frozen=True)
class Demo:
    overrides: list[str]
    """Settings for the device: the programme, the demo gallery, the camera clip."""
    notes: list[str]
    """What was prepared, to say on screen."""
    duration_s: float = 60.0
    """How long the demo runs unless --duration says otherwise (the timer rings after the media)."""


def prepare_demo(settings: Settings) -> Demo:
    """Synthesise the commands and enrol the faces (first run only); the settings that play them."""
    demo_dir = settings.assistant.state_path() / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    files: list[str] = []
    for index, command in enumerate(COMMANDS):
        clip = demo_dir / (re.sub(r"\W+", "_", command).strip("_") + ".wav")
        if not clip.is_file():
            _synthesise(command, clip)
            notes.append(f'synthesised the command "{command}" (espeak-ng) into {clip}')
        files += [WAKE_CLIPS[index % len(WAKE_CLIPS)], str(clip)]
    gallery, key = demo_dir / "gallery.sqlite", demo_dir / "gallery.key"
    notes += _enrol_once(settings, gallery, key)
    return Demo(
        overrides=[
            "microphone.files=" + ",".join(files),
            "microphone.gap_s=2.0",
            f"vision.gallery={gallery}",
            f"vision.gallery_key={key}",
            f"camera.file={CAMERA_CLIP}",
        ],
        notes=notes,
    )


def _synthesise(text: str, path: Path) -> None:
    import soundfile

    from ambient.speech import espeak

    soundfile.write(str(path), espeak.synthesize(text, voice="en-us+f3"), 16_000, subtype="PCM_16")


def _enrol_once(settings: Settings, gallery_path: Path, key_path: Path) -> list[str]:
    from ambient.models import ModelStore
    from ambient.vision.encoding import ENCODER_ID
    from ambient.vision.enrolment import QualitySettings, encode_photos
    from ambient.vision.gallery import Gallery
    from ambient.vision.setup import enrolment_detector, face_encoder

    gallery = Gallery(gallery_path, key_path)
    try:
        if gallery.names():
            return []
        source = settings.data_path(ENROL_FROM)
        cache = Path(settings.models.cache_dir) if settings.models.cache_dir else None
        encoder = face_encoder(ModelStore(cache))
        detector = enrolment_detector()
        enrolled = []
        for folder in sorted(path for path in source.iterdir() if path.is_dir()):
            photos = sorted(folder.glob("*.jpg"))
            name = folder.name.removeprefix("fotb_").replace("_", " ").title()
            gallery.add(name, encode_photos(photos, detector, encoder, QualitySettings()), ENCODER_ID)
            enrolled.append(name)
    finally:
        gallery.close()
    return [f"enrolled {len(enrolled)} people from {source} into {gallery_path}: {', '.join(enrolled)}"]
