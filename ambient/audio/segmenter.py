"""End-of-turn segmentation: speech probabilities in, speech start and end boundaries out."""

from __future__ import annotations

from dataclasses import dataclass

NOTHING = 0
STARTED = 1
ENDED = 2


@dataclass(frozen=True)
class SegmenterSettings:
    threshold: float = 0.5
    """A window at or above this probability counts as speech when starting a segment."""
    release_threshold: float = 0.35
    """Inside a segment, a window below this counts as silence (hysteresis against flutter)."""
    min_speech_ms: float = 250.0
    """Speech shorter than this never starts a segment (clicks, coughs)."""
    hangover_ms: float = 600.0
    """Silence this long ends the segment; the end is the last speech window, not the hang-over."""
    start_pad_ms: float = 64.0
    """Reported starts move this much earlier: Silero rises a window or two after the onset."""


class EndOfTurnSegmenter:
    """A two-state machine over per-window speech decisions.

    It counts windows, never samples, in small ints, and reports boundaries as "how many windows
    ago", so the caller converts to absolute sample offsets only when a boundary happens.
    """

    def __init__(self, settings: SegmenterSettings, window_ms: float) -> None:
        self.settings = settings
        self._min_speech_windows = max(1, round(settings.min_speech_ms / window_ms))
        self._hangover_windows = max(1, round(settings.hangover_ms / window_ms))
        self._pad_windows = max(0, round(settings.start_pad_ms / window_ms))
        self._triggered = False
        self.in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self.start_windows_ago = 0
        """On STARTED: the first speech window was this many windows before the current one."""
        self.end_windows_ago = 0
        """On ENDED: the last speech window was this many windows before the current one."""

    @property
    def quiet_windows(self) -> int:
        """Windows of quiet since the last speech window, while a segment is open (else 0)."""
        return self._silence_run if self.in_speech else 0

    def reset(self) -> None:
        self.in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self._triggered = False

    def update(self, above_threshold: bool, above_release: bool) -> int:
        """Feed one window's decisions; returns NOTHING, STARTED or ENDED."""
        if not self.in_speech:
            # A run of windows above the release threshold becomes speech once one of them
            # crossed the main threshold and the run is long enough; the start is the run's
            # first window, so soft onsets are not cut off.
            if above_release:
                self._speech_run += 1
                if above_threshold:
                    self._triggered = True
                if self._triggered and self._speech_run >= self._min_speech_windows:
                    self.in_speech = True
                    self._silence_run = 0
                    self.start_windows_ago = self._speech_run - 1 + self._pad_windows
                    self._speech_run = 0
                    self._triggered = False
                    return STARTED
            else:
                self._speech_run = 0
                self._triggered = False
            return NOTHING
        if above_release:
            self._silence_run = 0
            return NOTHING
        self._silence_run += 1
        if self._silence_run >= self._hangover_windows:
            self.in_speech = False
            self.end_windows_ago = self._silence_run
            self._silence_run = 0
            return ENDED
        return NOTHING

    def flush(self) -> int:
        """End an open segment at the end of the stream; returns ENDED or NOTHING."""
        if not self.in_speech:
            return NOTHING
        self.in_speech = False
        self.end_windows_ago = self._silence_run
        self._silence_run = 0
        return ENDED
