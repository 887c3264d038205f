"""Who is in the room, as the presence stage last saw it: the interface skills read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ambient.events import Event, PersonArrived, PersonLeft


class PresenceView(Protocol):
    """What a skill may ask ("who is here"); the store changes only through `on_event`."""

    def who_is_here(self) -> list[str]: ...

    def strangers_present(self) -> int: ...


@dataclass
class _Presence:
    since: float
    tracks: set[int]


class ContextStore:
    """In-memory presence state (nothing biometric: names and track ids only), written only by
    its bus subscription on the event loop: the presence pipeline, in its own thread, publishes
    arrivals and departures and never touches the store."""

    def __init__(self) -> None:
        self._people: dict[str, _Presence] = {}
        self._strangers: set[int] = set()

    def on_event(self, event: Event) -> None:
        """Subscribe this to the bus."""
        if isinstance(event, PersonArrived):
            self.person_arrived(event.person, event.track_id, event.t)
        elif isinstance(event, PersonLeft):
            self.person_left(event.person, event.track_id)

    def person_arrived(self, person: str, track_id: int, t: float) -> None:
        if person == "unknown":
            self._strangers.add(track_id)
            return
        self._people.setdefault(person, _Presence(t, set())).tracks.add(track_id)

    def person_left(self, person: str, track_id: int) -> None:
        if person == "unknown":
            self._strangers.discard(track_id)
            return
        self._people.pop(person, None)

    def who_is_here(self) -> list[str]:
        return sorted(self._people)

    def strangers_present(self) -> int:
        return len(self._strangers)

    def forget(self, person: str) -> None:
        """Drop every trace of a person (after `ambient faces forget`)."""
        self._people.pop(person, None)
