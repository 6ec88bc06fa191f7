"""Datagrams in batches: Linux's recvmmsg(2) and sendmmsg(2) through ctypes.

One system call takes every query waiting on a socket (up to ``BATCH``) and one sends all
their answers, instead of two calls per query. Under load that halves the time a UDP
listener spends crossing into the kernel and back. The buffers are allocated once per
listener; a datagram is copied out as ``bytes`` and its answer copied in.

``available()`` is False where libc has no recvmmsg (macOS, BSD): listeners then use
``recvfrom``/``sendto``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import socket
from collections.abc import Callable
from typing import Any

BATCH = 64
SLOT = 4096  # bytes per datagram: larger UDP queries are not DNS we answer
MSG_WAITFORONE = 0x10000  # return once at least one datagram is in
MSG_TRUNC = 0x20


class _IoVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _MsgHdr(ctypes.Structure):
    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.POINTER(_IoVec)),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class _MMsgHdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _MsgHdr), ("msg_len", ctypes.c_uint)]


_NAME = 28  # bytes of a sockaddr_in6, the larger of the two families
_HEADER = ctypes.sizeof(_MMsgHdr)
# Offsets of the fields touched per datagram, in 32-bit words of one mmsghdr.
_NAMELEN = _MsgHdr.msg_namelen.offset // 4
_FLAGS = _MsgHdr.msg_flags.offset // 4
_LENGTH = _MMsgHdr.msg_len.offset // 4
_WORDS = _HEADER // 4


# recvmmsg and sendmmsg as ctypes gives them: called with ints and pointers, giving an int.
_Call = Callable[..., int]


def _libc() -> tuple[_Call, _Call] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        recv, send = libc.recvmmsg, libc.sendmmsg
    except (OSError, AttributeError, TypeError):
        return None
    recv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    send.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
    recv.restype = send.restype = ctypes.c_int
    return recv, send


_CALLS = _libc()


def available() -> bool:
    return _CALLS is not None and _HEADER % 8 == 0 and _MsgHdr.msg_name.offset == 0


class Batch:
    """Receive and send buffers for one socket."""

    def __init__(self, sock: socket.socket) -> None:
        if _CALLS is None:
            raise OSError("recvmmsg and sendmmsg are not available here: see available()")
        self.recvmmsg, self.sendmmsg = _CALLS
        self.fd = sock.fileno()
        self.sock = sock
        self.received = ctypes.create_string_buffer(BATCH * SLOT)
        self.replies = ctypes.create_string_buffer(BATCH * SLOT)
        self.names = ctypes.create_string_buffer(BATCH * _NAME)
        self.recv_headers = (_MMsgHdr * BATCH)()
        self.send_headers = (_MMsgHdr * BATCH)()
        self.recv_vectors = (_IoVec * BATCH)()
        self.send_vectors = (_IoVec * BATCH)()
        names = ctypes.addressof(self.names)
        for i in range(BATCH):
            self.recv_vectors[i].iov_base = ctypes.addressof(self.received) + i * SLOT
            self.recv_vectors[i].iov_len = SLOT
            self.send_vectors[i].iov_base = ctypes.addressof(self.replies) + i * SLOT
            for headers, vectors in ((self.recv_headers, self.recv_vectors), (self.send_headers, self.send_vectors)):
                header = headers[i].msg_hdr
                header.msg_name = names + i * _NAME
                header.msg_namelen = _NAME
                header.msg_iov = ctypes.pointer(vectors[i])
                header.msg_iovlen = 1
        # Views for the per-datagram fields, so the loop does no ctypes attribute access.
        self.data = memoryview(self.received).cast("B")
        self.out = memoryview(self.replies).cast("B")
        self.name_bytes = memoryview(self.names).cast("B")
        self.recv_words = memoryview(self.recv_headers).cast("B").cast("I")
        self.send_words = memoryview(self.send_headers).cast("B").cast("I")
        self.send_pointers = memoryview(self.send_headers).cast("B").cast("Q")
        self.send_lengths = memoryview(self.send_vectors).cast("B").cast("Q")
        self.names_base = names
        self.count = 0  # answers queued for send()

    def receive(self) -> int:
        """Wait for datagrams; how many arrived (0 when interrupted or shut down)."""
        received = self.recvmmsg(self.fd, ctypes.addressof(self.recv_headers), BATCH, MSG_WAITFORONE, None)
        if received < 0:
            code = ctypes.get_errno()
            if code in (errno.EINTR, errno.EAGAIN, errno.ENOMEM):
                return 0
            raise OSError(code, "recvmmsg failed")
        return received

    def datagram(self, i: int) -> bytes:
        start = i * SLOT
        return self.data[start : start + self.recv_words[i * _WORDS + _LENGTH]].tobytes()

    def truncated(self, i: int) -> bool:
        return bool(self.recv_words[i * _WORDS + _FLAGS] & MSG_TRUNC)

    def source(self, i: int) -> tuple[Any, ...]:
        """The sender of datagram ``i`` as socket.recvfrom would give it."""
        name = self.name_bytes[i * _NAME : (i + 1) * _NAME].tobytes()
        family = int.from_bytes(name[:2], "little")
        port = int.from_bytes(name[2:4], "big")
        if family == socket.AF_INET6:
            return (socket.inet_ntop(socket.AF_INET6, name[8:24]), port, 0, int.from_bytes(name[24:28], "little"))
        return (socket.inet_ntop(socket.AF_INET, name[4:8]), port)

    def answer(self, i: int, reply: bytes) -> None:
        """Queue ``reply`` to the sender of datagram ``i``."""
        if len(reply) > SLOT:  # cannot happen for answers capped at the UDP payload; kept safe anyway
            with contextlib.suppress(OSError):
                self.sock.sendto(reply, self.source(i))
            return
        j = self.count
        start = j * SLOT
        self.out[start : start + len(reply)] = reply
        self.send_lengths[2 * j + 1] = len(reply)
        self.send_pointers[j * _WORDS // 2] = self.names_base + i * _NAME
        self.send_words[j * _WORDS + _NAMELEN] = self.recv_words[i * _WORDS + _NAMELEN]
        self.count = j + 1

    def send(self) -> None:
        """Send every queued answer; one that fails (a vanished client) is skipped."""
        sent, count, base = 0, self.count, ctypes.addressof(self.send_headers)
        while sent < count:
            done = self.sendmmsg(self.fd, base + sent * _HEADER, count - sent, 0)
            sent += done if done > 0 else 1
        self.count = 0

    def reset_names(self, received: int) -> None:
        """recvmmsg writes each sender's address length back: restore the room for the next call."""
        words = self.recv_words
        for i in range(received):
            words[i * _WORDS + _NAMELEN] = _NAME
