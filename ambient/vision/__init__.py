"""Vision cores: face detection (tracking and identity come next)."""
