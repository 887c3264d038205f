"""`ambient doctor`: what this machine offers the device, and the fix for each problem found."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ambient.config import LoadedSettings, Settings
from ambient.errors import AmbientError
from ambient.models import ModelStore


@dataclass(frozen=True)
class Finding:
    area: str
    ok: bool
    what: str
    fix: str = ""


def examine(loaded: LoadedSettings, store: ModelStore) -> list[Finding]:
    settings = loaded.settings
    findings: list[Finding] = []
    try:
        from ambient.devices.sound_device import input_devices, output_devices

        inputs, outputs = input_devices(), output_devices()
        findings.append(
            Finding(
                "microphone",
                bool(inputs),
                ", ".join(str(d["name"]) for d in inputs) or "no input device",
                ""
                if inputs
                else "plug in a USB microphone; until then `ambient run` simulates it from recorded speech",
            )
        )
        findings.append(
            Finding(
                "speaker",
                bool(outputs),
                ", ".join(str(d["name"]) for d in outputs) or "no output device",
                "" if outputs else "plug in a speaker; until then replies are written to speaker.path",
            )
        )
    except AmbientError as exc:
        findings.append(Finding("audio", False, "PortAudio unavailable", str(exc)))
    from ambient.devices.opencv_camera import webcam_present

    camera = webcam_present(0)
    findings.append(
        Finding(
            "camera",
            camera,
            "webcam 0 answers" if camera else "no webcam at index 0",
            ""
            if camera
            else "plug in a webcam or set camera.source to an rtsp:// URL; until then video is simulated",
        )
    )
    espeak = shutil.which("espeak-ng")
    findings.append(
        Finding(
            "voice",
            espeak is not None,
            f"espeak-ng at {espeak}" if espeak else "espeak-ng not installed: the device can not speak",
            "" if espeak else "sudo apt install espeak-ng (the Piper voice reads its phonemes from it)",
        )
    )
    findings.append(_cloud_key_finding(settings))
    for status in store.check():
        findings.append(
            Finding(
                "model",
                status.problem is None,
                f"{status.entry.name} ({status.entry.licence}) at {status.location}"
                + (f": {status.problem}" if status.problem else ""),
                "" if status.problem is None else "run `ambient models fetch`",
            )
        )
    try:
        import dlib  # noqa: F401

        findings.append(Finding("vision", True, "dlib importable"))
    except ImportError:
        findings.append(Finding("vision", False, "dlib not installed", "pip install dlib-bin"))
    if settings.wakeword.engine == "ambient":
        from ambient.wakeword.scoring import head_path

        for item in settings.wakeword.models:
            name = item.partition(":")[0]
            try:
                findings.append(Finding("wake word", True, f"head {name} at {head_path(name)}"))
            except AmbientError as exc:
                findings.append(Finding("wake word", False, f"head {name} unusable", str(exc)))
    try:
        from ambient.vision.setup import gallery_paths, open_gallery

        gallery = open_gallery(settings.vision)
        try:
            people = gallery.names()
        finally:
            gallery.close()
        findings.append(
            Finding(
                "gallery",
                True,
                f"{len(people)} people enrolled in {gallery_paths(settings.vision)[0]} (encrypted)",
            )
        )
    except AmbientError as exc:
        findings.append(Finding("gallery", False, "the face gallery cannot be opened", str(exc)))
    data = Path(settings.runtime.data_dir)
    findings.append(
        Finding(
            "simulation",
            data.is_dir(),
            f"recorded media in {data}",
            ""
            if data.is_dir()
            else "set runtime.data_dir (or AMBIENT_RUNTIME__DATA_DIR) to the shared data folder",
        )
    )
    findings.append(_purchases_finding(settings))
    findings.append(_context_finding(settings))
    changed = [k for k, source in loaded.sources.items() if source != "default"]
    findings.append(
        Finding(
            "config",
            True,
            f"{len(changed)} setting(s) changed from defaults"
            + (f": {', '.join(changed)}" if changed else "")
            + "; `ambient config show` lists all",
        )
    )
    return findings


def _purchases_finding(settings: Settings) -> Finding:
    """Whether orders by voice would work: a shop address, a usable key, sound limits."""
    if not settings.purchases.enabled:
        return Finding("purchases", True, "turned off (purchases.enabled = false)")
    from ambient.device import open_shop

    try:
        shop = open_shop(settings.purchases)
    except AmbientError as exc:
        return Finding("purchases", False, "orders by voice cannot start", str(exc))
    return Finding(
        "purchases", True, f"shop at {settings.purchases.shop_url} ({shop.name if shop else ''}), key found"
    )


def _context_finding(settings: Settings) -> Finding:
    """The context store and the household's nudge rules open."""
    from ambient.context.database import context_path, open_context
    from ambient.context.nudges import load_rules

    try:
        open_context(context_path(settings.assistant.state_path())).close()
        rules = (
            load_rules(Path(settings.context.rules_file).expanduser()) if settings.context.rules_file else []
        )
    except AmbientError as exc:
        return Finding("context", False, "the context store or the nudge rules cannot be read", str(exc))
    return Finding("context", True, f"context store opens; {len(rules)} household nudge rule(s)")


def _cloud_key_finding(settings: Settings) -> Finding:
    """Whether the configured cloud has a key it would use (never showing the key)."""
    from ambient.cloud.keys import load_api_key

    cloud = settings.cloud
    if cloud.provider == "none":
        return Finding("cloud", True, "turned off (cloud.provider = none): local skills only")
    try:
        load_api_key(cloud.provider, cloud.key_file)
    except AmbientError as exc:
        return Finding("cloud", False, f"{cloud.provider}: no usable API key", str(exc))
    return Finding("cloud", True, f"{cloud.provider}: API key found (environment or a 0600 file)")
