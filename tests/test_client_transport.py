"""The client's HTTP (signoff.client, over http.client) against a real server on loopback:
a POST that loses its connection is sent again with the same Idempotency-Key (so the
server replays instead of doing it twice); query strings and JSON bodies as sent; an
unreachable server is an error naming it, exit 2 through the CLI's error classes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signoff.client import Client
from signoff.errors import StoreError


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(
                {
                    "path": self.path,
                    "key": self.headers.get("Idempotency-Key"),
                    "body": json.loads(body),
                }
            )
            if len(seen) == 1:  # the first attempt: the connection drops, no answer
                self.close_connection = True
                return
            answer = json.dumps({"done": len(seen)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_GET(self) -> None:
            seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
            answer = b'{"items": [], "next": null}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_a_dropped_post_is_sent_again_with_the_same_key(server):
    url, seen = server
    client = Client(url, token="sot_secret")
    try:
        assert client.json("POST", "/api/crs", json={"summary": "ü"}) == {"done": 2}
        assert client.items("/api/crs", {"state": "submitted", "none": None}) == []
    finally:
        client.close()
    first, second, listed = seen
    assert first["key"] == second["key"]
    assert first["key"]
    assert first["body"] == second["body"] == {"summary": "ü"}
    assert listed["path"] == "/api/crs?state=submitted&limit=200&offset=0"  # None: left out
    assert listed["auth"] == "Bearer sot_secret"


def test_an_unreachable_server_is_named():
    client = Client("http://127.0.0.1:9", token="x")
    with pytest.raises(
        StoreError, match=r"cannot reach the signoff server at http://127\.0\.0\.1:9"
    ):
        client.json("GET", "/api/models")
    client.close()
