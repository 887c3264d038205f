"""Indicators and buttons: a logging indicator and a button never pressed (no hardware needed), and
GPIO ones on a Raspberry Pi through gpiozero (a push button, an RGB LED)."""

from __future__ import annotations

import logging

from ambient.devices.protocols import IndicatorState
from ambient.errors import ConfigError, DependencyError, DeviceError

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
        try:
            self._button = _GpioZeroButton(pin)
        except Exception as error:  # gpiozero's family: no GPIO here, a pin in use, ...
            raise DeviceError(
                f'GPIO pin {pin} cannot be used for the button ({error}); set panel.button = "none" '
                "off a Raspberry Pi, or another panel.button_pin"
            ) from None
        self._button.when_pressed = self._on_press

    def _on_press(self) -> None:
        self._pressed = True

    def was_pressed(self) -> bool:
        pressed, self._pressed = self._pressed, False
        return pressed

    def close(self) -> None:
        """Release the pin (and gpiozero's hold-detection thread)."""
        self._button.close()


# What the RGB LED shows for each state (red, green, blue, 0-1): the room must tell "listening"
# from "private" at a glance, so private is the only red.
LED_COLOURS: dict[IndicatorState, tuple[float, float, float]] = {
    IndicatorState.IDLE: (0.0, 0.0, 0.0),
    IndicatorState.LISTENING: (0.0, 0.0, 1.0),
    IndicatorState.THINKING: (0.0, 0.6, 1.0),
    IndicatorState.SPEAKING: (0.0, 1.0, 0.0),
    IndicatorState.PRIVATE: (1.0, 0.0, 0.0),
    IndicatorState.DEGRADED: (1.0, 0.5, 0.0),
}


class GpioRgbIndicator:
    """An RGB LED (common cathode) on three GPIO pins, one colour per state; also logged."""

    def __init__(self, red: int, green: int, blue: int) -> None:
        if len({red, green, blue}) != 3:
            raise ConfigError(
                f"panel.led_red_pin, led_green_pin and led_blue_pin must be three different pins, "
                f"not {red}, {green}, {blue}"
            )
        try:
            from gpiozero import RGBLED
        except ImportError:
            raise DependencyError("the GPIO light needs gpiozero: pip install 'ambient[pi]'") from None
        self.name = f"gpio-rgb:{red},{green},{blue}"
        try:
            self._led = RGBLED(red, green, blue)
        except Exception as error:
            raise DeviceError(
                f"GPIO pins {red}, {green}, {blue} cannot drive the light ({error}); set panel.indicator "
                '= "log" off a Raspberry Pi, or other panel.led_*_pin'
            ) from None
        self._log = LoggingIndicator()
        self.history = self._log.history

    def show(self, state: IndicatorState, detail: str = "") -> None:
        self._led.color = LED_COLOURS[state]
        self._log.show(state, detail)

    def close(self) -> None:
        self._led.close()
