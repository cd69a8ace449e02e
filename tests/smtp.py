"""A real SMTP server for tests (aiosmtpd), which the hub's real SMTP backend sends to."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, inbox: list):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.inbox.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    """Start, stop and start again on the same port, as a mail server that goes down and comes back."""

    port: int = field(default_factory=free_port)
    inbox: list = field(default_factory=list)
    _controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list:
        return [message for rcpts, message in self.inbox if address in rcpts]

    @staticmethod
    def text_of(message) -> str:
        """Every text part of a message (plain and HTML), for checking what an email says."""
        return "\n".join(
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        )
