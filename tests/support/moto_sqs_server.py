"""Serve moto's SQS backend alone on 127.0.0.1, for tests that need an SQS endpoint.

The stock `moto_server` routes requests without an AWS signature to S3, but the
Panoply client sends unsigned requests, so this server mounts only the SQS backend.

Usage: python tests/support/moto_sqs_server.py [PORT]
Prints the bound port on one line once the socket listens, then serves until killed.
"""

from __future__ import annotations

import sys

from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import make_server


def main(argv: list[str]) -> None:
    port = int(argv[1]) if len(argv) > 1 else 0
    server = make_server("127.0.0.1", port, create_backend_app("sqs"), threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
