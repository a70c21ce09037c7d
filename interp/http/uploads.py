"""Receiving a file upload: a multipart form streamed straight to disk.

The size limit is enforced while the body is read, so an oversized file never lands
on disk whole. A refused upload's body is still read to its end (and thrown away):
a server that answers before the browser has finished sending makes most browsers
report a broken connection instead of the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

# Room for the form's other fields and the parts' headers beside the file itself.
FORM_OVERHEAD = 64 * 1024
MAX_FIELDS = 20
MAX_FIELD_BYTES = 4096


class UploadRefused(Exception):
    """``code``: too_large, bad_form or disk (the file could not be written)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ReceivedFile:
    filename: str
    path: Path
    size: int


@dataclass
class ReceivedForm:
    fields: dict[str, str] = field(default_factory=dict)
    file: ReceivedFile | None = None


class _Parts:
    """python-multipart's callbacks: fields kept in memory, the one file written out."""

    def __init__(self, file_field: str, place: Callable[[str], Path], max_bytes: int) -> None:
        self.file_field = file_field
        self.place = place
        self.max_bytes = max_bytes
        self.form = ReceivedForm()
        self.out: IO[bytes] | None = None
        self.pending: list[bytes] = []
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._value = bytearray()
        self._in_file = False
        self.complete = False  # the closing boundary arrived

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._name = ""
        self._value = bytearray()
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise UploadRefused("bad_form")
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.form.fields) >= MAX_FIELDS:
                raise UploadRefused("bad_form")
            return
        filename = options[b"filename"].decode("utf-8", "replace")
        if self._name != self.file_field or self.form.file is not None:
            raise UploadRefused("bad_form")
        if not filename:
            return  # a file input left empty
        try:
            path = self.place(filename)
            self.out = path.open("xb")
        except OSError as exc:  # no room (or no write access) for even an empty file
            raise UploadRefused("disk") from exc
        self.form.file = ReceivedFile(filename, path, 0)
        self._in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            assert self.form.file is not None
            self.form.file.size += end - start
            if self.form.file.size > self.max_bytes:
                raise UploadRefused("too_large")
            self.pending.append(data[start:end])
        elif self._name:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                raise UploadRefused("bad_form")

    def on_part_end(self) -> None:
        if not self._in_file and self._name and self._name != self.file_field:
            self.form.fields[self._name] = self._value.decode("utf-8", "replace")
        self._in_file = False

    def on_end(self) -> None:
        self.complete = True

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            name: getattr(self, name)
            for name in ("on_part_begin", "on_header_field", "on_header_value", "on_header_end",
                         "on_headers_finished", "on_part_data", "on_part_end", "on_end")
        }

    async def flush(self) -> None:
        if self.pending and self.out is not None:
            data, self.pending = b"".join(self.pending), []
            try:
                await asyncio.to_thread(self.out.write, data)
            except OSError as exc:  # the disk is full
                raise UploadRefused("disk") from exc

    def abandon(self) -> None:
        if self.out is not None:
            self.out.close()
        if self.form.file is not None:
            self.form.file.path.unlink(missing_ok=True)
            self.form.file = None


async def discard_body(chunks: AsyncIterator[bytes]) -> None:
    """Read what is left of a request body, keeping nothing."""
    with contextlib.suppress(ClientDisconnect):
        async for _ in chunks:
            pass


async def receive_upload(
    request: Request, file_field: str, place: Callable[[str], Path], max_bytes: int
) -> ReceivedForm:
    """The multipart form in the request, its file (at most ``max_bytes``) written to
    ``place(filename)``. Raises ``UploadRefused`` (nothing kept) or ``ClientDisconnect``."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    chunks = request.stream()
    parts = _Parts(file_field, place, max_bytes)
    try:
        if content_type != b"multipart/form-data" or b"boundary" not in options:
            raise UploadRefused("bad_form")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
            raise UploadRefused("too_large")
        parser = MultipartParser(options[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
        async for chunk in chunks:
            parser.write(chunk)
            await parts.flush()
        parser.finalize()
        if not parts.complete:
            raise UploadRefused("bad_form")
        if parts.out is not None:
            try:
                await asyncio.to_thread(parts.out.close)
            except OSError as exc:  # the last buffered bytes did not fit on the disk
                raise UploadRefused("disk") from exc
    except UploadRefused:
        parts.abandon()
        await discard_body(chunks)
        raise
    except FormParserError as exc:
        parts.abandon()
        await discard_body(chunks)
        raise UploadRefused("bad_form") from exc
    except BaseException:
        parts.abandon()
        raise
    return parts.form
