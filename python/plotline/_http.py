"""One keep-alive HTTP connection per sender thread (http.client), POSTing bytes and reading the answer as text."""

from __future__ import annotations

import http.client
import json
import random
import urllib.parse
from typing import Dict, Optional, Tuple

MIN_BACKOFF_S = 0.1
MAX_BACKOFF_S = 5.0


def backoff_s(attempt: int, rnd: Optional[float] = None) -> float:
    """Exponential backoff with ±25 % jitter (as the Node SDK's `backoffMs`), so many clients do not retry in lockstep."""
    r = random.random() if rnd is None else rnd
    return float(min(MAX_BACKOFF_S, MIN_BACKOFF_S * 2 ** attempt) * (0.75 + r / 2))


def error_message(text: str) -> str:
    """The `error` of a JSON error body, else the body itself."""
    try:
        return str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        return text


class Poster:
    """POSTs to one server over a reused connection; a failed connection is replaced on the next call."""

    def __init__(self, url: str, token: Optional[str], timeout_s: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._token = token
        self._timeout = timeout_s
        self._conn: Optional[http.client.HTTPConnection] = None

    def post(self, path: str, body: bytes, content_type: str) -> Tuple[int, str]:
        """Sends one request; returns (status, text). Network errors raise OSError / http.client.HTTPException."""
        headers: Dict[str, str] = {"content-type": content_type, "content-length": str(len(body))}
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
        for attempt in (0, 1):
            conn = self._conn or self._connect()
            try:
                conn.request("POST", self._prefix + path, body=body, headers=headers)
                res = conn.getresponse()
                text = res.read().decode("utf-8", "replace")
                if res.will_close:
                    self.close()
                return res.status, text
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile: one fresh try (the batch id makes it safe).
                self.close()
                if attempt == 1:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None
