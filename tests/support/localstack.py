"""LocalStack serving SQS alone on 127.0.0.1, run from its own Python 3.13 venv.

`scripts/services/install-localstack` creates the venv; this module only starts and
stops the server. LocalStack checks message contents and sizes the way AWS does, so
the conformance suite runs against it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.services import free_port, tail, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO_ROOT / ".ci" / "work" / "localstack-venv"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
# LocalStack's own account id: queues created without real credentials live here.
AWS_ACCOUNT = "000000000000"
# Where LocalStack would send analytics and API calls: a closed port on this machine.
CLOSED_LOCAL_URL = "http://127.0.0.1:9"


class LocalStackUnavailableError(RuntimeError):
    """LocalStack is not installed or failed to start."""


def find_python() -> Path:
    """Return the LocalStack venv's interpreter (env PANOPLY_LOCALSTACK_VENV or the default)."""
    venv = Path(os.environ.get("PANOPLY_LOCALSTACK_VENV", DEFAULT_VENV))
    python = venv / "bin" / "python"
    if not python.exists():
        raise LocalStackUnavailableError(
            f"LocalStack is not installed in {venv}; run scripts/services/install-localstack "
            "(scripts/test does this), which needs a Python 3.13 interpreter"
        )
    return python


class LocalStackServer:
    """One LocalStack process with only SQS enabled, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.python = find_python()
        self.port = free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="panoply-localstack-"))
        self.log_path = self.base_dir / "localstack.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start LocalStack and wait until its health endpoint reports SQS available."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(self.python), "-m", "localstack.runtime.main"],
                cwd=self.base_dir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        wait_until(self._sqs_available, timeout=START_TIMEOUT, what=f"LocalStack at {self.url}")

    def stop(self) -> None:
        """Stop LocalStack and its children, then delete its files."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        address = f"127.0.0.1:{self.port}"
        return {
            **os.environ,
            "SERVICES": "sqs",
            "GATEWAY_LISTEN": address,
            "LOCALSTACK_HOST": address,
            "SQS_ENDPOINT_STRATEGY": "off",
            # No DNS server, no analytics, no certificate download: the tests stay local.
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "ANALYTICS_API": CLOSED_LOCAL_URL,
            "API_ENDPOINT": CLOSED_LOCAL_URL,
            "CONFIG_DIR": str(self.base_dir / "config"),
            "LOCALSTACK_VOLUME_DIR": str(self.base_dir / "volume"),
            "TMPDIR": str(self.base_dir),
        }

    def _sqs_available(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = tail(str(self.log_path))
            raise LocalStackUnavailableError(
                f"LocalStack exited with code {self.process.returncode}:\n{log}"
            )
        try:
            with urllib.request.urlopen(f"{self.url}/_localstack/health", timeout=2) as response:
                health = json.load(response)
        except (OSError, ValueError):
            return False
        return health.get("services", {}).get("sqs") in {"available", "running"}
