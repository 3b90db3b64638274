"""The spool: encoded batches waiting on disk. The format and rules are the Node SDK's (`src/sdk/spool.ts`, its one
description), so either SDK can deliver the other's spool:

- Where: ``<base>/<client key>/``, ``<base>`` = the ``spool`` option, else env ``PLOTLINE_SPOOL_DIR``, else
  ``<OS temp dir>/plotline-spool``; ``<client key>`` = the first 16 hex digits of SHA-256(``<url>\\n<token or empty>``).
- Files: each client writes its own ``<pid>-<start ms, base 36>-<8 random hex>.spool``, created at its first spill.
  Little-endian: header (16 bytes) ``"PLS1" | u32 0 | u64 acked`` (offset of the first unacknowledged record, 16 if
  none); record ``u32 body length L | u32 points | u32 CRC-32 (zlib) of the body | body`` — one complete binary batch
  with its batch id, so a record sent twice is stored once.
- A record answered 2xx or refused (4xx) is acknowledged (``acked`` moves past it; no fsync). All acknowledged → the
  owner truncates the file to its header; it is deleted when the process exits with nothing waiting.
- A record running past the end of the file, or whose CRC does not match, is a torn write: it and what follows are
  ignored.
- Bounded: the unacknowledged bytes of one file stay under ``max_bytes``; what does not fit waits in memory.
- Orphans: a file whose pid is not a running process (or is ours but not one of our files) is claimed by renaming it
  to a name with our pid (atomic: one claimer wins), sent oldest file first before our own data, then deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
import tempfile
import time
import zlib
from typing import List, Optional, Set, Tuple, Union

MAGIC = b"PLS1"
HEADER = 16
RECORD_HEADER = 12
ACKED_AT = 8
_FILE = re.compile(r"^(\d+)-([0-9a-z]+)-([0-9a-f]+)\.spool$")

#: Spool files written by this process (a file with our pid that is not among them was left by an earlier process).
own_files: Set[str] = set()


def spool_directory(base: Optional[str], url: str, token: Optional[str]) -> str:
    """The directory of one client's (server and token) spool files."""
    key = hashlib.sha256(f"{url.rstrip('/')}\n{token or ''}".encode("utf-8")).hexdigest()[:16]
    root = base or os.environ.get("PLOTLINE_SPOOL_DIR") or os.path.join(tempfile.gettempdir(), "plotline-spool")
    return os.path.join(root, key)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class Spool:
    """One spool file, open for appending (its owner) and for reading from its first unacknowledged record.
    Positional reads and writes (pread/pwrite); the caller serialises calls."""

    def __init__(self, path: str, fd: int, recovered: bool) -> None:
        self.path = path
        self._fd = fd
        self._recovered = recovered
        self.acked = HEADER
        self.end = HEADER
        #: Points in the unacknowledged records.
        self.points = 0

    @classmethod
    def create(cls, directory: str) -> "Spool":
        """A new, empty spool file of this process in ``directory`` (raises OSError when it cannot be made)."""
        os.makedirs(directory, exist_ok=True)
        name = f"{os.getpid()}-{_base36(int(time.time() * 1000))}-{secrets.token_hex(4)}.spool"
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.pwrite(fd, MAGIC + struct.pack("<IQ", 0, HEADER), 0)
        own_files.add(path)
        return cls(path, fd, False)

    @classmethod
    def claim_orphans(cls, directory: str) -> List["Spool"]:
        """Claims the orphaned spool files of ``directory``, oldest first, each with something to send."""
        try:
            names = os.listdir(directory)
        except OSError:
            return []
        orphans = []
        for name in names:
            m = _FILE.match(name)
            if m is None or os.path.join(directory, name) in own_files:
                continue
            pid = int(m.group(1))
            if pid == os.getpid() or not _alive(pid):
                orphans.append((int(m.group(2), 36), name, m.group(2)))
        claimed = []
        for _, name, started in sorted(orphans):
            path = os.path.join(directory, f"{os.getpid()}-{started}-{secrets.token_hex(4)}.spool")
            try:
                os.rename(os.path.join(directory, name), path)
            except OSError:
                continue  # another process claimed it first
            own_files.add(path)
            try:
                spool = cls._open(path)
            except (OSError, ValueError):
                own_files.discard(path)
                continue
            if spool.empty:
                spool.close(remove=True)
            else:
                claimed.append(spool)
        return claimed

    @classmethod
    def _open(cls, path: str) -> "Spool":
        fd = os.open(path, os.O_RDWR)
        size = os.fstat(fd).st_size
        header = os.pread(fd, HEADER, 0)
        if size < HEADER or len(header) < HEADER or header[:4] != MAGIC:
            os.close(fd)
            raise ValueError(f"{path} is not a spool file")
        spool = cls(path, fd, True)
        spool.acked = max(HEADER, struct.unpack_from("<Q", header, ACKED_AT)[0])
        at = spool.acked
        while at + RECORD_HEADER <= size:
            length, points, _ = struct.unpack("<III", os.pread(fd, RECORD_HEADER, at))
            if at + RECORD_HEADER + length > size:
                break  # torn: the writer was killed while appending
            spool.points += points
            at += RECORD_HEADER + length
        spool.end = at
        return spool

    @property
    def empty(self) -> bool:
        return self.acked >= self.end

    @property
    def unacked_bytes(self) -> int:
        return self.end - self.acked

    def append(self, body: bytes, points: int) -> None:
        """Appends one encoded batch."""
        os.pwrite(self._fd, struct.pack("<III", len(body), points, zlib.crc32(body)) + body, self.end)
        self.end += RECORD_HEADER + len(body)
        self.points += points

    def read_head(self) -> Union[None, Tuple[bytes, int], int]:
        """The first unacknowledged record as (body, points); None when there is none; an int (points given up) when it
        is torn or damaged, which ends the spool."""
        if self.empty:
            return None
        length, points, crc = struct.unpack("<III", os.pread(self._fd, RECORD_HEADER, self.acked))
        body = os.pread(self._fd, length, self.acked + RECORD_HEADER) if self.acked + RECORD_HEADER + length <= self.end else b""
        if len(body) != length or (crc != 0 and zlib.crc32(body) != crc):
            lost = self.points
            self.end = self.acked
            self.points = 0
            self._reset()
            return lost
        return body, points

    def ack_head(self) -> None:
        """The first unacknowledged record was delivered or refused."""
        length, points, _ = struct.unpack("<III", os.pread(self._fd, RECORD_HEADER, self.acked))
        self.acked += RECORD_HEADER + length
        self.points -= points
        if self.empty:
            self._reset()
        else:
            os.pwrite(self._fd, struct.pack("<Q", self.acked), ACKED_AT)

    def _reset(self) -> None:
        """Everything acknowledged: back to an empty file, so it does not grow across outages."""
        self.acked = self.end = HEADER
        os.pwrite(self._fd, struct.pack("<Q", HEADER), ACKED_AT)
        if not self._recovered:
            os.ftruncate(self._fd, HEADER)

    def close(self, remove: Optional[bool] = None) -> None:
        """Closes the file; deletes it when nothing in it waits (or when ``remove``)."""
        if remove is None:
            remove = self.empty
        try:
            os.close(self._fd)
        except OSError:
            pass
        if remove:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        own_files.discard(self.path)
