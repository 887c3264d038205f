"""Orders by face, attacked and genuine, through the device's presence and purchase stages against
the fake shop (see `ambient/testing/liveness_trials.py` for who is enrolled and how attacks are
rendered):

- photo attacks: each household member's photo (one the gallery never saw) held up still, moved,
  rotated, brought closer or tilted while the device asks for a head turn: orders placed, ours
  against the naive device that orders for any face it names (identity only, no liveness);
- strangers asking: orders placed (target 0);
- genuine head turns found in the shared videos (`ambient/testing/head_turns.py`): the liveness
  check alone, and whole orders by the people of those videos (enrolled from `video/enroll/`).

    .venv/bin/python benchmarks/liveness.py [--members N] [--seeds N]

The liveness constants (`LivenessSettings`) were set from the geometry of a turning head against a
tilted card before any of this was run, and were not changed after: nothing here tuned them.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from ambient.models import ModelStore
from ambient.testing.fake_shop import FakeShop
from ambient.testing.head_turns import check_turn, find_head_turns
from ambient.testing.liveness_trials import KINDS, attack, household, stranger_asks
from ambient.testing.media import shared_data
from ambient.vision.detection import HogFaceDetector
from ambient.vision.setup import face_encoder

CLIPS = ("short_hamilton_clip.mp4", "fresh_off_the_boat_clip.mp4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=None, help="household members (default: all)")
    parser.add_argument("--seeds", type=int, default=1, help="attacks per member and kind")
    args = parser.parse_args()
    data = shared_data()
    home = household(data, args.members)
    print(f"household: {len(home.people)} people of shared/data/faces; {len(home.strangers)} strangers")
    started = time.perf_counter()
    placed: Counter[str] = Counter()
    named: Counter[str] = Counter()
    runs: Counter[str] = Counter()
    why: Counter[str] = Counter()
    with FakeShop() as shop:
        for person in home.probes:
            for kind in KINDS:
                for seed in range(args.seeds):
                    result = attack(home, shop, person, kind, seed)
                    runs[kind] += 1
                    placed[kind] += result.placed
                    named[kind] += result.requested_by == person
                    if result.liveness is not None:
                        why[result.liveness.reason] += 1
        strangers = [stranger_asks(home, shop, name, 0) for name in home.strangers]
    print(f"photo attacks ({time.perf_counter() - started:.0f} s):")
    print(f"  {'kind':<9} {'runs':>5} {'named':>6} {'ours: orders':>13} {'naive: orders':>14}")
    for kind in KINDS:
        print(f"  {kind:<9} {runs[kind]:>5} {named[kind]:>6} {placed[kind]:>13} {named[kind]:>14}")
    total_runs, total_named, total_placed = sum(runs.values()), sum(named.values()), sum(placed.values())
    print(f"  {'all':<9} {total_runs:>5} {total_named:>6} {total_placed:>13} {total_named:>14}")
    print("  why the liveness check refused: " + "; ".join(f"{n} x {r}" for r, n in why.most_common()))
    taken = sum(1 for s in strangers if s.requested_by not in (None, "unknown"))
    orders = sum(s.placed for s in strangers)
    print(f"strangers asking: {len(strangers)} runs, taken for a member {taken}, orders {orders}")

    encoder = face_encoder(ModelStore())
    print("genuine head turns found in the shared videos (liveness check alone):")
    passed = total = 0
    found = {}
    for clip_name in CLIPS:
        clip = data / "video" / clip_name
        turns = find_head_turns(clip, HogFaceDetector(640, 1), encoder)
        found[clip_name] = turns
        for turn in turns:
            ok, reason, measures = check_turn(clip, turn, encoder)
            total += 1
            passed += ok
            verdict = "pass" if ok else "FAIL"
            print(f"  {clip_name} frames {turn.first_frame}-{turn.last_frame} {turn.direction:<5} "
                  f"(found turn {turn.turn:.2f}): {verdict} - {reason} {measures}")  # fmt: skip
    print(f"  passed {passed} of {total}")
    naive_ratio = total_named / max(1, total_placed) if total_placed else float("inf")
    print(
        f"summary: photo attacks ordered {total_placed} of {total_runs} (naive identity-only device: "
        f"{total_named}; {'no order at all' if total_placed == 0 else f'{naive_ratio:.0f}x fewer'}); "
        f"genuine turns passed {passed} of {total}"
    )


if __name__ == "__main__":
    main()
