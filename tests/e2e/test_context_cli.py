"""`ambient context show|forget|consent|rules` as a user runs them, on a store the device wrote."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ambient.context.database import context_path
from ambient.context.store import ContextStore
from ambient.events import ReminderSet, ShoppingListChanged, Transcribed, UtteranceCaptured
from tests.conftest import one_line_error, run_cli


def _household(state: Path) -> None:
    """What a device would have recorded: Ana came and went, asked for a reminder, added milk."""
    wall = [datetime(2026, 12, 3, 18, 0).timestamp()]
    store = ContextStore(context_path(state), lambda: wall[0])
    store.person_arrived("Ana", 1, wall[0])
    store.on_event(
        UtteranceCaptured(t=1.0, correlation_id="c1", start_sample=0, end_sample=1, reason="pause")
    )
    store.on_event(Transcribed(t=2.0, correlation_id="c1", text="remind me to take my keys when I leave",
                               recognizer="whisper", confidence=0.9, seconds=0.1, audio_s=2.0))  # fmt: skip
    store.on_event(ReminderSet(t=2.0, correlation_id="c1", person="Ana", text="take my keys",
                               occasion="leaving", due=0.0, set_by="Ana"))  # fmt: skip
    store.on_event(ShoppingListChanged(t=3.0, change="added", item="milk", by="Ana"))
    store.close()


def test_show_consent_and_forget(tmp_path: Path) -> None:
    env = {"AMBIENT_ASSISTANT__STATE_DIR": str(tmp_path / "state")}
    _household(tmp_path / "state")
    status, stdout, stderr = run_cli("context", "show", env=env)
    assert status == 0, stderr
    assert "here now: Ana" in stdout and "Ana: take my keys (leaving; set by Ana)" in stdout
    assert "milk (added by Ana)" in stdout and "nudges opted in: no one" in stdout
    assert run_cli("context", "consent", "Ana", "on", env=env)[0] == 0
    data = json.loads(run_cli("context", "show", "--json", env=env)[1])
    assert data["present"] == ["Ana"] and data["consent"] == {"Ana": True}
    assert data["interactions"][0]["speaker"] == "Ana" and data["interactions"][0]["text"].startswith(
        "remind me"
    )
    assert data["reminders"][0]["occasion"] == "leaving" and data["retention_days"] == 7
    status, stdout, _ = run_cli("context", "forget", "Ana", env=env)
    assert status == 0 and "forgot Ana" in stdout
    data = json.loads(run_cli("context", "show", "--json", env=env)[1])
    assert data["present"] == [] and data["reminders"] == [] and data["consent"] == {}
    assert data["shopping_list"] == [{"item": "milk", "added_by": "someone"}]
    assert b"Ana" not in context_path(tmp_path / "state").read_bytes()


def test_rules_check(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[nudge]]\nname = "umbrella"\nwhen = "leaving"\nbetween = "06:00-10:00"\n'
                     'say = "{person}, take an umbrella."\nreason = "rain"\n')  # fmt: skip
    status, stdout, _ = run_cli("context", "rules", str(rules))
    assert status == 0 and "1 rule ok" in stdout and "umbrella: leaving, between 06:00-10:00" in stdout


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    env = {"AMBIENT_ASSISTANT__STATE_DIR": str(tmp_path / "state")}
    one_line_error(run_cli("context", "consent", "Ana", "maybe", env=env), "invalid choice: 'maybe'")
    one_line_error(run_cli("context", "consent", " ", "on", env=env), "a person needs a name")
    one_line_error(run_cli("context", "rules", env=env), "no rules file")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[nudge]]\nname = "a"\nwhen = "sometimes"\nsay = "hi"\nreason = "r"\n')
    one_line_error(run_cli("context", "rules", str(bad), env=env), "when = 'sometimes'")
    one_line_error(run_cli("context", "rules", str(tmp_path / "none.toml"), env=env), "not found")
    one_line_error(run_cli("context", "show", "--set", "context.quiet_hours=late", env=env), "HH:MM-HH:MM")
    one_line_error(run_cli("run", "--set", f"context.rules_file={bad}", env=env), "when = 'sometimes'")
    (tmp_path / "state").mkdir(exist_ok=True)
    context_path(tmp_path / "state").write_bytes(b"not a database" * 200)
    one_line_error(run_cli("context", "show", env=env), "cannot be opened", "move it aside")


def test_purchases_misconfigured_is_one_line(tmp_path: Path) -> None:
    env = {"AMBIENT_ASSISTANT__STATE_DIR": str(tmp_path / "state"), "AMBIENT_SHOP_KEY": ""}
    on = ["--set", "purchases.enabled=true"]
    one_line_error(run_cli("run", *on, env=env), "needs purchases.shop_url")
    url = ["--set", "purchases.shop_url=http://127.0.0.1:9"]
    one_line_error(run_cli("run", *on, *url, env=env), "no shop key")
    key = tmp_path / "shop.key"
    key.write_text("secret\n")
    key.chmod(0o644)
    keyed = ["--set", f"purchases.key_file={key}"]
    one_line_error(run_cli("run", *on, *url, *keyed, env=env), "readable by others", "chmod 600")
    key.chmod(0o600)
    limits = ["--set", "purchases.person_limits=Ben=lots"]
    one_line_error(run_cli("run", *on, *url, *keyed, *limits, env=env), "'Ben=lots' is not NAME=AMOUNT")
    _status, stdout, _ = run_cli("doctor", *on, *url, *keyed, env=env)
    assert "purchases" in stdout and "key found" in stdout and "secret" not in stdout
