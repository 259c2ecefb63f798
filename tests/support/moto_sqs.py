"""Start and stop `moto_sqs_server.py` in a subprocess for the test session."""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.services import tail

SERVER_SCRIPT = Path(__file__).with_name("moto_sqs_server.py")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# moto's default account id: unsigned requests and dummy credentials land here.
AWS_ACCOUNT = "123456789012"


class MotoUnavailableError(RuntimeError):
    """The moto SQS server failed to start."""


class MotoSqsServer:
    """moto's SQS backend on 127.0.0.1 and a port the server picks itself."""

    def __init__(self) -> None:
        self.base_dir = Path(tempfile.mkdtemp(prefix="panoply-moto-"))
        self.log_path = self.base_dir / "moto.log"
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait for the port it prints once it listens."""
        # The request log goes to a file: a pipe nobody reads would stall the server.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVER_SCRIPT)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.port = self._read_port()

    def stop(self) -> None:
        """Stop the server and delete its log."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _read_port(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            raise MotoUnavailableError(
                f"moto SQS server did not report its port within {START_TIMEOUT:.0f} s "
                f"(output {line!r}):\n{tail(str(self.log_path))}"
            )
        return int(line)
