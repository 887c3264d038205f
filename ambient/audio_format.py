"""The audio format every stage speaks: 16 kHz mono int16, moved in 80 ms chunks. The one place
these numbers are defined, so that devices, wake word and speech need not import each other."""

SAMPLE_RATE = 16_000
CHUNK_SAMPLES = 1_280
"""80 ms at 16 kHz: the unit every audio stage moves."""
