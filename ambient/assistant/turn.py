"""The turn tracker: after a wake word, which stretch of audio is the user's command.

Everything is in samples of the microphone stream, not wall time, so a turn resolves the same way
whether the audio is live, paced from a file, or played as fast as the pipeline takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ambient.audio_format import SAMPLE_RATE


@dataclass(frozen=True)
class TurnSettings:
    no_speech_timeout_s: float = 5.0
    """Give up when no command starts this long after the wake word."""
    max_utterance_s: float = 10.0
    """Cut a command that goes on longer than this."""
    min_utterance_s: float = 0.3
    """Speech after the wake word shorter than this is the wake word's own tail, not a command."""


@dataclass(frozen=True)
class TurnOutcome:
    captured: bool
    start_sample: int
    end_sample: int
    reason: str


class TurnTracker:
    def __init__(self, settings: TurnSettings) -> None:
        self.settings = settings
        self.active = False
        self._wake_end = 0
        self._speech_start: int | None = None
        self._no_speech = int(settings.no_speech_timeout_s * SAMPLE_RATE)
        self._max_length = int(settings.max_utterance_s * SAMPLE_RATE)
        self._min_length = int(settings.min_utterance_s * SAMPLE_RATE)

    def on_wake(self, end_sample: int, speech_open_since: int | None) -> None:
        """A wake word ended; `speech_open_since` is the start of a VAD segment still open."""
        self.active = True
        self._wake_end = end_sample
        self._speech_start = speech_open_since

    def on_speech_start(self, start_sample: int) -> None:
        if self.active:
            self._speech_start = start_sample

    def on_speech_end(self, start_sample: int, end_sample: int) -> TurnOutcome | None:
        if not self.active:
            return None
        self._speech_start = None
        begin = max(start_sample, self._wake_end)
        if end_sample - begin < self._min_length:
            return None  # only the wake word (or a breath after it): keep listening
        self.active = False
        return TurnOutcome(True, begin, end_sample, "end of turn")

    def on_audio(self, samples_seen: int) -> TurnOutcome | None:
        """Check the time limits; called once per chunk while a turn is active."""
        if not self.active:
            return None
        if self._speech_start is None:
            if samples_seen - self._wake_end >= self._no_speech:
                self.active = False
                return TurnOutcome(False, self._wake_end, samples_seen, "no speech after the wake word")
            return None
        begin = max(self._speech_start, self._wake_end)
        if samples_seen - begin >= self._max_length:
            self.active = False
            return TurnOutcome(True, begin, samples_seen, "max length")
        return None

    @property
    def wake_end(self) -> int:
        return self._wake_end

    def command_start(self) -> int | None:
        """Where the command began (after the wake word), while one is being spoken."""
        if not self.active or self._speech_start is None:
            return None
        return max(self._speech_start, self._wake_end)

    def cancel(self) -> None:
        self.active = False
        self._speech_start = None
