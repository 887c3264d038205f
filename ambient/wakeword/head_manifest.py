"""Our own wake-word heads, bound to their bytes: `models/heads.toml` holds each shipped head's
sha256 (and its anchors'), `head_path` refuses a head whose bytes differ, and `ambient doctor`
says so. Without it a head damaged on disk loads, scores nothing, and the device never wakes
while every check says "ok". Training into `models/` records the new head here."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ambient.errors import ModelError
from ambient.models import sha256_of

HEADS_DIR = Path(__file__).resolve().parents[2] / "models"
HEADS_MANIFEST = HEADS_DIR / "heads.toml"

_HEADER = """\
# Our own wake-word heads (trained here, committed): the sha256 of each head and of its anchors.
# `ambient wakeword train` into models/ rewrites this file; the device and `ambient doctor`
# refuse a head whose bytes differ (restore it with `git checkout models/`).
"""


@dataclass(frozen=True)
class HeadEntry:
    name: str
    sha256: str
    anchors_sha256: str = ""


def read_heads(manifest: Path = HEADS_MANIFEST) -> dict[str, HeadEntry]:
    if not manifest.is_file():
        return {}
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        return {
            str(item["name"]): HeadEntry(
                str(item["name"]), str(item["sha256"]), str(item.get("anchors_sha256", ""))
            )
            for item in data.get("head", [])
        }
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"{manifest} is not a valid heads manifest ({exc}); restore it with git") from None


def verify_head(path: Path, manifest: Path = HEADS_MANIFEST) -> None:
    """A head in the heads directory must be the one the manifest names, byte for byte."""
    entry = read_heads(manifest).get(path.stem)
    if entry is None:
        raise ModelError(
            f"wake-word head {path} is not in {manifest.name}; retrain it with "
            f"`ambient wakeword train {path.stem}` (which records it) or restore the file with git"
        )
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise ModelError(
            f"wake-word head {path} is corrupt (sha256 {actual[:12]}..., the manifest says "
            f"{entry.sha256[:12]}...); restore it with `git checkout {path.parent.name}/{path.name}`"
        )


def record_head(head: Path, manifest: Path = HEADS_MANIFEST) -> None:
    """Write (or replace) `head`'s entry; its anchors' too when they are beside it."""
    heads = read_heads(manifest)
    anchors = head.with_suffix(".anchors.npz")
    heads[head.stem] = HeadEntry(head.stem, sha256_of(head), sha256_of(anchors) if anchors.is_file() else "")
    lines = [_HEADER]
    for entry in sorted(heads.values(), key=lambda e: e.name):
        lines += ["", "[[head]]", f'name = "{entry.name}"', f'sha256 = "{entry.sha256}"']
        if entry.anchors_sha256:
            lines.append(f'anchors_sha256 = "{entry.anchors_sha256}"')
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
