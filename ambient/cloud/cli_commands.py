"""`ambient audit`: the audit ledger, as the owner reads it."""

from __future__ import annotations

import argparse
import json

from ambient.config import Settings
from ambient.errors import AmbientError


def audit_command(args: argparse.Namespace, settings: Settings) -> int:
    """Every payload that left (or was about to leave) the device, oldest first."""

    from ambient.cloud.ledger import AuditLedger
    from ambient.cloud.reasoner import ledger_path

    state_dir = settings.assistant.state_path()
    path = ledger_path(state_dir)
    if not path.is_file():
        raise AmbientError(f"no audit ledger at {path}: nothing has been sent to the cloud yet")
    ledger = AuditLedger(path)
    try:
        entries = ledger.entries(limit=args.limit)
    finally:
        ledger.close()
    if not entries and not args.json:
        print(f"the audit ledger {path} is empty: nothing has been sent to the cloud")
        return 0
    for entry in entries:
        if args.json:
            print(json.dumps(entry.to_dict(), ensure_ascii=False))
        else:
            print(f"#{entry.id} {entry.wall_time} {entry.provider}{entry.endpoint} [{entry.outcome}]"
                  f" cid={entry.correlation_id}")  # fmt: skip
            print("    " + json.dumps(entry.payload, ensure_ascii=False))
    return 0
