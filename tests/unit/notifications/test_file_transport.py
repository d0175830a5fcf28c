import asyncio
import email
import email.policy
import re
from datetime import UTC, datetime

import pytest

from booking.ports import MailUnavailableError
from notifications.messages import new_message
from notifications.transports import FileTransport

NAME = re.compile(r"(\d{8}T\d{12}Z)-[0-9a-f]{16}\.eml")


def message(n: int = 0, to: str = "teacher@school.example"):
    return new_message(
        sender="Book SEND training <bookings@example.org>",
        to=to,
        subject=f"Message {n} — ünïcode",
        text=f"Body {n}\n",
        html=f"<p>Body {n}</p>\n",
        domain="book.example.org",
    )


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


async def test_a_message_becomes_one_parseable_eml_file(tmp_path):
    sent = message(7)

    await FileTransport(tmp_path).send(sent)

    (path,) = tmp_path.iterdir()
    parsed = read(path)
    assert parsed["Subject"] == "Message 7 — ünïcode"
    assert parsed["Message-ID"] == sent["Message-ID"]
    assert path.read_bytes() == sent.as_bytes(policy=email.policy.SMTP)


async def test_the_directory_is_created_when_missing(tmp_path):
    directory = tmp_path / "var" / "mail"

    await FileTransport(directory).send(message())

    assert len(list(directory.glob("*.eml"))) == 1


async def test_file_names_are_a_utc_timestamp_and_a_random_suffix_only(tmp_path):
    before = datetime.now(UTC)

    await FileTransport(tmp_path).send(message(to="secret.person@school.example"))

    (path,) = tmp_path.iterdir()
    match = NAME.fullmatch(path.name)
    assert match is not None
    stamp = datetime.strptime(match[1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    assert before <= stamp <= datetime.now(UTC)
    assert "secret" not in path.name
    assert "Message" not in path.name


async def test_names_sort_in_sending_order(tmp_path):
    transport = FileTransport(tmp_path)
    for n in range(5):
        await transport.send(message(n))
        await asyncio.sleep(0.001)  # distinct timestamps; the suffix is random

    subjects = [read(path)["Subject"] for path in sorted(tmp_path.iterdir())]

    assert subjects == [f"Message {n} — ünïcode" for n in range(5)]


async def test_fifty_concurrent_sends_make_fifty_files_and_no_temp_files(tmp_path):
    transport = FileTransport(tmp_path)

    await asyncio.gather(*(transport.send(message(n)) for n in range(50)))

    names = [path.name for path in tmp_path.iterdir()]
    assert len(names) == 50
    assert all(NAME.fullmatch(name) for name in names)
    subjects = {read(tmp_path / name)["Subject"] for name in names}
    assert subjects == {f"Message {n} — ünïcode" for n in range(50)}


async def test_files_are_readable_by_their_owner_only(tmp_path):
    await FileTransport(tmp_path).send(message())

    (path,) = tmp_path.iterdir()
    assert path.stat().st_mode & 0o077 == 0


async def test_an_unwritable_directory_is_mail_unavailable(tmp_path):
    not_a_directory = tmp_path / "mail"
    not_a_directory.write_text("a file where the directory should be")

    with pytest.raises(MailUnavailableError) as caught:
        await FileTransport(not_a_directory).send(message())

    assert isinstance(caught.value.__cause__, OSError)


async def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def fail_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("notifications.transports.os.fsync", fail_fsync)

    with pytest.raises(MailUnavailableError, match="No space left"):
        await FileTransport(tmp_path).send(message())

    assert list(tmp_path.iterdir()) == []


async def test_a_batch_writes_every_message_in_order(tmp_path):
    batch = [message(n) for n in range(5)]

    results = await FileTransport(tmp_path).send_batch(batch)

    assert results == [None] * 5
    assert len(list(tmp_path.glob("*.eml"))) == 5


async def test_a_batch_reports_each_failure_in_place(tmp_path):
    not_a_directory = tmp_path / "mail"
    not_a_directory.write_text("")

    results = await FileTransport(not_a_directory).send_batch([message(1), message(2)])

    assert [type(result) for result in results] == [MailUnavailableError] * 2
