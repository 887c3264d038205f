"""Device ports (microphone, camera, speaker, indicator, button) and their backends."""

from ambient.devices.protocols import Button, Camera, Indicator, IndicatorState, Microphone, Speaker
from ambient.devices.registry import DeviceBundle, build_devices

__all__ = [
    "Button",
    "Camera",
    "DeviceBundle",
    "Indicator",
    "IndicatorState",
    "Microphone",
    "Speaker",
    "build_devices",
]
