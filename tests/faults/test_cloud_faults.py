"""The fault suite, cloud side: every way the cloud fails, against the real device (recogniser,
router, reasoner, ledger, player) with the real SDK and the local fake cloud. Each turn ends in a
spoken answer (the reply, or the fallback that fits the fault), a `CloudFailed` saying why, and a
ledger entry that says how the request ended. One device serves every case; the server's script
changes between turns, as a flaky network would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import soundfile

from ambient.assistant.conversation import CLOUD_DOWN, CLOUD_LOST
from ambient.assistant.turn_messages import CommandAudio
from ambient.cloud.ledger import AuditLedger
from ambient.cloud.reasoner import ledger_path
from ambient.device import Device
from ambient.events import CloudFailed, Event, ReplyFinished, UtteranceCaptured
from ambient.testing.fake_cloud import CloudScript, FakeCloud
from ambient.testing.media import spoken_command
from tests.conftest import simulated_settings

REPLY = "Mont Blanc is the tallest. It is in the Alps."
# (case, the server's script, what the device says, the ledger's outcome starts with)
FAULTS = [
    ("answered", CloudScript(reply=REPLY), REPLY, "answered"),
    ("429 with retry-after, then ok", CloudScript(reply=REPLY, status=429, retry_after="0.2", failures=1),
     REPLY, "answered"),
    ("429 without retry-after", CloudScript(status=429), CLOUD_DOWN, "failed"),
    ("500", CloudScript(status=500), CLOUD_DOWN, "failed"),
    ("stall before the first token", CloudScript(stall_after_tokens=0, stall_s=6.0), CLOUD_DOWN, "failed"),
    ("stall after the first tokens", CloudScript(reply=REPLY, stall_after_tokens=9, stall_s=6.0),
     "Mont Blanc is the tallest. " + CLOUD_LOST, "failed"),
    ("malformed stream", CloudScript(malformed_after_tokens=1), CLOUD_DOWN, "failed"),
    ("slow first token", CloudScript(first_token_s=3.0), CLOUD_DOWN, "failed"),
]  # fmt: skip


@pytest.fixture(scope="module")
def question(tmp_path_factory: pytest.TempPathFactory) -> object:
    path = spoken_command("what is the tallest mountain in europe", tmp_path_factory.mktemp("q") / "q.wav")
    return soundfile.read(str(path), dtype="int16")[0]


async def ask(device: Device, samples: object, cid: str) -> None:
    event = UtteranceCaptured(t=0.0, correlation_id=cid, start_sample=0, end_sample=len(samples),  # type: ignore[arg-type]
                              reason="end of turn")  # fmt: skip
    device.conversation.handle(CommandAudio(event, samples))  # type: ignore[arg-type]
    await device.conversation.drain()


def said(history: list[Event], cid: str) -> str:
    return " ".join(e.text for e in history if isinstance(e, ReplyFinished) and e.correlation_id == cid)


def test_every_cloud_fault_ends_in_the_right_spoken_answer(
    data_dir: Path, tmp_path: Path, question: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    with FakeCloud() as cloud:
        settings = simulated_settings(
            data_dir, tmp_path, "camera.backend=none", "cloud.provider=anthropic",
            f"cloud.base_url={cloud.base_url}", "cloud.first_token_s=1.0", "cloud.total_s=4",
            "cloud.stall_s=1.0", "cloud.breaker_failures=100",
        )  # fmt: skip
        device = Device(settings, simulate=True)
        history = device.bus.keep_history()
        device.open()
        device._assemble()

        async def turns() -> None:  # one event loop for the device's whole life, as in a real run
            for index, (_, script, _, _) in enumerate(FAULTS):
                cloud.script = script
                await ask(device, question, f"cid-{index}")
            cloud.stop()  # the connection refused: the server is gone
            await ask(device, question, "cid-refused")

        asyncio.run(turns())
        results = {case: said(history, f"cid-{index}") for index, (case, _, _, _) in enumerate(FAULTS)}
        refused = said(history, "cid-refused")
    device.devices.speaker.close()  # type: ignore[union-attr]
    for case, _, expected, _ in FAULTS:
        assert results[case] == expected, case
    assert refused == CLOUD_DOWN
    failed = {e.correlation_id: e.reason for e in history if isinstance(e, CloudFailed)}
    assert "cid-0" not in failed and "cid-1" not in failed and len(failed) == len(FAULTS) - 2 + 1
    ledger = AuditLedger(ledger_path(tmp_path / "state"))
    outcomes = {entry.correlation_id: entry.outcome for entry in ledger.entries()}
    ledger.close()
    for index, (case, _, _, outcome) in enumerate(FAULTS):
        assert outcomes[f"cid-{index}"].startswith(outcome), (case, outcomes[f"cid-{index}"])
    assert outcomes["cid-refused"].startswith("failed")  # on the ledger before it was sent
