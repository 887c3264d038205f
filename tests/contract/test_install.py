"""`hardware/pi/install.sh` run twice, as an update would be, with the edge of the machine stubbed
(apt-get, the user database, chown, sudo, systemctl, the venv's pip: each logs its call): the code
lands once in the target (no nested copy, never the checkout's .venv or .git), the target's own
venv survives the update, only the runtime extras are installed, and the unit is installed."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STUBS = ("apt-get", "useradd", "usermod", "getent", "id", "chown", "systemctl")


def stub(folder: Path, name: str, body: str = "") -> None:
    path = folder / name
    path.write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> "$STUB_LOG"\n{body}\nexit 0\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_install_twice_is_an_update_not_a_second_copy(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in STUBS:
        stub(bin_dir, name)
    stub(bin_dir, "sudo")  # the models fetch as the service user: logged, not run
    # a "python3" whose venv has a pip that logs what it would install
    stub(bin_dir, "fake-python3", 'mkdir -p "$3/bin"; for tool in python pip; do '
         'printf \'#!/usr/bin/env bash\\necho "venv-$(basename $0) $*" >> "$STUB_LOG"\\n\' > "$3/bin/$tool"; '
         'chmod +x "$3/bin/$tool"; done')  # fmt: skip
    target, state = tmp_path / "opt" / "ambient", tmp_path / "var" / "ambient"
    log = tmp_path / "calls.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(log),
           "AMBIENT_INSTALL_TARGET": str(target), "AMBIENT_INSTALL_STATE": str(state),
           "AMBIENT_INSTALL_UNITS": str(tmp_path / "units"), "AMBIENT_INSTALL_ETC": str(tmp_path / "etc"),
           "AMBIENT_INSTALL_PYTHON": "fake-python3"}  # fmt: skip
    for run in (1, 2):
        result = subprocess.run(["bash", str(REPO / "hardware/pi/install.sh")], env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, f"run {run}: {result.stderr}"
        if run == 1:
            (target / ".venv" / "marker").write_text("the venv the device runs from")
    assert (target / "ambient" / "device.py").is_file() and (target / "models" / "heads.toml").is_file()
    assert not (target / "ambient" / "ambient").exists() and not (target / "main").exists()  # no nesting
    assert not (target / ".git").exists()
    assert (target / ".venv" / "marker").read_text() == "the venv the device runs from"  # kept
    calls = log.read_text().splitlines()
    installs = [c for c in calls if c.startswith("venv-pip install") and "-e" in c]
    assert len(installs) == 2 and all(c.endswith(f"{target}[pi]") for c in installs)  # runtime extras
    assert not any("[dev]" in c for c in calls)
    assert sum(c.startswith("fake-python3 -m venv") for c in calls) == 1  # created once, then kept
    assert "systemctl restart ambient" in calls
    assert "espeak-ng" in next(c for c in calls if c.startswith("apt-get install"))
    unit = tmp_path / "units" / "ambient.service"
    assert unit.read_text() == (REPO / "hardware/pi/ambient.service").read_text()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
