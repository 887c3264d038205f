"""The device's own controls built from configuration: a GPIO push button and an RGB status light,
on gpiozero's mock pins (the edge of the machine), and their one-line errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from ambient.config import load_settings
from ambient.devices.indicator import LED_COLOURS, GpioRgbIndicator
from ambient.devices.protocols import IndicatorState
from ambient.devices.registry import build_button, build_indicator
from ambient.errors import ConfigError, DeviceError


@pytest.fixture
def mock_pins() -> Iterator[MockFactory]:
    factory = MockFactory(pin_class=MockPWMPin)
    previous, Device.pin_factory = Device.pin_factory, factory
    try:
        yield factory
    finally:
        Device.pin_factory = previous
        factory.close()


def test_gpio_button_and_light_from_configuration(mock_pins: MockFactory) -> None:
    settings = load_settings(environ={}, overrides=["panel.button=gpio", "panel.button_pin=22",
                                                    "panel.indicator=gpio"]).settings  # fmt: skip
    button = build_button(settings)
    assert button.name == "gpio:22" and not button.was_pressed()
    pin = mock_pins.pin(22)
    pin.drive_low()  # pressed: the button pulls the pin to ground
    pin.drive_high()
    assert button.was_pressed() and not button.was_pressed()  # one press, reported once
    light = build_indicator(settings)
    assert isinstance(light, GpioRgbIndicator)
    for state in IndicatorState:
        light.show(state, "test")
        levels = tuple(round(mock_pins.pin(n).state, 2) for n in (5, 6, 13))
        assert levels == LED_COLOURS[state]
    assert light.history[-1] == (IndicatorState.DEGRADED, "test")
    # released, or gpiozero's threads would go on running (and allocating) after the test
    button.close()  # type: ignore[attr-defined]
    light.close()


def test_panel_mistakes_are_one_line_errors(mock_pins: MockFactory) -> None:
    with pytest.raises(ConfigError, match="three different pins"):
        GpioRgbIndicator(5, 5, 13)
    with pytest.raises(ConfigError, match=r"panel\.button_pin = 40 is out of range"):
        load_settings(environ={}, overrides=["panel.button_pin=40"])
    mock_pins.pin(17)  # the pin exists; a second button on it is refused by gpiozero
    settings = load_settings(environ={}, overrides=["panel.button=gpio"]).settings
    first = build_button(settings)
    with pytest.raises(DeviceError, match="GPIO pin 17 cannot be used for the button"):
        build_button(settings)
    assert first.name == "gpio:17"
    first.close()  # type: ignore[attr-defined]


def test_off_a_pi_the_gpio_button_says_what_to_do() -> None:
    """No GPIO on this machine (and no mock pins): one line that says how to run without it."""
    from ambient.devices.indicator import GpioButton

    with pytest.raises(DeviceError, match=r'set panel\.button = "none" off a Raspberry Pi'):
        GpioButton(17)
