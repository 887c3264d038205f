"""A cloud answer: the privacy policy builds the request, the ledger records it, then it is sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import Any

from ambient.clock import Clock
from ambient.cloud.clients import AnthropicChat, ChatClient, OpenAIChat
from ambient.cloud.keys import load_api_key
from ambient.cloud.ledger import AuditLedger
from ambient.cloud.privacy import ContextView, PrivacyPolicy, load_policy, name_words, whole_word
from ambient.cloud.resilience import CloudFault, ResilienceSettings, ResilientStream
from ambient.config import CloudSettings

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are the voice of a smart speaker. Answer in one to three short spoken sentences, "
    "plain words, no lists, no markdown."
)


class CloudUnavailable(Exception):
    """No answer from the cloud; `reason` is for the event log, never shown to the cloud.
    `spoken`, when set, is what the device says instead of its usual fallback (why it did not ask)."""

    def __init__(self, reason: str, spoken: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.spoken = spoken


NAMES_UNREADABLE = (
    "I didn't ask the cloud: I couldn't check your question for household names. "
    "Run ambient doctor to see why."
)


class PolicyViolation(Exception):
    """A payload held something the policy forbids; it was not sent."""


def check_payload(payload: Any) -> None:
    """Refuse bytes (audio, images) and anything but JSON's plain types anywhere in a payload."""
    if isinstance(payload, bytes | bytearray | memoryview):
        raise PolicyViolation("binary data in a cloud payload")
    if isinstance(payload, dict):
        for value in payload.values():
            check_payload(value)
    elif isinstance(payload, list | tuple):
        for value in payload:
            check_payload(value)
    elif not isinstance(payload, str | int | float | bool | type(None)):
        raise PolicyViolation(f"a {type(payload).__name__} in a cloud payload")


def check_question(question: str, forbidden_names: list[str]) -> None:
    """The last look at the user's words before they leave: no household name, as a whole word.
    Only the question is searched (the system prompt and the model id are ours, and a person
    named Claude or Ed must not block every request)."""
    for word in name_words(forbidden_names):
        if whole_word(word).search(question):
            raise PolicyViolation("a name the policy keeps on the device")


class CloudReasoner:
    def __init__(
        self,
        client: ChatClient | None,
        policy: PrivacyPolicy,
        ledger: AuditLedger,
        resilience: ResilientStream,
        known_names: Callable[[], list[str]] = list,
        unavailable_reason: str = "",
        system_prompt: str = SYSTEM_PROMPT,
        executor: Executor | None = None,
    ) -> None:
        self._executor = executor
        """Where the ledger's SQLite and the household's names (the gallery) are read and written:
        never the event loop. None: the loop's default executor."""
        self.client = client
        self.policy = policy
        self.ledger = ledger
        self.resilience = resilience
        self._known_names = known_names
        self.unavailable_reason = unavailable_reason
        self._system = system_prompt

    async def answer(
        self,
        question: str,
        context: ContextView | None,
        correlation_id: str | None,
        on_sent: Callable[[str, int], None] | None = None,
    ) -> AsyncIterator[str]:
        """The answer's text pieces as they stream; CloudUnavailable when there is none."""
        if self.client is None:
            raise CloudUnavailable(self.unavailable_reason or "no cloud configured")
        loop = asyncio.get_running_loop()
        try:
            names = await loop.run_in_executor(self._executor, self._known_names)
        except Exception as exc:
            # fail closed: the names to keep out can not be read, so nothing goes out
            log.error("the household's names could not be read: %s", exc)
            raise CloudUnavailable(
                f"the household's names could not be read ({exc}); nothing was sent", spoken=NAMES_UNREADABLE
            ) from None
        snapshot = self.policy.snapshot(context, datetime.now(), names)
        cleaned = self.policy.clean_question(question, names)
        payload = self.client.payload(self._system, cleaned, snapshot)
        try:
            check_payload(payload)
            check_question(cleaned, [] if self.policy.share_names else names)
        except PolicyViolation as exc:
            raise CloudUnavailable(f"payload refused by the privacy policy: {exc}") from None
        client = self.client
        # on the ledger first, then sent: nothing leaves that the owner can not read back
        entry = await loop.run_in_executor(
            self._executor,
            self.ledger.append,
            client.provider,
            client.endpoint,
            payload,
            correlation_id,
            datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        if on_sent is not None:
            on_sent(client.provider, entry)
        try:
            async for piece in self.resilience.stream(lambda: client.stream(payload)):
                yield piece
        except CloudFault as fault:
            await loop.run_in_executor(self._executor, self.ledger.settle, entry, f"failed: {fault.reason}")
            raise CloudUnavailable(fault.reason) from None
        except BaseException:
            # cancelled (a barge-in) or closed: the outcome is written on the executor; shielded,
            # so a second cancellation can not leave the entry pending
            settled = loop.run_in_executor(self._executor, self.ledger.settle, entry, "cancelled")
            with contextlib.suppress(BaseException):
                await asyncio.shield(settled)
            raise
        await loop.run_in_executor(self._executor, self.ledger.settle, entry, "answered")


def ledger_path(state_dir: Path) -> Path:
    return state_dir / "audit-ledger.sqlite"


def build_reasoner(
    settings: CloudSettings,
    state_dir: Path,
    clock: Clock,
    known_names: Callable[[], list[str]] = list,
    executor: Executor | None = None,
) -> CloudReasoner:
    """The configured cloud; without a key it still builds, and every answer says why not."""
    policy = load_policy(settings.policy)  # a malformed policy stops the start: it guards privacy
    resilience = ResilientStream(
        ResilienceSettings(
            first_token_s=settings.first_token_s,
            total_s=settings.total_s,
            stall_s=settings.stall_s,
            breaker_failures=settings.breaker_failures,
            breaker_open_s=settings.breaker_open_s,
        ),
        clock,
    )
    ledger = AuditLedger(ledger_path(state_dir))
    if settings.provider == "none":
        return CloudReasoner(
            None, policy, ledger, resilience, known_names, "the cloud is turned off", executor=executor
        )
    from ambient.errors import ConfigError

    try:
        key = load_api_key(settings.provider, settings.key_file)
    except ConfigError as exc:
        log.info("cloud answers unavailable: %s", exc)  # the device publishes DeviceDegraded
        return CloudReasoner(None, policy, ledger, resilience, known_names, str(exc), executor=executor)
    kind = AnthropicChat if settings.provider == "anthropic" else OpenAIChat
    client = kind(key, settings.model, settings.base_url, settings.max_tokens, settings.total_s)
    return CloudReasoner(client, policy, ledger, resilience, known_names, executor=executor)
