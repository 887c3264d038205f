"""`ambient context show|forget|consent|rules`: what the device keeps about the household, in the
owner's hands."""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ambient.config import Settings
from ambient.context.database import context_path, enforce_retention, forget_person, open_context
from ambient.context.nudges import load_rules
from ambient.context.reminders import pending_reminders
from ambient.context.shopping import shopping_list
from ambient.errors import AmbientError


def context_command(args: argparse.Namespace, settings: Settings) -> int:
    action = args.context_command
    if action == "rules":
        return _check_rules(args, settings)
    path = context_path(settings.assistant.state_path())
    db = open_context(path)
    try:
        if action == "show":
            return _show(db, settings, args.json, path)
        if action == "forget":
            changed = forget_person(db, args.name)
            print(f"forgot {args.name} in the context store: {changed} rows erased, database rewritten")
            return 0
        if action == "consent":
            return _consent(db, args.name, args.state)
        raise AmbientError(f"unknown context command {action!r}")
    finally:
        db.close()


def forget_in_context(settings: Settings, person: str) -> int:
    """For `ambient faces forget`: the person's visits, words, reminders and consent go too."""
    path = context_path(settings.assistant.state_path())
    if not path.exists():
        return 0
    db = open_context(path)
    try:
        return forget_person(db, person)
    finally:
        db.close()


def _consent(db: sqlite3.Connection, name: str, state: str) -> int:
    if not name.strip():
        raise AmbientError("a person needs a name: ambient context consent NAME on|off")
    on = state == "on"
    db.execute(
        "INSERT INTO consent (person, nudges, changed) VALUES (?, ?, ?) ON CONFLICT(person) DO UPDATE"
        " SET nudges = excluded.nudges, changed = excluded.changed",
        (name, int(on), time.time()),
    )
    if on:
        print(f"{name} will hear nudges and reminders others set for them (not in quiet hours)")
    else:
        print(f"{name} will hear no nudges, only reminders they set themselves")
    return 0


def _clock(moment: float | None) -> str:
    return datetime.fromtimestamp(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def snapshot(db: sqlite3.Connection, retention_days: float, now: float) -> dict[str, Any]:
    """Everything the store holds, newest first where it grows (after applying the retention)."""
    enforce_retention(db, now, retention_days)
    visits = db.execute("SELECT person, arrived, left FROM visits ORDER BY arrived DESC").fetchall()
    interactions = db.execute(
        "SELECT correlation_id, t, speaker, text, route, skill, intent, reply, outcome FROM interactions"
        " ORDER BY t DESC LIMIT 50"
    ).fetchall()
    nudges = db.execute(
        "SELECT t, rule, person, offered, reason, text, context FROM nudges ORDER BY t DESC LIMIT 50"
    ).fetchall()
    consent = db.execute("SELECT person, nudges FROM consent ORDER BY person").fetchall()
    return {
        "time_of_day": _time_of_day(now),
        "retention_days": retention_days,
        "present": sorted({person for person, _, left in visits if left is None}),
        "visits": [{"person": p, "arrived": a, "left": lt} for p, a, lt in visits],
        "interactions": [
            dict(
                zip(
                    (
                        "correlation_id",
                        "t",
                        "speaker",
                        "text",
                        "route",
                        "skill",
                        "intent",
                        "reply",
                        "outcome",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in interactions
        ],
        "reminders": [
            {
                "id": r.id,
                "person": r.person,
                "text": r.text,
                "occasion": r.occasion,
                "due": r.due,
                "set_by": r.set_by,
            }
            for r in pending_reminders(db)
        ],
        "shopping_list": [{"item": item, "added_by": by} for item, by in shopping_list(db)],
        "consent": {person: bool(on) for person, on in consent},
        "nudges": [
            dict(zip(("t", "rule", "person", "offered", "reason", "text", "context"), row, strict=True))
            for row in nudges
        ],
    }


def _time_of_day(now: float) -> str:
    from ambient.context.store import time_of_day

    return time_of_day(datetime.fromtimestamp(now))


def _show(db: sqlite3.Connection, settings: Settings, as_json: bool, path: Path) -> int:
    data = snapshot(db, settings.context.retention_days, time.time())
    if as_json:
        print(json.dumps(data, indent=1))
        return 0
    print(f"context store {path} (kept {data['retention_days']:g} days); it is {data['time_of_day']}")
    print("here now: " + (", ".join(data["present"]) or "no one the device knows"))
    print(f"visits ({len(data['visits'])}):")
    for visit in data["visits"][:20]:
        print(
            f"  {visit['person']:<20} arrived {_clock(visit['arrived'])}  left {_clock(visit['left']) or '-'}"
        )
    print(f"recent interactions ({len(data['interactions'])}):")
    for row in data["interactions"][:20]:
        route = row["route"] or "-"
        print(f"  {_clock(row['t'])} {row['speaker']:<12} {row['text']!r} -> {route} {row['outcome']}")
    print(f"reminders waiting ({len(data['reminders'])}):")
    for reminder in data["reminders"]:
        when = reminder["occasion"] if reminder["occasion"] != "at" else f"at {_clock(reminder['due'])}"
        print(f"  {reminder['person']}: {reminder['text']} ({when}; set by {reminder['set_by']})")
    print(f"shopping list ({len(data['shopping_list'])}):")
    for entry in data["shopping_list"]:
        print(f"  {entry['item']} (added by {entry['added_by']})")
    print("nudges opted in: " + (", ".join(p for p, on in data["consent"].items() if on) or "no one"))
    print(f"nudge decisions ({len(data['nudges'])}):")
    for nudge in data["nudges"][:20]:
        verdict = "spoken" if nudge["offered"] else f"held back: {nudge['reason']}"
        print(f"  {_clock(nudge['t'])} {nudge['rule']} -> {nudge['person']}: {verdict} ({nudge['context']})")
    return 0


def _check_rules(args: argparse.Namespace, settings: Settings) -> int:
    path = args.file or (Path(settings.context.rules_file) if settings.context.rules_file else None)
    if path is None:
        raise AmbientError("no rules file: give one (ambient context rules FILE) or set context.rules_file")
    rules = load_rules(path)
    print(f"{path}: {len(rules)} rule{'s' if len(rules) != 1 else ''} ok")
    for rule in rules:
        when = f"at {rule.at:%H:%M}" if rule.at else rule.when
        window = f", between {rule.between}" if rule.between else ""
        people = ", ".join(rule.people) or "anyone opted in"
        print(f"  {rule.name}: {when}{window}, to {people}{' (personal)' if rule.personal else ''}")
    return 0
