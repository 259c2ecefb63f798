"""Preparing a run from the command line's inputs: the source dict, its id and resume point.

The source dict is built in layers, later ones winning: the source stored by the
last run (from the --state file, then the warehouse checkpoint), the --config file,
the command-line params, then defaults and choices from CONFIG. The runtime adds
``type``, ``id`` and ``database``.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson

from panoply._retry import RetryPolicy
from panoply.destinations.base import Checkpoint, Destination
from panoply.errors import ConfigurationError
from panoply.runtime.display import RunDisplay
from panoply.runtime.files import StateFile, read_config, update_config
from panoply.runtime.loader import LoadedSource
from panoply.runtime.params import Param, complete_params
from panoply.runtime.runner import SOURCE_RETRY_POLICY, Runner, RunSettings, RunSummary
from panoply.runtime.secrets import SecretMasker

__all__ = ["RunRequest", "database_name", "derive_source_id", "launch", "refresh_options"]

logger = logging.getLogger(__name__)


CLIENT_ID_VARIABLE = "PANOPLY_OAUTH_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "PANOPLY_OAUTH_CLIENT_SECRET"  # noqa: S105 - a variable name


@dataclass
class RunRequest:
    """The user's request from the command line.

    Attributes:
        given: source keys set by command-line params, already converted.
        source_id: the --id option, or None to derive one.
        interactive: whether missing required secrets may be prompted for.
    """

    loaded: LoadedSource
    params: list[Param]
    given: dict[str, Any]
    config_path: Path | None = None
    state_path: Path | None = None
    destination_url: str | None = None
    source_id: str | None = None
    interactive: bool = False
    retry_policy: RetryPolicy = SOURCE_RETRY_POLICY


def launch(
    request: RunRequest, destination: Destination, masker: SecretMasker, display: RunDisplay
) -> RunSummary:
    """Build the source dict, resume from the last checkpoint and run the source."""
    user = read_config(request.config_path) if request.config_path else {}
    user.update(request.given)
    source_type = str(user.get("type") or request.loaded.name)
    state_file = StateFile.read(request.state_path) if request.state_path else StateFile()
    # A --state file belongs to one source, so it names the source when nothing else
    # does. Params saved in it then apply without repeating them or --id.
    source_id = (
        request.source_id
        or str(user.get("id") or "")
        or state_file.source_id
        or derive_source_id(source_type, user, masker)
    )
    if request.state_path is not None:
        _check_owner(request.state_path, state_file, source_id)
    checkpoint = destination.read_checkpoint(source_id)
    source = _layer_source(state_file, checkpoint, user)
    options = {"logger": _log_source_messages, **refresh_options()}
    masker.collect(source)
    masker.add_value(options.get("refresh"))

    complete_params(request.params, source, options, request.interactive)
    source.update(type=source_type, id=source_id)
    source.setdefault("database", database_name(request.destination_url))
    masker.collect(source)

    resume_state = checkpoint.state if checkpoint else state_file.state
    if resume_state:
        logger.info("resuming source %s from its last committed state", source_id)
    settings = RunSettings(
        name=request.loaded.name,
        stream_class=request.loaded.stream_class,
        source=source,
        options=options,
        destination=destination,
        masker=masker,
        display=display,
        resume_state=copy.deepcopy(resume_state),
        retry_policy=request.retry_policy,
    )
    _FileKeeper(request, source_id, state_file, resume_state, masker).attach(settings)
    return Runner(settings).run()


def derive_source_id(source_type: str, user: dict[str, Any], masker: SecretMasker) -> str:
    """Return ``TYPE-HASH``, stable for one configuration, unchanged by new secrets."""
    identifying = {
        key: value
        for key, value in user.items()
        if key not in masker.keys and key not in {"state", "id"}
    }
    digest = hashlib.sha256(
        orjson.dumps(
            identifying, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str
        )
    ).hexdigest()
    return f"{source_type}-{digest[:12]}"


def database_name(destination_url: str | None) -> str:
    """Return the database name a destination URL implies: the file or directory stem."""
    parsed = urlparse(destination_url) if destination_url else None
    # A relative duckdb://file.duckdb parses with the file name as the host.
    path = parsed.netloc + parsed.path if parsed else ""
    stem = Path(path).stem.strip(":") if path else ""
    return stem or "panoply"


def refresh_options() -> dict[str, Any]:
    """Return ``{"refresh": {client_id, client_secret}}`` from the environment, if set."""
    fields = {
        "client_id": os.environ.get(CLIENT_ID_VARIABLE),
        "client_secret": os.environ.get(CLIENT_SECRET_VARIABLE),
    }
    present = {key: value for key, value in fields.items() if value}
    return {"refresh": present} if present else {}


def _log_source_messages(messages: tuple[Any, ...]) -> None:
    logging.getLogger("panoply.source").info("%s", " ".join(str(message) for message in messages))


def _check_owner(path: Path, state_file: StateFile, source_id: str) -> None:
    if state_file.source_id not in (None, source_id):
        raise ConfigurationError(
            f"the --state file {str(path)!r} belongs to source {state_file.source_id!r}, "
            f"not {source_id!r}; pass another --state file or --id {state_file.source_id}"
        )


def _layer_source(
    state_file: StateFile, checkpoint: Checkpoint | None, user: dict[str, Any]
) -> dict[str, Any]:
    source = copy.deepcopy(state_file.source)
    if checkpoint is not None:
        source.update(copy.deepcopy(checkpoint.source))
    source.update(user)
    return source


class _FileKeeper:
    """Keeps the --state and --config files current as the run commits and tokens change.

    The --state file stores the source without the secrets the user supplies (the
    values of ``password`` params, for example), because the user supplies them
    again on each run. Secrets the source changed, such as refreshed or rotated
    OAuth2 tokens, are kept in it, since the old values may no longer work.
    """

    def __init__(
        self,
        request: RunRequest,
        source_id: str,
        state_file: StateFile,
        resume_state: dict[str, Any],
        masker: SecretMasker,
    ) -> None:
        self.state_path = request.state_path
        self.config_path = request.config_path
        self.source_id = source_id
        self.masker = masker
        self.committed_state = copy.deepcopy(resume_state)
        self.changed_secrets = {key for key in state_file.source if key in masker.keys}
        self.source: dict[str, Any] = {}

    def attach(self, settings: RunSettings) -> None:
        self.source = settings.source
        settings.on_checkpoint = self.on_checkpoint
        settings.on_source_change = self.on_source_change

    def on_checkpoint(self, state: dict[str, Any], source: dict[str, Any]) -> None:
        self.committed_state = state
        self._write_state_file(source)

    def on_source_change(self, changes: dict[str, Any]) -> None:
        # Only secrets go back to the --config file: other keys would change the
        # derived source id, and the warehouse checkpoint stores them anyway.
        secrets = {key: value for key, value in changes.items() if key in self.masker.keys}
        self.changed_secrets.update(secrets)
        if self.config_path is not None and secrets:
            update_config(self.config_path, secrets)
        elif secrets and self.state_path is None:
            # Secrets never go to the warehouse, so without a file they end with the run.
            logger.warning(
                "the source changed %s, which this run cannot keep: the warehouse never "
                "stores secrets, so pass --state FILE (or --config FILE) to keep them for "
                "the next run",
                ", ".join(sorted(secrets)),
            )
        self._write_state_file({k: v for k, v in self.source.items() if k != "state"})

    def _write_state_file(self, source: dict[str, Any]) -> None:
        if self.state_path is None:
            return
        secret_keys = self.masker.keys
        kept = {
            key: value
            for key, value in source.items()
            if key not in secret_keys or key in self.changed_secrets
        }
        StateFile(self.source_id, self.committed_state, kept).write(self.state_path)
