"""Indicators and buttons that need no hardware: a logging indicator and a button never pressed."""

from __future__ import annotations

import logging

from ambient.devices.protocols import IndicatorState
from ambient.errors import DependencyError

log = logging.getLogger(__name__)


class LoggingIndicator:
    """Logs each state change and keeps the history, so tests can check what the room was shown."""

    def __init__(self) -> None:
        self.name = "log"
        self.history: list[tuple[IndicatorState, str]] = []

    def show(self, state: IndicatorState, detail: str = "") -> None:
        if self.history and self.history[-1] == (state, detail):
            return
        self.history.append((state, detail))
        log.info("indicator: %s%s", state.value, f" ({detail})" if detail else "")


class NullButton:
    name = "none"

    def was_pressed(self) -> bool:
        return False


class GpioButton:
    """A push button on a Raspberry Pi GPIO pin (gpiozero, installed with the `pi` extra)."""

    def __init__(self, pin: int) -> None:
        try:
            from gpiozero import Button as _GpioZeroButton
        except ImportError:
            raise DependencyError("the GPIO button needs gpiozero: pip install 'ambient[pi]'") from None
        self.name = f"gpio:{pin}"
        self._pressed = False
        self._button = _GpioZeroButton(pin)
        self._button.when_pressed = self._on_press

    def _on_press(self) -> None:
        self._pressed = True

    def was_pressed(self) -> bool:
        pressed, self._pressed = self._pressed, False
        return pressed
