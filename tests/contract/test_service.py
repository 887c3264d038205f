"""The Pi's systemd service: hardened (scored by systemd's own analyser), and the device speaks
systemd's notify protocol (ready, a watchdog heartbeat, stopping) to a real datagram socket."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from ambient.clock import FakeClock
from ambient.runtime.bus import EventBus
from ambient.runtime.service_notify import ServiceNotifier
from ambient.runtime.supervisor import StageSpec, Supervisor

UNIT = Path(__file__).resolve().parents[2] / "hardware" / "pi" / "ambient.service"


def test_the_unit_is_hardened() -> None:
    analyse = shutil.which("systemd-analyze")
    assert analyse, "systemd-analyze is missing: .ci/run installs systemd"
    result = subprocess.run([analyse, "security", "--offline=yes", str(UNIT)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    found = re.search(r"Overall exposure level for ambient\.service: ([0-9.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 4.0
    text = UNIT.read_text()
    for line in ("Type=notify", "WatchdogSec=", "UMask=0077", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "ReadWritePaths=/var/lib/ambient", "SupplementaryGroups=audio video gpio"):  # fmt: skip
        assert line in text


@pytest.fixture
def notify_socket(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    yield path, sock
    sock.close()


def received(sock: socket.socket) -> list[str]:
    messages = []
    sock.setblocking(False)
    try:
        while True:
            messages.append(sock.recv(4096).decode())
    except BlockingIOError:
        return messages


def test_ready_heartbeat_and_stopping_reach_systemd(notify_socket) -> None:  # type: ignore[no-untyped-def]
    path, sock = notify_socket
    notifier = ServiceNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "2000000"})
    assert notifier.active and notifier.heartbeat_s == 1.0
    clock, bus = FakeClock(), EventBus()
    supervisor = Supervisor(bus, clock)
    delivering = True

    async def microphone() -> None:
        while True:
            if delivering:
                supervisor.report_ok("microphone")
            await clock.sleep(0.08)

    supervisor.add(StageSpec("microphone", microphone, "microphone", "check the microphone"))

    async def scenario() -> list[str]:
        nonlocal delivering
        supervisor.start()
        notifier.ready("listening")
        beats = asyncio.create_task(supervisor.heartbeat(notifier.alive, 1.0, watched=("microphone",)))
        while clock.now() < 5.0:
            await asyncio.sleep(0)
        healthy = received(sock)
        delivering = False  # the microphone hangs: the heartbeat stops, systemd would restart us
        while clock.now() < 10.0:
            await asyncio.sleep(0)
        beats.cancel()
        notifier.stopping()
        await supervisor.stop()
        return [*healthy, "--", *received(sock)]

    messages = asyncio.run(scenario())
    split = messages.index("--")
    healthy, hung = messages[:split], messages[split + 1 :]
    assert healthy[0] == "READY=1\nSTATUS=listening"
    assert healthy.count("WATCHDOG=1") >= 4
    assert hung.count("WATCHDOG=1") <= 2 and hung[-1] == "STOPPING=1"  # beats stop within two


def test_outside_systemd_nothing_is_sent() -> None:
    notifier = ServiceNotifier({})
    assert not notifier.active and notifier.heartbeat_s is None
    notifier.ready()
    notifier.alive()
    notifier.stopping()
