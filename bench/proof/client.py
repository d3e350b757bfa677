"""A small HTTP client for the proof: one ``Browser`` is one cookie jar, every request is timed and bounded.

Standard library only (``http.client``), one connection per request like a phone on a counter's Wi-Fi. Network
errors are answers too (``status`` 0 and ``error`` set), so a client can retry and the report can count them.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit


@dataclass
class Answer:
    method: str
    path: str
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    started: float = 0.0  # time.monotonic() when sent
    ms: float = 0.0
    error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Browser:
    """A cookie jar against one loopback server."""

    def __init__(self, port: int, *, agent: str = "suara-proof/1", timeout: float = 20.0) -> None:
        self.port = port
        self.agent = agent
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        content_type: str = "",
        headers: dict[str, str] | None = None,
        cookies: bool = True,
    ) -> Answer:
        sent = {"User-Agent": self.agent, "Accept-Language": "id-ID,id;q=0.9", "Accept-Encoding": "identity"}
        if form is not None:
            body = urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        if content_type:
            sent["Content-Type"] = content_type
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent.update(headers or {})
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            answer = Answer(
                method,
                path,
                response.status,
                data,
                {k.lower(): v for k, v in response.getheaders()},
                started,
                (time.monotonic() - started) * 1000,
            )
            if cookies:
                for header in response.headers.get_all("Set-Cookie") or ():
                    name, _, rest = header.partition("=")
                    value = rest.split(";", 1)[0]
                    if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                        self.cookies.pop(name.strip(), None)
                    else:
                        self.cookies[name.strip()] = value
            return answer
        except (OSError, http.client.HTTPException) as error:
            return Answer(method, path, 0, started=started, ms=(time.monotonic() - started) * 1000, error=repr(error))
        finally:
            connection.close()

    def get(self, path: str, **kw: Any) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, str] | list[tuple[str, str]], **kw: Any) -> Answer:
        return self.request("POST", path, form=form, **kw)


def local_path(url: str, base_path: str = "/") -> str | None:
    """The path (and query) of a link if it stays on this server, else None."""
    joined = urljoin(f"http://127.0.0.1{base_path}", html.unescape(url))
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (for forms with a file input) and its content type."""
    boundary = "proof" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        parts.append(value.encode("utf-8", errors="surrogatepass") + b"\r\n")
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
        )
        parts.append(content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def page_title(text: str) -> str:
    found = _TITLE.search(text)
    return html.unescape(found.group(1)).strip() if found else ""
