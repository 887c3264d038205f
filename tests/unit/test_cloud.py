"""The cloud path against the local fake server with the real SDKs: every fault ends in a
CloudUnavailable within the deadline, and nothing leaves that the policy forbids."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from ambient.clock import FakeClock, MonotonicClock
from ambient.cloud.keys import load_api_key
from ambient.cloud.ledger import AuditLedger
from ambient.cloud.privacy import load_policy
from ambient.cloud.reasoner import CloudUnavailable, build_reasoner, ledger_path
from ambient.cloud.resilience import CircuitBreaker
from ambient.config import CloudSettings
from ambient.context.store import ContextStore
from ambient.errors import ConfigError
from ambient.testing.fake_cloud import CloudScript, FakeCloud

FAULTS = {
    "http 429 then ok": (CloudScript(status=429, retry_after="0.2", failures=1), True),
    "http 500": (CloudScript(status=500), False),
    "stall mid-stream": (CloudScript(stall_after_tokens=3, stall_s=4.0), False),
    "error event mid-stream": (CloudScript(error_after_tokens=2), False),
    "malformed event": (CloudScript(malformed_after_tokens=1), False),
    "first token too late": (CloudScript(first_token_s=3.0), False),
}
SETTINGS = {"first_token_s": 1.0, "total_s": 4.0, "stall_s": 1.0}


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")


def _ask(
    cloud: FakeCloud,
    provider: str,
    tmp_path: Path,
    question: str = "how far is the moon",
    context: ContextStore | None = None,
    names: list[str] | None = None,
) -> tuple[str, str | None]:
    base = cloud.base_url + ("/v1" if provider == "openai" else "")
    reasoner = build_reasoner(
        CloudSettings(provider=provider, base_url=base, **SETTINGS),  # type: ignore[arg-type]
        tmp_path, MonotonicClock(), known_names=lambda: names or [],
    )  # fmt: skip

    async def collect() -> tuple[str, str | None]:
        pieces: list[str] = []
        try:
            async for piece in reasoner.answer(question, context, "cid-1"):
                pieces.append(piece)
        except CloudUnavailable as exc:
            return "".join(pieces), exc.reason
        return "".join(pieces), None

    return asyncio.run(collect())


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_streamed_answer(provider: str, tmp_path: Path) -> None:
    with FakeCloud(CloudScript(reply="It is far. Very far.")) as cloud:
        text, failure = _ask(cloud, provider, tmp_path)
    assert (text, failure) == ("It is far. Very far.", None)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_ends_within_the_deadline(provider: str, fault: str, tmp_path: Path) -> None:
    script, recovers = FAULTS[fault]
    with FakeCloud(script) as cloud:
        started = time.monotonic()
        text, failure = _ask(cloud, provider, tmp_path)
        elapsed = time.monotonic() - started
        attempts = len(cloud.requests)
    if recovers:
        assert failure is None and text and attempts == 2
    else:
        assert failure is not None, text
    # the deadline is a correctness bound of the policy, not a speed claim
    assert elapsed <= SETTINGS["total_s"] + 1.0
    entries = AuditLedger(ledger_path(tmp_path)).entries()
    assert len(entries) == 1 and entries[0].outcome == ("answered" if recovers else f"failed: {failure}")


def test_no_audio_images_or_names_leave(tmp_path: Path) -> None:
    context = ContextStore()
    context.person_arrived("Ada Lovelace", 1, 0.0)
    context.person_arrived("unknown", 2, 0.0)
    with FakeCloud() as cloud:
        _ask(cloud, "anthropic", tmp_path, "what should Ada cook for dinner, my card is 4111 1111 1111 1111",
             context, ["Ada Lovelace"])  # fmt: skip
        bodies = [r.body for r in cloud.requests]
    assert len(bodies) == 1
    raw = bodies[0].decode("utf-8")
    assert "Ada" not in raw and "Lovelace" not in raw and "4111" not in raw
    for marker in ("image", "audio", "base64", "embedding"):
        assert marker not in raw
    assert '\\"people_present\\": 2' in raw or '"people_present": 2' in raw


def test_circuit_breaker_fails_fast_then_tries_again() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock, failures=3, open_s=30.0)
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    asyncio.run(clock.sleep(30.0))
    assert breaker.state == "half-open" and breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"


def test_open_breaker_sends_nothing(tmp_path: Path) -> None:
    with FakeCloud(CloudScript(status=500)) as cloud:
        for _ in range(3):
            _ask(cloud, "openai", tmp_path)
        before = len(cloud.requests)
        # a new reasoner has a new breaker; the same one must refuse at once
        base = cloud.base_url + "/v1"
        reasoner = build_reasoner(CloudSettings(provider="openai", base_url=base, breaker_failures=1),
                                  tmp_path, MonotonicClock())  # fmt: skip

        async def twice() -> list[str]:
            reasons = []
            for _ in range(2):
                try:
                    async for _piece in reasoner.answer("hi", None, None):
                        pass
                except CloudUnavailable as exc:
                    reasons.append(exc.reason)
            return reasons

        reasons = asyncio.run(twice())
        # a one-failure breaker opens on the first failure: no retry, and the next question fails at once
        assert len(cloud.requests) == before + 1
    assert "waiting before trying again" in reasons[1]


def test_missing_key_is_a_one_line_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("AMBIENT_CLOUD_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        load_api_key("anthropic", "")
    reasoner = build_reasoner(CloudSettings(), tmp_path, MonotonicClock())
    assert reasoner.client is None and "ANTHROPIC_API_KEY" in reasoner.unavailable_reason


def test_key_file_must_be_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    key = tmp_path / "key"
    key.write_text("sk-secret\n")
    os.chmod(key, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_api_key("anthropic", str(key))
    os.chmod(key, 0o600)
    assert load_api_key("anthropic", str(key)) == "sk-secret"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("share_names = ", "not valid TOML"),
        ("colour = true", "unknown key"),
        ("share_names = 1", "must be bool"),
    ],
)
def test_malformed_policy_file(tmp_path: Path, text: str, message: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_policy(str(policy))


def test_ordinary_names_never_block_the_cloud(tmp_path: Path) -> None:
    """Household members named like words and like our own prompt ("Claude", "Ed", "Mark", "Art",
    "Ken"): matched as whole words in the user's question only, so the question still goes out,
    with the names taken out."""
    names = ["Claude Monet", "Ed", "Mark", "Art", "Ken"]
    with FakeCloud() as cloud:
        text, reason = _ask(cloud, "anthropic", tmp_path,
                            "remind Mark that Ed's art class in Edinburgh starts at 10:30 in 1969 terms",
                            names=names)  # fmt: skip
        bodies = [r.body.decode("utf-8") for r in cloud.requests]
    assert reason is None and text
    [raw] = bodies
    question = raw[raw.index("remind") :]
    assert "Mark" not in question and "Ed's" not in question and " art " not in question
    assert "Edinburgh" in question and "10:30" in question and "1969" in question  # not names, not secrets


@pytest.mark.parametrize(
    ("said", "kept_out", "kept"),
    [
        ("my PIN is 4821, is it safe", "4821", "safe"),
        ("the code 0375 did not work", "0375", "did not work"),
        ("card 4111.1111.1111.1111 was declined", "4111", "declined"),
        ("call 555-867-5309 back", "867", "call"),
        ("how many days until 2027", "", "2027"),
    ],
)
def test_secrets_in_numbers_are_redacted(said: str, kept_out: str, kept: str) -> None:
    from ambient.cloud.privacy import PrivacyPolicy

    cleaned = PrivacyPolicy().clean_question(said, [])
    assert kept in cleaned
    if kept_out:
        assert kept_out not in cleaned and "#" in cleaned


def test_unreadable_names_send_nothing(tmp_path: Path) -> None:
    """Fail closed: when the names to redact can not be read (a gallery whose key file is exposed,
    a locked or corrupt gallery), no request leaves, the ledger stays empty, and the device has a
    sentence that says why."""

    def unreadable() -> list[str]:
        raise PermissionError("gallery key file is readable by others")

    with FakeCloud() as cloud:
        reasoner = build_reasoner(
            CloudSettings(provider="anthropic", base_url=cloud.base_url, **SETTINGS),  # type: ignore[arg-type]
            tmp_path, MonotonicClock(), known_names=unreadable,
        )  # fmt: skip

        async def ask() -> CloudUnavailable:
            with pytest.raises(CloudUnavailable) as caught:
                async for _ in reasoner.answer("remind Kofi Annan to call", None, "cid-1"):
                    pass
            return caught.value

        failure = asyncio.run(ask())
        assert not cloud.requests
    assert "nothing was sent" in failure.reason and "household names" in failure.spoken
    ledger = AuditLedger(ledger_path(tmp_path))
    assert ledger.entries() == []
    ledger.close()
