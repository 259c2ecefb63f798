"""A small SQS stand-in on 127.0.0.1 that fails on purpose.

Real SQS servers cannot be made to return 500, throttle, fail some entries of a
batch, stall or reset a connection. This server does, one scripted fault per
request, and otherwise accepts every entry like SQS. It stores the bodies it
accepted, so a test can check that nothing was lost or duplicated.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import orjson

_NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"


@dataclass
class Fault:
    """What to do with one request.

    Attributes:
        status: respond with this HTTP status and `code` instead of accepting.
        code: the SQS error code for `status`.
        fail_entries: entry positions (0-based) to report failed in a 200 response.
        sender_fault: the SenderFault flag of those failed entries.
        delay: seconds to wait before answering.
        reset: close the connection with a TCP reset instead of answering.
        body: respond HTTP 200 with these bytes instead of accepting.
        entry_message: the Message text of failed entries.
    """

    status: int = 200
    code: str = ""
    fail_entries: tuple[int, ...] = ()
    sender_fault: bool = False
    delay: float = 0.0
    reset: bool = False
    body: bytes | None = None
    entry_message: str = "scripted failure"


@dataclass
class FaultServer:
    url: str
    faults: deque[Fault] = field(default_factory=deque)
    accepted: list[bytes] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    condition: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.condition = threading.Condition(self.lock)

    def records(self) -> list[dict[str, object]]:
        """Every accepted record, in the order the server accepted them."""
        with self.lock:
            bodies = list(self.accepted)
        return [orjson.loads(line) for body in bodies for line in body.split(b"\n") if line]

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: self.requests >= count, timeout)


def _handler_for(server_state: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode("ascii"), keep_blank_values=True)
            with server_state.condition:
                fault = server_state.faults.popleft() if server_state.faults else Fault()
                server_state.requests += 1
                server_state.condition.notify_all()

            if fault.delay:
                time.sleep(fault.delay)  # the fault itself: a slow server
            if fault.reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            if fault.status != 200:
                self._answer(fault.status, _error_xml(fault.code, fault.status))
                return
            if fault.body is not None:
                self._answer(200, fault.body)
                return
            self._answer(200, self._accept(form, fault))

        def _accept(self, form: dict[str, list[str]], fault: Fault) -> bytes:
            results = []
            number = 1
            while f"SendMessageBatchRequestEntry.{number}.Id" in form:
                prefix = f"SendMessageBatchRequestEntry.{number}"
                entry_id = form[f"{prefix}.Id"][0]
                if number - 1 in fault.fail_entries:
                    flag = "true" if fault.sender_fault else "false"
                    results.append(
                        f"<BatchResultErrorEntry><Id>{entry_id}</Id><SenderFault>{flag}"
                        f"</SenderFault><Code>InternalError</Code><Message>{fault.entry_message}"
                        "</Message></BatchResultErrorEntry>"
                    )
                else:
                    with server_state.lock:
                        server_state.accepted.append(form[f"{prefix}.MessageBody"][0].encode())
                    results.append(
                        f"<SendMessageBatchResultEntry><Id>{entry_id}</Id><MessageId>m{number}"
                        "</MessageId></SendMessageBatchResultEntry>"
                    )
                number += 1
            return (
                f'<SendMessageBatchResponse xmlns="{_NAMESPACE}"><SendMessageBatchResult>'
                + "".join(results)
                + "</SendMessageBatchResult></SendMessageBatchResponse>"
            ).encode()

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _error_xml(code: str, status: int) -> bytes:
    kind = "Sender" if status < 500 else "Receiver"
    return (
        f'<ErrorResponse xmlns="{_NAMESPACE}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>scripted {code}</Message></Error></ErrorResponse>"
    ).encode()


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """Run a FaultServer on a free port of 127.0.0.1 for the duration of the block."""
    state = FaultServer(url="")
    http_server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    http_server.daemon_threads = True
    state.url = f"http://127.0.0.1:{http_server.server_port}"
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        http_server.shutdown()
        http_server.server_close()
