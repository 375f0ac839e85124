"""One owner per results folder: a lock file with the owner's process, host and heartbeat.

A sweep (or its resume) holds ``colabsim.lock`` in its results folder while it writes there. The
file names the owner's process id and host and carries a heartbeat time that a background thread
renews every `HEARTBEAT_SECONDS`; the time is written into the file, not read from the file
system, so a lock on a cluster's shared file system is judged by what the owner last wrote. A
second process that finds a live lock stops with `FolderLockedError`, naming the holder. A lock
whose heartbeat is older than `STALE_SECONDS`, or whose owner is a process of this host that no
longer exists, is stale and is taken over; ``force`` takes over any lock.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from colabsim.experiments.store import StoreError, unique_temporary

__all__ = ["HEARTBEAT_SECONDS", "LOCK_NAME", "STALE_SECONDS", "FolderLock", "FolderLockedError", "LockHolder"]

LOCK_NAME = "colabsim.lock"
#: How often the owner renews its heartbeat.
HEARTBEAT_SECONDS = 10.0
#: A heartbeat older than this means the owner is gone (a killed job, a lost node).
STALE_SECONDS = 120.0


class FolderLockedError(StoreError):
    """Another process holds the results folder."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as its file says."""

    pid: int
    host: str
    token: str
    started: str
    heartbeat: float

    def describe(self) -> str:
        """``process 123 on host node7, last heartbeat 4 s ago``."""
        age = max(0.0, time.time() - self.heartbeat)
        return f"process {self.pid} on host {self.host} (since {self.started}, last heartbeat {age:.0f} s ago)"


def _read(path: Path) -> LockHolder | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return LockHolder(int(raw["pid"]), str(raw["host"]), str(raw["token"]), str(raw["started"]), raw["heartbeat"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # Half-written or foreign content: an owner would have written a whole file; treat as stale.
        return LockHolder(-1, "?", "", "?", 0.0)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class FolderLock:
    """The lock of one results folder; use as a context manager around everything written there."""

    def __init__(self, folder: Path, force: bool = False, stale_seconds: float = STALE_SECONDS) -> None:
        """Prepare to lock `folder` (nothing happens until `acquire`)."""
        self.path = Path(folder) / LOCK_NAME
        self.force = force
        self.stale_seconds = stale_seconds
        self.took_over: LockHolder | None = None
        self._holder = LockHolder(
            os.getpid(), socket.gethostname(), uuid.uuid4().hex, datetime.now(UTC).isoformat(), time.time()
        )
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def _content(self) -> bytes:
        h = self._holder
        body = {"pid": h.pid, "host": h.host, "token": h.token, "started": h.started, "heartbeat": time.time()}
        return (json.dumps(body) + "\n").encode()

    def _stale(self, holder: LockHolder) -> bool:
        if time.time() - holder.heartbeat > self.stale_seconds:
            return True
        return holder.host == self._holder.host and not _process_exists(holder.pid)

    def acquire(self) -> FolderLock:
        """Take the lock, or take over a stale one.

        Raises:
            FolderLockedError: If a live process holds it (and `force` is false).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _read(self.path)
            if holder is not None and not self.force and not self._stale(holder):
                raise FolderLockedError(
                    f"{self.path.parent} is in use by {holder.describe()}; wait for it to finish, "
                    f"or, if it is gone, run again with --force (or remove {self.path})"
                ) from None
            self.took_over = holder
            self._write()
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(self._content())
        self._beating = threading.Thread(target=self._beat, name="colabsim-lock-heartbeat", daemon=True)
        self._beating.start()
        return self

    def _write(self) -> None:
        temporary = unique_temporary(self.path)
        temporary.write_bytes(self._content())
        os.replace(temporary, self.path)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            holder = _read(self.path)
            if holder is None or holder.token != self._holder.token:
                return  # taken over with --force: the new owner's file is left alone
            try:
                self._write()
            except OSError:  # a hiccup of a shared file system; the next beat tries again
                continue

    def release(self) -> None:
        """Stop the heartbeat and remove the lock file if it is still ours."""
        self._stop.set()
        if self._beating is not None:
            self._beating.join(timeout=5)
        holder = _read(self.path)
        if holder is not None and holder.token == self._holder.token:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
