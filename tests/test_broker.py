"""The embedded broker writes each message whole before a consumer can see it."""

import os

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError

from config import broker


def connection(folder) -> Connection:
    folder.mkdir(exist_ok=True)
    (folder.parent / "control").mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder.parent / "control"),
    }
    return Connection("namesmith-filesystem://", transport_options=options)


def test_a_message_goes_through_whole(tmp_path):
    with connection(tmp_path / "q") as conn:
        queue = conn.SimpleQueue("work")
        queue.put({"zone": "example.com.", "version": 7})
        assert queue.get(timeout=1).payload == {"zone": "example.com.", "version": 7}
        queue.close()
    assert not [name for name in os.listdir(tmp_path / "q") if name.startswith("partial-")]


def test_a_message_that_cannot_be_written_leaves_nothing_to_read(tmp_path, monkeypatch):
    def broken(data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(broker, "str_to_bytes", broken)
    with connection(tmp_path / "q") as conn:
        channel = conn.default_channel
        with pytest.raises(ChannelError, match="Cannot add file"):
            channel._put("work", {"zone": "example.com."})
    assert os.listdir(tmp_path / "q") == []


def test_a_message_is_invisible_until_renamed_into_place(tmp_path, monkeypatch):
    seen_while_writing = []
    real_replace = os.replace

    def replace(src, dst):
        seen_while_writing.extend(os.listdir(tmp_path / "q"))
        real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", replace)
    with connection(tmp_path / "q") as conn:
        conn.default_channel._put("work", {"n": 1})
    # While the bytes were going in, the only file was one the consumer skips.
    assert len(seen_while_writing) == 1 and seen_while_writing[0].startswith("partial-")
    assert "." not in seen_while_writing[0]


def test_an_exchange_table_being_created_reads_as_no_queues_and_binding_completes_it(tmp_path):
    with connection(tmp_path / "data") as conn:
        channel = conn.default_channel
        table = tmp_path / "control" / "celery.pidbox.exchange"
        table.write_bytes(b"")  # what another process that just created it leaves for a moment
        assert channel.get_table("celery.pidbox") == []
        channel._queue_bind("celery.pidbox", "", None, "worker.1.pidbox")
        channel._queue_bind("celery.pidbox", "", None, "worker.2.pidbox")
        channel._queue_bind("celery.pidbox", "", None, "worker.1.pidbox")
        assert [q.queue for q in channel.get_table("celery.pidbox")] == ["worker.2.pidbox", "worker.1.pidbox"]
