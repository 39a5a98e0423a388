"""The local front door: one origin serving the built portal and, under /api, the Chalice app
through Chalice's own local gateway (the code `chalice local` runs)."""

from __future__ import annotations

import gzip
import json
import mimetypes
import re
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from chalice.local import ChaliceRequestHandler, LocalGatewayException

API_PREFIX = "/api"
LOCAL_MESSAGES = "/_local/messages"  # the local server's own page: every message the outbox sent
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_SITEMAP_ORIGIN = re.compile(rb"<loc>https?://[^/<]+/")


class FrontHandler(ChaliceRequestHandler):
    site_dir: Path
    security_headers: dict[str, str]  # tools/security_headers.py: what the CDN adds in AWS
    local_messages: Any = None  # () -> list of messages (tools/outbox_stream.py), local stack only
    path: str

    def _send_headers(self, headers: Any) -> None:
        # Every answer, portal or API, carries the CDN's security headers, which override the
        # app's (as the response headers policy's Override does).
        ours = {name.lower() for name in self.security_headers}
        kept = {name: value for name, value in headers.items() if name.lower() not in ours}
        super()._send_headers({**kept, **self.security_headers})

    def log_message(self, format: str, *args: Any) -> None:
        return  # the app logs requests itself, without query strings

    def _generic_handle(self) -> None:
        path: str = urllib.parse.urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            self.path = self.path[len(API_PREFIX):] or "/"
            self._handle_api()
        elif path == LOCAL_MESSAGES and self.command == "GET" and self.local_messages is not None:
            body = json.dumps({"messages": self.local_messages()}, ensure_ascii=False, indent=1).encode()
            self._send_http_response(200, {"Content-Type": "application/json; charset=utf-8",
                                           "Cache-Control": "no-store"}, body)
        elif self.command in ("GET", "HEAD"):
            self._send_static(path)
        else:
            self._send_http_response(405, {"Allow": "GET, HEAD"}, b"")

    def _handle_api(self) -> None:
        headers, body = self._parse_payload()
        try:
            response = self.local_gateway.handle_request(method=self.command, path=self.path,
                                                         headers=headers, body=body)
        except LocalGatewayException as exc:
            # The gateway answers some requests before the app runs, in API Gateway's words; answer
            # as the app and infra's gateway responses do: unknown path 404, refused credential 401.
            kind = (exc.headers or {}).get("x-amzn-ErrorType", "")
            if exc.CODE == 401 or kind == "AccessDeniedException":
                problem = {"type": "/problems/unauthorized", "title": "需要登录", "status": 401,
                           "detail": "请先登录；如已登录，登录可能已过期，请重新登录。"}
            else:
                problem = {"type": "/problems/not-found", "title": "未找到", "status": 404, "detail": "没有这个接口。"}
            request_id = str(uuid.uuid4())  # as API Gateway's answers carry its $context.requestId
            problem["request_id"] = request_id
            self._send_http_response(int(str(problem["status"])), {"Content-Type": "application/problem+json",
                                                                   "X-Request-Id": request_id},
                                     json.dumps(problem, ensure_ascii=False).encode())
            return
        headers = response["headers"].copy()
        headers.update(response["multiValueHeaders"])
        response = self._handle_binary(response)
        self._send_http_response(response["statusCode"], headers, response["body"])

    def _send_static(self, url_path: str) -> None:
        root = self.site_dir.resolve()
        target = (root / urllib.parse.unquote(url_path).lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        status = 200
        if (root not in target.parents and target != root) or not target.is_file():
            target, status = root / "404.html", 404
            if not target.is_file():
                self._send_http_response(404, {"Content-Type": "text/plain; charset=utf-8"}, "未找到".encode())
                return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        data = target.read_bytes()
        if target.name == "sitemap.xml" and self.headers.get("Host"):
            # Material's instant navigation follows only links listed in the sitemap, matching
            # scheme and host but not port: list them at this server's address, whatever its port
            # (site_url names port 8000; tests and `make run PORT=...` use others).
            data = _SITEMAP_ORIGIN.sub(b"<loc>http://" + self.headers["Host"].encode("ascii", "replace") + b"/", data)
        headers = {"Content-Type": content_type,
                   "Cache-Control": "no-cache" if target.suffix == ".html" else "public, max-age=300"}
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and content_type.startswith(_COMPRESSIBLE):
            data = gzip.compress(data, 6)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        if self.command == "HEAD":
            self.send_response(status)
            headers["Content-Length"] = str(len(data))
            self._send_headers(headers)
            return
        self._send_http_response(status, headers, data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle
