"""Sending one plain-text email through the organisation's SMTP server, in a worker
thread with a timeout (smtplib blocks)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage

from interp.config import Settings

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 20.0


class EmailSender:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.sender = settings.smtp_from or settings.smtp_user
        self.starttls = settings.smtp_starttls

    @property
    def configured(self) -> bool:
        """Email is off until the organisation names its mail server and a sender."""
        return bool(self.host and self.sender)

    def _connect(self) -> smtplib.SMTP:
        if not self.starttls and self.port == 465:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=SEND_TIMEOUT_S, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_S)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def _send_blocking(self, to: str, subject: str, body: str) -> bool:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("an email could not be sent: %s", type(exc).__name__)
            return False
        return True

    async def send(self, to: str, subject: str, body: str) -> bool:
        if not self.configured:
            return False
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._send_blocking, to, subject, body), SEND_TIMEOUT_S + 5
            )
        except TimeoutError:
            log.warning("the mail server did not answer in time")
            return False
