"""A real SMTP server on loopback (aiosmtpd) that tests can stop, restart and stall."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the server accepted; *stall* holds every RCPT until released (a slow server)."""

    def __init__(self) -> None:
        self.mail: list[tuple[list[str], EmailMessage]] = []
        self.stall = threading.Event()  # set: RCPT waits for `released`
        self.released = threading.Event()
        self.stalled = threading.Event()  # a client is being held

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall.is_set():
            self.stalled.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.mail.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.mail if address in rcpt]


class SmtpServer:
    """aiosmtpd on a fixed loopback port, so that it can go down and come back."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def mail(self) -> list[tuple[list[str], EmailMessage]]:
        return self.inbox.mail

    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port,
                "MAIL_SENDER": "blog@blog.test"}
