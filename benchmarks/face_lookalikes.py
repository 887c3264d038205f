"""Look-alike relatives, with and without one "that's not me" correction, in one run.

A member is enrolled from their first three photos beside a small household from
../shared/data/faces; a relative's photos are probes. For every choice of the one relative photo
used as the correction, it counts the relative's *other* photos taken for the member and the
member's own remaining photos still named, without the correction (the naive path: a household
that cannot teach the device) and with it. Printed at the shipped threshold and at 0.6 (the usual
face_recognition tolerance, where relatives pass and the correction has something to do).

The relatives come from Labeled Faces in the Wild, which ../shared/data does not hold:
`umass-vis-lfw/umass-vis-lfw.github.io` at commit 2a620cd8cceb10430f8c7012fe9fa5f0837759e9,
`images_deepfunneled/<Name>/*.jpg` (a public research benchmark of news photographs; no licence
beyond research use; the photos are never committed). Bring the repository here with the search
tool's fetch verb, then:

    .venv/bin/python benchmarks/face_lookalikes.py \\
        --lfw-git /work/.mirror/umass-vis-lfw+umass-vis-lfw.github.io/repo

With no LFW copy it runs the shared stand-in only (Roh Moo-hyun for Junichiro Koizumi, the shared
photos' closest pair of different people). None of the people issue #16 reserves is used.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from ambient.models import ModelStore
from ambient.testing.media import shared_data
from ambient.vision.enrolment import Reference
from ambient.vision.evaluation import PhotoReader
from ambient.vision.gallery import NO_LOOKALIKES, Person
from ambient.vision.identity import IdentityMatcher, MatchSettings
from ambient.vision.setup import enrolment_detector, face_encoder

LFW_COMMIT = "2a620cd8cceb10430f8c7012fe9fa5f0837759e9"
HOUSEHOLD = ["George_W_Bush", "Laura_Bush", "Tony_Blair", "Colin_Powell", "Kofi_Annan"]
PAIRS = [
    ("Junichiro_Koizumi", "Roh_Moo-hyun"),  # shared stand-in: not relatives, the closest pair
    ("George_W_Bush", "Jeb_Bush"),
    ("George_W_Bush", "George_HW_Bush"),
    ("Michael_Schumacher", "Ralf_Schumacher"),
]


def extract_lfw(git_dir: Path, people: list[str], target: Path) -> None:
    for person in people:
        folder = f"images_deepfunneled/{person}/"
        listing = subprocess.run(
            ["git", "-C", str(git_dir), "ls-tree", "--name-only", LFW_COMMIT, folder],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        (target / person).mkdir(parents=True, exist_ok=True)
        for path in listing:
            blob = subprocess.run(
                ["git", "-C", str(git_dir), "show", f"{LFW_COMMIT}:{path}"], capture_output=True, check=True
            ).stdout
            (target / person / Path(path).name).write_bytes(blob)


def count(
    household: list[Person],
    member: str,
    own: list[Reference],
    relative: list[Reference],
    settings: MatchSettings,
) -> tuple[int, int, int, int, int, int]:
    """Summed over every choice of correction photo: (member photos named before, after, of;
    relative photos taken for the member before, after, of)."""
    named_before = named_after = taken_before = taken_after = 0
    enrolled = np.stack([r.encoding for r in own[:3]])
    for chosen in range(len(relative)):
        others = [r for i, r in enumerate(relative) if i != chosen]
        for corrected in (False, True):
            lookalikes = relative[chosen].encoding[None, :] if corrected else NO_LOOKALIKES
            matcher = IdentityMatcher([*household, Person(member, enrolled, lookalikes)], settings)
            named = sum(matcher.match(r.encoding).name == member for r in own[3:])
            taken = sum(matcher.match(r.encoding).name == member for r in others)
            if corrected:
                named_after, taken_after = named_after + named, taken_after + taken
            else:
                named_before, taken_before = named_before + named, taken_before + taken
    return (
        named_before, named_after, len(relative) * len(own[3:]),
        taken_before, taken_after, len(relative) * (len(relative) - 1),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lfw-git", type=Path, help="a fetched umass-vis-lfw.github.io repository")
    args = parser.parse_args()
    faces = shared_data() / "faces"
    reader = PhotoReader(enrolment_detector(), face_encoder(ModelStore()))

    def references(folder: Path) -> list[Reference]:
        return [r for r in (reader.reference(p) for p in sorted(folder.glob("*.jpg"))) if r is not None]

    with tempfile.TemporaryDirectory() as scratch:
        lfw = Path(scratch)
        if args.lfw_git:
            extract_lfw(args.lfw_git, sorted({n for pair in PAIRS for n in pair} - set(HOUSEHOLD)), lfw)
        shipped = MatchSettings()
        for threshold in (shipped.threshold, 0.6):
            settings = replace(shipped, threshold=threshold)
            print(f"threshold {threshold} (margin {settings.margin}):")
            for member, relative in PAIRS:
                folders = [faces / member if (faces / member).is_dir() else lfw / member,
                           faces / relative if (faces / relative).is_dir() else lfw / relative]  # fmt: skip
                if not all(f.is_dir() for f in folders):
                    print(f"  {member} <- {relative}: not here (pass --lfw-git)")
                    continue
                own, rel = references(folders[0]), references(folders[1])
                household = [
                    Person(n, np.stack([r.encoding for r in references(faces / n)[:3]]))
                    for n in HOUSEHOLD
                    if n != member
                ]
                nb, na, nof, tb, ta, tof = count(household, member, own, rel, settings)
                print(
                    f"  {member} <- {relative} ({len(rel)} corrections tried): relative taken for the member "
                    f"{tb} -> {ta} of {tof}; member's own photos named {nb} -> {na} of {nof}"
                )


if __name__ == "__main__":
    main()
