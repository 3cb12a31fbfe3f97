"""A real webhook receiver for tests: a ThreadingHTTPServer on loopback that records
every request (the ``receiver`` fixture in conftest starts one)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Received", "Receiver", "serve"]


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class Receiver:
    """What the server answers (``plan`` first, then ``status``) and what it received."""

    url: str
    status: int = 200
    plan: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    timeout = 5  # a stuck client cannot hold a server thread for long
    receiver: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.receiver.lock:
            self.receiver.requests.append(Received(self.path, self.headers, body))
            status = self.receiver.plan.pop(0) if self.receiver.plan else self.receiver.status
        if self.receiver.delay:
            self.receiver.release.wait(self.receiver.delay)
        answer = b"ok" if status < 300 else b"nope"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve() -> Iterator[Receiver]:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) that records every request."""
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    handler.receiver = state
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
