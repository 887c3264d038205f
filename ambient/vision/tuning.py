"""Choosing the identity rule's constants so that no figure is scored on what chose it.

The rule (`identity.py`) has four constants: the distance threshold, the margin to the runner-up,
how far a person's threshold follows the spread of their enrolment images (`spread_weight`), and
the most it may move (`max_adjustment`). `choose_settings` picks them on a set of people: each
person in turn is a stranger (never enrolled) while the others enrol their first images and probe
with the rest, and the constants kept are those naming the most enrolled probes right while no
stranger comes within `STRANGER_BUFFER` of being accepted. `cross_validate` splits the people into
folds, chooses on all but one fold and scores on the fold left out, so the pooled figure is one of
people the constants never saw. The device ships the constants chosen on `TUNING_PEOPLE` (every
other person of `../shared/data/faces`): the rest are kept to evaluate the shipped settings
(`ambient faces eval`, tests/e2e/test_faces_cli.py)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from statistics import median

import numpy as np

from ambient.vision.enrolment import EnrolmentError, EnrolmentRules, Reference, plan_enrolment
from ambient.vision.gallery import Person
from ambient.vision.identity import IdentityMatcher, MatchSettings, enrolment_spread

THRESHOLDS = np.round(np.arange(0.40, 0.6001, 0.0025), 4)
MARGINS = (0.02, 0.04, 0.06, 0.08)
"""Never none: the margin is also what a corrected look-alike must beat, and with none a face
halfway between a member and her corrected relative would still be named."""
SPREAD_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
MAX_ADJUSTMENTS = (0.03, 0.06, 0.09)
STRANGER_BUFFER = 0.02
"""While choosing, a stranger counts as accepted if it would be at a threshold this much looser:
the constants must keep a little room from the closest stranger seen, not graze it."""
ROTATIONS = 3
"""Every third person is a stranger in each of three scenarios, so each is a stranger once."""


def tuning_people(everyone: list[str]) -> list[str]:
    """The people the shipped constants are chosen on: every other one, alphabetically."""
    return sorted(everyone)[0::2]


def evaluation_people(everyone: list[str]) -> list[str]:
    """The people kept to evaluate the shipped constants: no constant was chosen on them."""
    return sorted(everyone)[1::2]


@dataclass(frozen=True)
class Split:
    """One person's images divided into enrolment and probes."""

    enrolment: list[Reference]
    probes: list[Reference]


def split_images(references: list[Reference], rules: EnrolmentRules) -> Split | None:
    """The first `rules.min_images` distinct images enrol, the rest probe; None if there are not
    enough to enrol under the rules."""
    try:
        plan = plan_enrolment(references[: rules.min_images], [], rules)
    except EnrolmentError:
        return None
    used = {r.source for r in plan.references}
    return Split(plan.references, [r for r in references if r.source not in used])


@dataclass(frozen=True)
class Scores:
    correct: int
    genuine: int
    false_accepts: int
    strangers: int

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.correct + other.correct,
            self.genuine + other.genuine,
            self.false_accepts + other.false_accepts,
            self.strangers + other.strangers,
        )

    @property
    def top1(self) -> float:
        return self.correct / max(1, self.genuine)


def _scenario_arrays(
    people: dict[str, Split],
    enrolled: list[str],
    probed: list[str],
    settings: MatchSettings,
) -> dict[str, np.ndarray]:
    """Per probe of `probed` against a gallery of `enrolled`: the nearest distance, the nearest
    competitor, the person's adjustment, whether the nearest is right, whether a stranger."""
    gallery = [Person(name, np.stack([r.encoding for r in people[name].enrolment])) for name in enrolled]
    matcher = IdentityMatcher(gallery, settings)
    rows = []
    enrolled_set = set(enrolled)
    for name in probed:
        split = people[name]
        images = split.probes if name in enrolled_set else split.enrolment + split.probes
        for reference in images:
            nearest = matcher.nearest(reference.encoding)
            if nearest is None:
                continue
            rows.append((
                nearest.distance, nearest.runner_up, nearest.adjustment,  # no look-alikes here
                nearest.name == name, name not in enrolled_set,
            ))  # fmt: skip
    table = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return {
        "distance": table[:, 0],
        "competitor": table[:, 1],
        "adjustment": table[:, 2],
        "right": table[:, 3].astype(bool),
        "stranger": table[:, 4].astype(bool),
    }


def _scores(arrays: dict[str, np.ndarray], threshold: float, margin: float) -> Scores:
    accepted = (arrays["distance"] <= threshold + arrays["adjustment"]) & (
        arrays["competitor"] - arrays["distance"] >= margin
    )
    stranger = arrays["stranger"]
    return Scores(
        int((accepted & arrays["right"] & ~stranger).sum()),
        int((~stranger).sum()),
        int((accepted & stranger).sum()),
        int(stranger.sum()),
    )


def _total(tables: list[dict[str, np.ndarray]], threshold: float, margin: float) -> Scores:
    return sum((_scores(t, threshold, margin) for t in tables), Scores(0, 0, 0, 0))


def scenarios(names: list[str], rotations: int = ROTATIONS) -> list[tuple[list[str], list[str]]]:
    """(enrolled, strangers) for each rotation: every `rotations`-th person is a stranger."""
    ordered = sorted(names)
    return [
        (
            [n for i, n in enumerate(ordered) if i % rotations != r],
            [n for i, n in enumerate(ordered) if i % rotations == r],
        )
        for r in range(rotations)
    ]


@dataclass(frozen=True)
class Choice:
    settings: MatchSettings
    scores: Scores
    """On the people it was chosen on (with the buffer applied to strangers)."""


def choose_settings(people: dict[str, Split], base: MatchSettings | None = None) -> Choice:
    """The constants that name the most enrolled probes right while no stranger comes within
    `STRANGER_BUFFER` of acceptance, over every stranger rotation of `people`. Ties go to the
    more cautious: the lower threshold, the larger margin, then the smaller weight and adjustment."""
    base = base or MatchSettings()
    spreads = [
        s
        for split in people.values()
        if (s := enrolment_spread(np.stack([r.encoding for r in split.enrolment])))
    ]
    reference = round(median(spreads), 3) if spreads else base.spread_reference
    best: tuple[tuple[int, float, float, float, float], Choice] | None = None
    for weight, max_adjustment in itertools.product(SPREAD_WEIGHTS, MAX_ADJUSTMENTS):
        settings = replace(
            base, spread_weight=weight, max_adjustment=max_adjustment, spread_reference=reference
        )
        tables = [
            _scenario_arrays(people, enrolled, sorted(people), settings)
            for enrolled, _ in scenarios(list(people))
        ]
        for margin, threshold in itertools.product(MARGINS, THRESHOLDS):
            guarded = sum(
                (_scores(t, float(threshold) + STRANGER_BUFFER, margin) for t in tables), Scores(0, 0, 0, 0)
            )
            if guarded.false_accepts:
                continue
            plain = sum((_scores(t, float(threshold), margin) for t in tables), Scores(0, 0, 0, 0))
            key = (-plain.correct, float(threshold), -margin, weight, max_adjustment)
            if best is None or key < best[0]:
                chosen = replace(settings, threshold=float(threshold), margin=margin)
                best = (key, Choice(chosen, plain))
    if best is None:
        raise ValueError("no constants keep every stranger out on these people")
    return best[1]


@dataclass(frozen=True)
class FoldResult:
    fold: int
    people: list[str]
    settings: MatchSettings
    scores: Scores


def cross_validate(people: dict[str, Split], folds: int = 5, seed: int = 0) -> list[FoldResult]:
    """Choose on all folds but one, score on the one left out: its people are probed against a
    gallery of everyone enrolled (its own enrolled people among the others), half of them as
    strangers in one rotation and half in the other, so each is a stranger once."""
    names = sorted(people)
    random.Random(seed).shuffle(names)
    results = []
    for fold in range(folds):
        held_out = sorted(names[fold::folds])
        training = {n: people[n] for n in names if n not in held_out}
        choice = choose_settings(training)
        scores = Scores(0, 0, 0, 0)
        for enrolled_held, strangers_held in scenarios(held_out, rotations=2):
            gallery = sorted(training) + enrolled_held
            table = _scenario_arrays(people, gallery, held_out, choice.settings)
            scores = scores + _scores(table, choice.settings.threshold, choice.settings.margin)
            del strangers_held
        results.append(FoldResult(fold, held_out, choice.settings, scores))
    return results
