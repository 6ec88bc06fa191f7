"""The embedded broker: kombu's filesystem transport with messages written atomically.

kombu's own ``_put`` creates the message file, then locks and writes it; a worker polling
the folder can move the file away in between and read it empty, which kills the worker
("Unrecoverable error: JSONDecodeError"). Here a message is written under a name the
consumer never picks up and renamed into place once complete (a rename within one folder
is atomic on POSIX), so a consumer only ever sees whole messages.

An exchange's table of queues has the same race: the first process to bind creates the file,
then locks and writes it, and a second starting at that moment reads it empty. Here an
empty table is read as no queues, and binding writes it whole under the lock.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


class Channel(filesystem.Channel):
    # As kombu's filesystem.Channel spells it; its stubs name the second parameter `message`
    # in AbstractChannel and `payload` here, so no override satisfies both.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` onto ``queue``: written aside, then renamed into the queue folder."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # No dot before the queue name: kombu's _get skips it (and files it cannot parse).
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def get_table(self, exchange: str) -> list[Any]:
        """The queues bound to ``exchange``; a table being created right now is none yet."""
        file = self._exchange_file(exchange)  # type: ignore[attr-defined]
        try:
            with file.open("rb") as f:
                filesystem.lock(f, filesystem.LOCK_SH)  # type: ignore[attr-defined]
                try:
                    return _queues(f.read())
                finally:
                    filesystem.unlock(f)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str | None, queue: str) -> None:
        """Add a queue to ``exchange``'s table: every binder opens the same file (made if
        missing, never truncated on open) and reads and writes it under the lock."""
        file = self._exchange_file(exchange)  # type: ignore[attr-defined]
        self.control_folder.mkdir(exist_ok=True)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with open(file, "ab+", buffering=0) as f:
                filesystem.lock(f, filesystem.LOCK_EX)  # type: ignore[attr-defined]
                try:
                    f.seek(0)
                    queues = _queues(f.read())
                    if entry not in queues:
                        queues.insert(0, entry)
                        f.truncate(0)
                        f.write(str_to_bytes(dumps(queues)))
                finally:
                    filesystem.unlock(f)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc


def _queues(data: bytes) -> list[Any]:
    text = bytes_to_str(data)
    return [filesystem.exchange_queue_t(*q) for q in loads(text)] if text.strip() else []


class Transport(filesystem.Transport):
    Channel = Channel
