"""`ambient faces ...` as a user runs it, on the real photos in ../shared/data/faces."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ambient.models import ModelStore
from ambient.testing.media import faces_split
from tests.conftest import one_line_error, run_cli


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        "AMBIENT_VISION__GALLERY": str(tmp_path / "gallery.sqlite"),
        "AMBIENT_VISION__GALLERY_KEY": str(tmp_path / "gallery.key"),
        "AMBIENT_GALLERY_KEY": "",
    }


def test_enroll_list_export_forget(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    env = env_for(tmp_path)
    photos = sorted((data_dir / "faces" / "Tony_Blair").glob("*.jpg"))[:3]
    status, stdout, stderr = run_cli("faces", "enroll", "Tony Blair", *map(str, photos), env=env)
    assert status == 0, stderr
    assert "enrolled Tony Blair: 3 embeddings" in stdout
    status, stdout, _ = run_cli("faces", "list", env=env)
    assert stdout.strip() == "Tony Blair\t3 embeddings"
    out = tmp_path / "export.json"
    assert run_cli("faces", "export", "Tony Blair", "--out", str(out), env=env)[0] == 0
    exported = json.loads(out.read_text())
    assert len(exported["embeddings"]) == 3 and len(exported["embeddings"][0]["vector"]) == 128
    assert out.stat().st_mode & 0o777 == 0o600
    assert run_cli("faces", "rotate-key", env=env)[0] == 0
    # the event log of a device that saw him, and heard his name
    log = tmp_path / "events.jsonl"
    log.write_text(
        '{"type":"PersonArrived","t":1.0,"correlation_id":null,"person":"Tony Blair","track_id":3}\n'
        '{"type":"Transcribed","t":2.0,"correlation_id":"c1","text":"is tony here","recognizer":"whisper",'
        '"confidence":0.9,"seconds":0.1,"audio_s":1.0}\n'
        '{"type":"SpeechStarted","t":3.0,"correlation_id":null,"start_sample":0}\n'
    )
    status, stdout, _ = run_cli("faces", "forget", "Tony Blair", "--event-log", str(log), env=env)
    assert status == 0 and "3 embeddings erased" in stdout and "2 events rewritten" in stdout
    scrubbed = log.read_text()
    assert "tony" not in scrubbed.lower() and "blair" not in scrubbed.lower()
    assert log.stat().st_mode & 0o777 == 0o600
    assert len(scrubbed.splitlines()) == 3 and run_cli("events", str(log))[0] == 0
    raw = (tmp_path / "gallery.sqlite").read_bytes()
    assert b"Tony Blair" not in raw
    assert run_cli("faces", "list", env=env)[1].strip() == ""


def test_bad_photos_and_names(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    env = env_for(tmp_path)
    face = sorted((data_dir / "faces" / "Tony_Blair").glob("*.jpg"))[0]
    image = cv2.imread(str(face))
    unreadable = tmp_path / "unreadable.jpg"
    unreadable.write_bytes(b"\xff\xd8 not really a jpeg")
    one_line_error(run_cli("faces", "enroll", "x", str(unreadable), env=env), "unreadable.jpg cannot be read")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(face.read_bytes()[: face.stat().st_size // 2])  # a copy cut off half-way
    # one line (libjpeg's own "premature end of data" warning never shows)
    one_line_error(run_cli("faces", "enroll", "x", str(truncated), env=env), "truncated.jpg is cut short")
    blank = tmp_path / "wall.jpg"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 180, np.uint8))
    one_line_error(run_cli("faces", "enroll", "x", str(blank), env=env), "no face found in", "wall.jpg")
    other = cv2.imread(str(sorted((data_dir / "faces" / "Serena_Williams").glob("*.jpg"))[0]))
    pair = tmp_path / "pair.jpg"
    cv2.imwrite(str(pair), np.hstack([image, cv2.resize(other, (image.shape[1], image.shape[0]))]))
    one_line_error(run_cli("faces", "enroll", "x", str(pair), env=env), "2 faces in", "crop it")
    small = tmp_path / "small.jpg"
    cv2.imwrite(str(small), cv2.resize(image, (image.shape[1] // 3, image.shape[0] // 3)))
    one_line_error(run_cli("faces", "enroll", "x", str(small), env=env), "too small")
    blurred = tmp_path / "blurred.jpg"
    cv2.imwrite(str(blurred), cv2.GaussianBlur(image, (0, 0), 2.5))
    one_line_error(run_cli("faces", "enroll", "x", str(blurred), env=env), "too blurred")
    one_line_error(run_cli("faces", "forget", "nobody", env=env), "no one named 'nobody'")
    # nothing was enrolled by any of the failed attempts
    assert run_cli("faces", "list", env=env)[1].strip() == ""


def test_wrong_or_missing_key_keeps_the_gallery(
    tmp_path: Path, data_dir: Path, model_store: ModelStore
) -> None:
    env = env_for(tmp_path)
    photo = sorted((data_dir / "faces" / "Tony_Blair").glob("*.jpg"))[0]
    assert run_cli("faces", "enroll", "tony", str(photo), env=env)[0] == 0
    before = (tmp_path / "gallery.sqlite").read_bytes()
    wrong = {**env, "AMBIENT_GALLERY_KEY": "A" * 43 + "="}
    one_line_error(run_cli("faces", "list", env=wrong), "does not open", "nothing was changed")
    key = tmp_path / "gallery.key"
    key.rename(tmp_path / "elsewhere.key")
    one_line_error(run_cli("faces", "list", env=env), "key file", "is missing", "restore")
    assert (tmp_path / "gallery.sqlite").read_bytes() == before


_ENCODINGS: dict[bytes, object] = {}
"""Each shared photo encoded once for the three splits (in memory, as `evaluate_faces` allows)."""


@pytest.mark.parametrize("strangers_from", [0, 1, 2])
def test_eval_on_real_photos(
    tmp_path: Path, data_dir: Path, model_store: ModelStore, strangers_from: int
) -> None:
    """About 20 people enrolled from up to 3 photos each, the other 9-10 never enrolled; across the
    three splits every person is a stranger once (see faces_split)."""
    from ambient.config import load_settings
    from ambient.vision.evaluation import evaluate_faces
    from ambient.vision.setup import enrolment_detector, face_encoder, match_settings

    gallery, probes = faces_split(tmp_path / "split", data_dir, strangers_from=strangers_from)
    settings = load_settings(environ={}).settings
    result = evaluate_faces(
        gallery, probes, enrolment_detector(), face_encoder(model_store), match_settings(settings.vision),
        memo=_ENCODINGS,  # type: ignore[arg-type]
    ).to_json()  # fmt: skip
    assert result["enrolled_people"] >= 19 and result["unknown_probes"] > 50  # type: ignore[operator]
    assert result["false_accepts"] == 0  # never a stranger taken for an enrolled person
    assert result["top1_accuracy"] >= 0.99  # type: ignore[operator]
    assert result["ranking_accuracy"] == 1.0  # the nearest person is always the right one
    # the threshold the device ships with holds on every split, not only the one calibrated here
    assert result["configured_false_accepts"] == 0
    assert result["configured_top1_accuracy"] >= 0.99  # type: ignore[operator]


def test_eval_from_the_command_line(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    """`ambient faces eval` as a user runs it, on a few people: the JSON keys and the DET plot."""
    faces = data_dir / "faces"
    gallery, probes = tmp_path / "gallery", tmp_path / "probes"
    for index, person in enumerate(["Tony_Blair", "Kofi_Annan", "Naomi_Watts"]):
        photos = sorted((faces / person).glob("*.jpg"))[:4]
        enrolled = photos[:2] if index < 2 else []  # Naomi Watts is the stranger
        for folder, chosen in ((gallery, enrolled), (probes, [p for p in photos if p not in enrolled])):
            if chosen:
                (folder / person).mkdir(parents=True, exist_ok=True)
                for photo in chosen:
                    (folder / person / photo.name).symlink_to(photo)
    plot = tmp_path / "det.png"
    status, stdout, stderr = run_cli(
        "faces", "eval", "--gallery", str(gallery), "--probes", str(probes), "--json", "--plot", str(plot)
    )
    assert status == 0, stderr
    result = json.loads(stdout)
    for key in ("top1_accuracy", "false_accepts", "unknown_probes", "threshold", "configured_false_accepts"):
        assert key in result
    assert result["enrolled_people"] == 2 and result["unknown_probes"] >= 1
    assert result["false_accepts"] == 0 and result["configured_false_accepts"] == 0
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_enroll_from_the_camera(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    # the file camera plays a folder of one person's photos as if they stood in front of it
    env = {**env_for(tmp_path), "AMBIENT_CAMERA__BACKEND": "file", "AMBIENT_CAMERA__REALTIME": "false"}
    env["AMBIENT_CAMERA__FILE"] = str(data_dir / "faces" / "Tony_Blair")
    status, stdout, stderr = run_cli("faces", "enroll", "tony", "--camera", "--frames", "3", env=env)
    assert status == 0, stderr
    assert "enrolled tony: 3 embeddings" in stdout
    env["AMBIENT_CAMERA__FILE"] = str(data_dir / "video" / "enroll" / "lin_manuel_miranda")  # one photo
    one_line_error(run_cli("faces", "enroll", "lin", "--camera", "--frames", "3", env=env), "only 1 of 3")


def test_eval_with_a_missing_folder(tmp_path: Path, data_dir: Path) -> None:
    one_line_error(
        run_cli("faces", "eval", "--gallery", str(tmp_path / "none"), "--probes", str(data_dir / "faces")),
        "none not found",
    )
