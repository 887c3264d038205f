"""The wake word: the detector protocol, the streaming engine and its heads, microWakeWord behind
the same interface, training, evaluation, the second check and adaptation to marked false wakes."""
