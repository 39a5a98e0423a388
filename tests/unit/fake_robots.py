"""Local fakes of the providers' HTTP APIs (real servers on 127.0.0.1) for the adapter tests."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeApi:
    """Records each request (path, query, headers, body) and answers with `answers` in turn
    (the last one repeats): (status, JSON body)."""

    def __init__(self, answers: list[tuple[int, dict[str, Any]]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                parts = urllib.parse.urlsplit(self.path)
                api.requests.append({"path": parts.path, "query": dict(urllib.parse.parse_qsl(parts.query)),
                                     "headers": dict(self.headers), "body": body})
                status, answer = api.answers[min(len(api.requests), len(api.answers)) - 1]
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def acs3_signature(request: dict[str, Any], secret: str, method: str = "POST") -> str:
    """Alibaba Cloud's ACS3-HMAC-SHA256 signature of a recorded request, computed as their API
    does, so the fake can tell a correctly signed SendSms from another."""
    import hashlib
    import hmac

    headers = {k.lower(): v.strip() for k, v in request["headers"].items()}
    signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")

    def quote(value: str) -> str:
        return urllib.parse.quote(value, safe="-_.~")

    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(request["query"].items()))
    canonical = "\n".join([method, request["path"], query, "".join(f"{h}:{headers[h]}\n" for h in signed),
                           ";".join(signed), headers["x-acs-content-sha256"]])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
