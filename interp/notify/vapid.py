"""The server's VAPID key pair (RFC 8292): push services check each message's signature
against the public key the browser subscribed with. Made on first use and kept in the
data directory, readable by the owner only, like the secret key; never in the repository.
Several nodes behind one address must share the file (or the data directory)."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

KEY_FILE = "vapid_private_key.pem"


def _make_key_file(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: a reader never sees half a key, and a link
    # never replaces the key another process made first.
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        aside.unlink()


class VapidKeys:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / KEY_FILE
        self._vapid: Vapid02 | None = None
        # Messages are signed in worker threads: one of them loads the key.
        self._loading = threading.Lock()

    @property
    def signer(self) -> Vapid02:
        with self._loading:
            if self._vapid is None:
                if not self.path.exists():
                    _make_key_file(self.path)
                self._vapid = Vapid02.from_file(str(self.path))
            return self._vapid

    @property
    def public_key(self) -> str:
        """The application server key a browser subscribes with: the uncompressed P-256
        point, base64url without padding."""
        raw = self.signer.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
