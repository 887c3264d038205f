"""The official SDKs, streaming: Anthropic's Messages API and any OpenAI-compatible server.

Each client turns a request into the exact payload the ledger records, sends that payload, and
yields text pieces; every SDK error becomes a CloudFault the resilience policy understands.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from ambient.cloud.resilience import CloudFault


class ChatClient(Protocol):
    provider: str
    endpoint: str

    def payload(self, system: str, question: str, context: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, payload: dict[str, Any]) -> AsyncIterator[str]: ...


def _user_text(question: str, context: dict[str, Any]) -> str:
    if not context:
        return question
    return f"Context: {json.dumps(context, ensure_ascii=False)}\nQuestion: {question}"


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _status_fault(status: int, headers: Any, message: str) -> CloudFault:
    # 408, 409, 429 and 5xx are worth a second attempt; other 4xx are our request's fault.
    retryable = status in (408, 409, 429) or status >= 500 or status < 400
    return CloudFault(f"HTTP {status}: {message[:120]}", retryable, _retry_after(headers))


@contextlib.contextmanager
def _faults(sdk: Any) -> Iterator[None]:
    """Both SDKs share one error family (APIStatusError, APIConnectionError, APIError): each
    becomes the CloudFault the resilience policy decides on."""
    try:
        yield
    except sdk.APIStatusError as exc:
        raise _status_fault(exc.status_code, exc.response.headers, str(exc)) from None
    except sdk.APIConnectionError as exc:
        raise CloudFault(f"connection failed ({type(exc).__name__})", True) from None
    except sdk.APIError as exc:  # an error event in the middle of the stream
        raise CloudFault(f"error in the stream: {str(exc)[:120]}", True) from None
    except (ValueError, KeyError, AttributeError) as exc:
        raise CloudFault(f"malformed stream ({type(exc).__name__})", True) from None


class AnthropicChat:
    provider = "anthropic"
    endpoint = "/v1/messages"

    def __init__(self, api_key: str, model: str, base_url: str, max_tokens: int, timeout_s: float) -> None:
        import anthropic

        self._sdk = anthropic
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout_s
        )
        self._model = model
        self._max_tokens = max_tokens

    def payload(self, system: str, question: str, context: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": self._model,
            "max_tokens": self._max_tokens,
            "stream": True,
            "system": system,
            "messages": [{"role": "user", "content": _user_text(question, context)}],
        }

    async def stream(self, payload: dict[str, Any]) -> AsyncIterator[str]:
        with _faults(self._sdk):
            events = await self._client.messages.create(**payload)
            async with events:
                async for event in events:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield event.delta.text


class OpenAIChat:
    provider = "openai"
    endpoint = "/v1/chat/completions"

    def __init__(self, api_key: str, model: str, base_url: str, max_tokens: int, timeout_s: float) -> None:
        import openai

        self._sdk = openai
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout_s
        )
        self._model = model
        self._max_tokens = max_tokens

    def payload(self, system: str, question: str, context: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": self._model,
            "max_tokens": self._max_tokens,
            "stream": True,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": _user_text(question, context)},
            ],
        }

    async def stream(self, payload: dict[str, Any]) -> AsyncIterator[str]:
        with _faults(self._sdk):
            chunks = await self._client.chat.completions.create(**payload)
            async with chunks:
                async for chunk in chunks:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
