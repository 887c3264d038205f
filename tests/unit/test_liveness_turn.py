"""The liveness turn counts only what consecutive frames hold: one frame's misplaced landmarks
(as on a tilted photo of Junichiro Koizumi in the attack trials, 0.154 on one frame) do not pass,
a turn held for a few frames does. The turns are fed directly: the measurement, not the landmarks."""

from __future__ import annotations

from ambient.vision.liveness import LivenessCheck


def _check(direction: str, turns: list[float]) -> LivenessCheck:
    check = LivenessCheck(direction)
    check.turns.extend(turns)
    return check


def test_one_frame_spike_is_not_a_turn() -> None:
    # the attack's own frames: steady near 0.05 with one landmark outlier at -0.097 at the end
    turns = [0.05, 0.103, 0.057, 0.06, 0.017, 0.067, 0.08, 0.041, 0.012, -0.097, -0.023]
    check = _check("right", turns)
    assert check.turned() < check.settings.min_turn


def test_a_held_turn_counts_in_either_direction() -> None:
    steady = [0.0, 0.01, -0.01, 0.0]
    assert _check("left", [*steady, 0.1, 0.2, 0.22, 0.21, 0.15]).turned() >= 0.2
    assert _check("right", [*steady, -0.1, -0.2, -0.22, -0.21]).turned() >= 0.2
    # the wrong side is no turn at all
    assert _check("left", [*steady, -0.2, -0.22, -0.21]).turned() <= 0.01


def test_too_few_frames_is_no_turn() -> None:
    assert _check("left", [0.0, 0.3, 0.3]).turned() == 0.0
