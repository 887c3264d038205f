"""A local server that speaks the Anthropic and OpenAI streaming wire protocols, with fault knobs.

Tests and benchmarks point the real SDKs at it (`base_url`); every request it receives is kept,
so a test can read exactly what left the device.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class CloudScript:
    """How the server answers; change it between requests."""

    reply: str = "The moon is about three hundred eighty four thousand kilometres away. It drifts off slowly."
    first_token_s: float = 0.3
    tokens_per_s: float = 40.0
    status: int | None = None
    """Answer with this HTTP error instead of a stream (429, 500, ...)."""
    retry_after: str | None = None
    failures: int = 10**9
    """How many requests get `status` before the server answers normally again."""
    stall_after_tokens: int | None = None
    stall_s: float = 30.0
    error_after_tokens: int | None = None
    """Send a mid-stream error (Anthropic `error` event; OpenAI error chunk) after this many tokens."""
    malformed_after_tokens: int | None = None
    """Send a line that is not JSON after this many tokens."""
    ping: bool = True


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    t: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeCloud:
    script: CloudScript = field(default_factory=CloudScript)
    requests: list[ReceivedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _errors_sent: int = 0

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeCloud:
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                cloud.requests.append(ReceivedRequest(self.path, headers, body, time.monotonic()))
                # the client may hang up (a deadline or a barge-in): that is allowed
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    cloud._answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-cloud", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the wire protocols -------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        script = self.script
        anthropic = handler.path.rstrip("/").endswith("/messages")
        if script.status is not None and self._errors_sent < script.failures:
            self._errors_sent += 1
            body = json.dumps(_error_body(anthropic, script.status)).encode()
            handler.send_response(script.status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(body)))
            if script.retry_after is not None:
                handler.send_header("retry-after", script.retry_after)
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("cache-control", "no-cache")
        handler.end_headers()
        out = handler.wfile

        def send(text: str) -> None:
            out.write(text.encode("utf-8"))
            out.flush()

        tokens = _tokens(script.reply)
        if anthropic:
            send(_sse("message_start", {"type": "message_start", "message": _anthropic_message()}))
            send(
                _sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            if script.ping:
                send(_sse("ping", {"type": "ping"}))
        time.sleep(script.first_token_s)
        gap = 1.0 / script.tokens_per_s
        for index, token in enumerate(tokens):
            if index and gap:
                time.sleep(gap)
            if script.stall_after_tokens is not None and index == script.stall_after_tokens:
                time.sleep(script.stall_s)
            if script.error_after_tokens is not None and index == script.error_after_tokens:
                if anthropic:
                    send(
                        _sse(
                            "error",
                            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                        )
                    )
                else:
                    send(
                        "data: "
                        + json.dumps({"error": {"message": "server overloaded", "type": "server_error"}})
                        + "\n\n"
                    )
                return
            if script.malformed_after_tokens is not None and index == script.malformed_after_tokens:
                send(("event: content_block_delta\n" if anthropic else "") + "data: {not json\n\n")
                return
            if anthropic:
                send(
                    _sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": 0,
                            "delta": {"type": "text_delta", "text": token},
                        },
                    )
                )
                if script.ping and index == len(tokens) // 2:
                    send(_sse("ping", {"type": "ping"}))
            else:
                send("data: " + json.dumps(_openai_chunk(token, None)) + "\n\n")
        if anthropic:
            send(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
            send(
                _sse(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                        "usage": {"output_tokens": len(tokens)},
                    },
                )
            )
            send(_sse("message_stop", {"type": "message_stop"}))
        else:
            send("data: " + json.dumps(_openai_chunk("", "stop")) + "\n\n")
            send("data: [DONE]\n\n")


def _tokens(text: str) -> list[str]:
    """Word-sized pieces with their leading spaces, as streaming APIs deliver text."""
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])] if text else []


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def _anthropic_message() -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": "fake",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def _openai_chunk(token: str, finish: str | None) -> dict[str, Any]:
    delta = {"role": "assistant", "content": token} if token else {}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _error_body(anthropic: bool, status: int) -> dict[str, Any]:
    kind = "rate_limit_error" if status == 429 else "api_error"
    if anthropic:
        return {"type": "error", "error": {"type": kind, "message": f"fake {status}"}}
    return {"error": {"message": f"fake {status}", "type": kind, "code": None}}
