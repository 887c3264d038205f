"""`ambient transcribe` and `ambient audit` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import one_line_error, run_cli


def test_transcribe_json(data_dir: Path) -> None:
    status, stdout, _ = run_cli("transcribe", str(data_dir / "speech/pocketsphinx__goforward.flac"), "--json")
    assert status == 0
    record = json.loads(stdout.strip().splitlines()[0])
    assert set(record) == {"file", "text", "recognizer", "seconds"}
    assert "forward" in record["text"].lower()


def test_transcribe_missing_file(tmp_path: Path) -> None:
    one_line_error(run_cli("transcribe", str(tmp_path / "missing.wav")), "not found")


def test_audit_without_ledger(tmp_path: Path) -> None:
    one_line_error(run_cli("audit", "--set", f"assistant.state_dir={tmp_path}"), "no audit ledger")


def test_audit_of_an_empty_ledger_says_so(tmp_path: Path) -> None:
    from ambient.cloud.ledger import AuditLedger
    from ambient.cloud.reasoner import ledger_path

    AuditLedger(ledger_path(tmp_path)).close()
    assert ledger_path(tmp_path).stat().st_mode & 0o777 == 0o600  # created owner-only
    status, stdout, _ = run_cli("audit", "--set", f"assistant.state_dir={tmp_path}")
    assert status == 0 and "is empty: nothing has been sent to the cloud" in stdout
