"""The tracker keeps ids through motion and short occlusions, and lets go after a long one."""

from __future__ import annotations

from ambient.vision.tracking import Tracker, TrackerSettings


def test_ids_follow_moving_faces_and_survive_a_short_occlusion() -> None:
    tracker = Tracker(TrackerSettings(max_missing_s=0.5))
    first = tracker.update(((100, 100, 80, 80), (400, 120, 60, 60)), 0.0)
    ids = {t.track_id for t in first.new}
    assert len(ids) == 2
    for step in range(1, 6):  # both move right 15 px a frame
        update = tracker.update(((100 + 15 * step, 100, 80, 80), (400 + 15 * step, 120, 60, 60)), step * 0.1)
        assert not update.new and {t.track_id for t in update.matched} == ids
    # the first face is hidden for 0.3 s while still moving; prediction carries it
    for step in range(6, 9):
        tracker.update(((400 + 15 * step, 120, 60, 60),), step * 0.1)
    back = tracker.update(((100 + 15 * 9, 100, 80, 80), (400 + 15 * 9, 120, 60, 60)), 0.9)
    assert not back.new and {t.track_id for t in back.matched} == ids


def test_a_long_absence_ends_the_track() -> None:
    tracker = Tracker(TrackerSettings(max_missing_s=0.5))
    (track,) = tracker.update(((100, 100, 80, 80),), 0.0).new
    assert tracker.update((), 0.4).lost == []
    assert [t.track_id for t in tracker.update((), 0.6).lost] == [track.track_id]
    (again,) = tracker.update(((100, 100, 80, 80),), 0.7).new
    assert again.track_id != track.track_id
