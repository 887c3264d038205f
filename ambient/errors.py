"""The error family users see: each one is a single line that says what is wrong and how to fix it."""

from __future__ import annotations


class AmbientError(Exception):
    """A problem the user can fix; the CLI prints it on one line and exits with status 2."""

    exit_status = 2


class ConfigError(AmbientError):
    """A configuration value that is unknown, of the wrong type or out of range."""


class ModelError(AmbientError):
    """A model file that is missing, corrupt or not in the manifest."""


class DeviceError(AmbientError):
    """A device that cannot be opened, read or written."""


class MediaError(AmbientError):
    """A media file (audio, video, image) that is missing or cannot be decoded."""


class DependencyError(AmbientError):
    """An optional dependency that is not installed; the message names the extra to install."""
