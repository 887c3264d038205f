"""systemd's service protocol, written out (a datagram to $NOTIFY_SOCKET; no dependency): READY=1
once every stage runs, WATCHDOG=1 on a heartbeat while the event loop turns, STOPPING=1 on the
way out. With `Type=notify` and `WatchdogSec=` in the unit, a device whose loop hangs (a stage
blocking it) is killed and restarted by systemd instead of sitting deaf. Outside systemd
(no $NOTIFY_SOCKET) every call does nothing."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class ServiceNotifier:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        # an abstract socket is written "@name" and addressed with a leading NUL byte
        self._address = "\0" + address[1:] if address.startswith("@") else address
        watchdog_usec = env.get("WATCHDOG_USEC", "")
        self.watchdog_s = int(watchdog_usec) / 1e6 if watchdog_usec.isdigit() else None
        """The unit's WatchdogSec (None when no watchdog is asked for)."""

    @property
    def active(self) -> bool:
        return bool(self._address)

    @property
    def heartbeat_s(self) -> float | None:
        """How often to say the device is alive: half the watchdog, as systemd advises."""
        return self.watchdog_s / 2 if self.watchdog_s else None

    def ready(self, status: str = "") -> None:
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def alive(self) -> None:
        self._send("WATCHDOG=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def _send(self, message: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(message.encode(), self._address)
        except OSError as exc:  # systemd gone: nothing to tell, and no reason to stop
            log.warning("could not notify systemd (%s): %s", message.split("\n")[0], exc)
