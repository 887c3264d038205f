"""Trigger policy: exact k-of-n patience and refractory behaviour, in audio time."""

from __future__ import annotations

import pytest

from ambient.wakeword.policy import TriggerPolicy, TriggerSettings

CHUNK_S = 0.08


def fire_at(policy: TriggerPolicy, scores: list[float]) -> list[int]:
    return [index for index, score in enumerate(scores) if policy.update(score)]


def test_single_chunk_threshold_fires_once_then_refractory() -> None:
    policy = TriggerPolicy(TriggerSettings(threshold=0.5, refractory_s=0.4), CHUNK_S)
    # 0.4 s = 5 chunks of refractory after the detection at chunk 1
    assert fire_at(policy, [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1]) == [1, 7]


def test_patience_needs_k_of_the_last_n() -> None:
    policy = TriggerPolicy(TriggerSettings(threshold=0.5, patience=2, window=3, refractory_s=0.0), CHUNK_S)
    assert fire_at(policy, [0.9, 0.1, 0.1, 0.9, 0.1, 0.9]) == [5]


def test_one_chunk_spikes_never_fire_with_patience() -> None:
    policy = TriggerPolicy(TriggerSettings(threshold=0.5, patience=2, window=3), CHUNK_S)
    assert fire_at(policy, [0.99, 0.0, 0.0, 0.99, 0.0, 0.0, 0.99]) == []


def test_votes_are_cleared_by_a_detection() -> None:
    policy = TriggerPolicy(TriggerSettings(threshold=0.5, patience=2, window=4, refractory_s=0.16), CHUNK_S)
    # fires at 1; chunks 2-3 are refractory; the votes from 0-3 must not carry over
    assert fire_at(policy, [0.9, 0.9, 0.9, 0.9, 0.1, 0.9, 0.1, 0.9]) == [1, 7]


def test_threshold_is_inclusive_and_reset_forgets() -> None:
    policy = TriggerPolicy(TriggerSettings(threshold=0.5, patience=2, window=2, refractory_s=0.0), CHUNK_S)
    assert fire_at(policy, [0.5]) == []
    policy.reset()
    assert fire_at(policy, [0.5, 0.5]) == [1]


def test_bad_patience_is_rejected() -> None:
    with pytest.raises(ValueError, match="patience"):
        TriggerSettings(patience=3, window=2)
