"""A real local HTTP receiver for webhook tests: records requests, verifies signatures, answers planned statuses."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from holdfast.core.events.dispatcher import verify_signature


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    signature_ok: bool


@dataclass
class HookServer:
    secret: str = ""
    statuses: list[int] = field(default_factory=list)  # answered in order; 200 once exhausted
    received: list[Received] = field(default_factory=list)

    def start(self) -> "HookServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify_signature(outer.secret, body, self.headers.get("X-Holdfast-Signature", ""))
                outer.received.append(Received(self.path, dict(self.headers), body, ok))
                status = outer.statuses.pop(0) if outer.statuses else 200
                if not ok:
                    status = 401
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
