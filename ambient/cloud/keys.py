"""API keys for the cloud: from the environment or a 0600 key file, never from a flag, never logged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ambient.errors import ConfigError

PROVIDER_KEY_VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}


def load_api_key(provider: str, key_file: str) -> str:
    """The key for `provider`: $AMBIENT_CLOUD_API_KEY, the provider's own variable, or `key_file`.

    A key file readable by others is refused: a leaked key is spent by someone else.
    """
    for variable in ("AMBIENT_CLOUD_API_KEY", PROVIDER_KEY_VARIABLES.get(provider, "")):
        value = os.environ.get(variable, "").strip() if variable else ""
        if value:
            return value
    variable = PROVIDER_KEY_VARIABLES.get(provider, "AMBIENT_CLOUD_API_KEY")
    if not key_file:
        raise ConfigError(
            f"no API key for the {provider} cloud: set ${variable} or cloud.key_file (a file of mode 0600)"
        )
    path = Path(key_file).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ConfigError(
            f"cloud key file {path} not found; create it with mode 0600 or set ${variable}"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"cloud key file {path} is readable by others; run: chmod 600 {path}")
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise ConfigError(f"cloud key file {path} is empty; put the API key in it")
    return value
