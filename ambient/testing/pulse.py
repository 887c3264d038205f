"""A private PulseAudio server with a null sink, so PortAudio backends run for real in tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

_CONFIG = """\
load-module module-null-sink sink_name=ambient_null rate=16000 channels=1
load-module module-native-protocol-unix socket={socket} auth-anonymous=1
set-default-sink ambient_null
set-default-source ambient_null.monitor
"""


class NullSinkServer:
    """Starts `pulseaudio` in a temporary directory and points PULSE_SERVER at it; stops it on exit.

    The null sink swallows what is played; its monitor source is a microphone that hears exactly
    what the speaker played, which lets a test check the whole PortAudio path end to end.
    """

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="ambient-pulse-"))
        self.socket = self._dir / "native"
        self._process: subprocess.Popen[bytes] | None = None
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> NullSinkServer:
        binary = shutil.which("pulseaudio")
        if binary is None:
            raise RuntimeError("pulseaudio is not installed: apt-get install pulseaudio libasound2-plugins")
        config = self._dir / "default.pa"
        config.write_text(_CONFIG.format(socket=self.socket))
        env = dict(os.environ, HOME=str(self._dir), PULSE_RUNTIME_PATH=str(self._dir))
        self._process = subprocess.Popen(
            [
                binary, "-n", "-F", str(config), "--daemonize=no", "--exit-idle-time=-1",
                "--use-pid-file=no", "--system=no", "--log-target=stderr",
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("pulseaudio did not start (is it installed with libasound2-plugins?)")
            time.sleep(0.05)
        for name, value in (("PULSE_SERVER", f"unix:{self.socket}"), ("PULSE_RUNTIME_PATH", str(self._dir))):
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        shutil.rmtree(self._dir, ignore_errors=True)
