"""The context store changes only through the events it is subscribed to."""

from __future__ import annotations

from ambient.context.store import ContextStore
from ambient.events import PersonArrived, PersonLeft
from ambient.runtime.bus import EventBus


def test_presence_follows_the_bus() -> None:
    bus = EventBus()
    store = ContextStore()
    bus.subscribe(store.on_event)
    bus.publish(PersonArrived(t=1.0, person="Ada", track_id=1))
    bus.publish(PersonArrived(t=1.5, person="unknown", track_id=2))
    assert store.who_is_here() == ["Ada"] and store.strangers_present() == 1
    bus.publish(PersonLeft(t=4.0, person="Ada", track_id=1))
    bus.publish(PersonLeft(t=4.5, person="unknown", track_id=2))
    assert store.who_is_here() == [] and store.strangers_present() == 0
