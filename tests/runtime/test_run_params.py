"""`panoply run`: CONFIG params as options, --help, usage errors and the source dict."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

# The source stores the source dict it was built with, so tests can check it.
PARAMS_SOURCE = """
    import json
    from panoply import DataSource

    def list_tables(source, options):
        if source["schema"] != "public":
            return []
        return [{"name": "Users", "value": "users"}, {"name": "Orders", "value": "orders"}]

    CONFIG = {
        "title": "Params demo",
        "params": [
            {"name": "host", "title": "Host", "help": "Server name", "placeholder": "db.local",
             "required": True},
            {"name": "api_key", "title": "API key", "type": "password", "required": True},
            {"name": "limit", "title": "Row limit", "type": "number", "default": 100},
            {"name": "schema", "title": "Schema", "type": "select",
             "values": ["public", "audit"]},
            {"name": "tables", "title": "Tables", "type": "list", "values": list_tables,
             "dependencies": ["schema"]},
            {"name": "ids", "title": "Item ids", "type": "list",
             "values": [{"id": 1, "label": "one"}, {"id": 2, "label": "two"}]},
            {"name": "internal", "title": "Internal knob", "hidden": True},
            {"name": "out", "title": "Dump file", "required": True},
        ],
    }

    class Stream(DataSource):
        def read(self, n=None):
            with open(self.source["out"], "w") as file:
                json.dump(self.source, file, default=str)
            return None
"""


def dumped(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def test_help_lists_params(
    write_source: Callable[..., Path], run_cli: Callable[..., Result]
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(str(source), "--help")
    assert result.exit_code == 0
    output = " ".join(result.output.split())
    assert "Run the Params demo data source" in output
    assert "--host VALUE Host. Server name. Example: db.local. [required]" in output
    assert "--api_key, --api-key VALUE API key. Secret: prompted for when missing" in output
    assert "--limit VALUE Row limit. Default: 100." in output
    assert "--schema VALUE Schema. Choices: public, audit." in output
    assert "Repeat the option or separate items with commas." in output
    assert "--internal" not in output
    assert "--config FILE" in output
    assert "--state FILE" in output
    assert "--to URL" in output


def test_help_without_source(run_cli: Callable[..., Result]) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "Usage: panoply run SOURCE [OPTIONS]" in result.output


def test_missing_required_param(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(
        str(source), "--api-key", "k" * 8, "--out", str(tmp_path / "o.json"),
        "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 2
    assert (
        "Error: missing required param --host (Host); pass --host VALUE or set 'host' "
        "in the --config file" in result.stderr
    )


def test_missing_password_without_terminal(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(
        str(source), "--host", "h", "--out", str(tmp_path / "o.json"),
        "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "missing required param --api_key (API key)" in result.stderr


def test_params_fill_the_source(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    out = tmp_path / "o.json"
    result = run_cli(
        str(source), "--host", "db1", "--api-key", "key-12345", "--out", str(out),
        "--schema", "public", "--tables", "orders", "--tables", "users",
        "--ids", "2", "--limit", "2.5", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stored = dumped(out)
    assert stored["host"] == "db1"
    assert stored["api_key"] == "key-12345"
    assert stored["limit"] == 2.5
    assert stored["schema"] == "public"
    assert stored["tables"] == [
        {"name": "Orders", "value": "orders"},
        {"name": "Users", "value": "users"},
    ]
    assert stored["ids"] == [{"id": 2, "label": "two"}]
    assert stored["type"] == "params_demo"
    assert stored["id"].startswith("params_demo-")
    assert stored["database"] == "w"
    assert stored["__batchSize"] == 1000
    assert stored["state"] == {}


def test_comma_separated_list_and_default(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    out = tmp_path / "o.json"
    result = run_cli(
        str(source), "--host", "h", "--api_key", "key-12345", "--out", str(out),
        "--schema", "public", "--tables", "users,orders", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stored = dumped(out)
    assert [item["value"] for item in stored["tables"]] == ["users", "orders"]
    assert stored["limit"] == 100


def test_invalid_choice(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(
        str(source), "--host", "h", "--api_key", "key-12345", "--out", str(tmp_path / "o"),
        "--schema", "sales", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "invalid value 'sales' for --schema; choose from: public, audit" in result.stderr


def test_dependencies_checked_before_values(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(
        str(source), "--host", "h", "--api_key", "key-12345", "--out", str(tmp_path / "o"),
        "--tables", "users", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--tables needs --schema first, to list its choices; pass --schema" in result.stderr


def test_invalid_number(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    result = run_cli(
        str(source), "--host", "h", "--api_key", "key-12345", "--out", str(tmp_path / "o"),
        "--limit", "many", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "invalid value 'many' for --limit: expected a number such as 10 or 2.5" in result.stderr


def test_config_file_overridden_by_options(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    out = tmp_path / "o.json"
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"host": "from-config", "api_key": "key-12345", "out": str(out), "limit": 7})
    )
    result = run_cli(
        str(source), "--config", str(config), "--limit", "9",
        "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stored = dumped(out)
    assert stored["host"] == "from-config"
    assert stored["limit"] == 9


def test_source_id_stable_and_overridable(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("params_demo", PARAMS_SOURCE)
    out = tmp_path / "o.json"
    common = ["--host", "h", "--out", str(out), "--to", f"duckdb:///{tmp_path}/w.duckdb"]

    assert run_cli(str(source), *common, "--api_key", "first-secret").exit_code == 0
    first_id = dumped(out)["id"]
    assert run_cli(str(source), *common, "--api_key", "other-secret").exit_code == 0
    assert dumped(out)["id"] == first_id
    assert run_cli(str(source), *common, "--api_key", "x" * 9, "--id", "mine").exit_code == 0
    assert dumped(out)["id"] == "mine"


def test_unknown_source(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    result = run_cli(str(tmp_path / "missing_source"))
    assert result.exit_code == 2
    assert "is not a file, a directory or an importable module" in result.stderr


def test_module_without_stream(
    write_source: Callable[..., Path], run_cli: Callable[..., Result]
) -> None:
    source = write_source("no_stream", "CONFIG = {}\n")
    result = run_cli(str(source))
    assert result.exit_code == 2
    assert "must define a Stream class and a CONFIG dict" in result.stderr


def test_package_directory(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    package = tmp_path / "pkgsource"
    package.mkdir()
    (package / "__init__.py").write_text("from .stream import Stream, CONFIG\n")
    (package / "stream.py").write_text(
        "from panoply import DataSource\n"
        "CONFIG = {'title': 'Pkg', 'params': []}\n"
        "class Stream(DataSource):\n"
        "    done = False\n"
        "    def read(self):\n"
        "        if self.done:\n"
        "            return None\n"
        "        self.done = True\n"
        "        return [{'a': 1}]\n"
    )
    result = run_cli(str(package), "--to", f"duckdb:///{tmp_path}/w.duckdb")
    assert result.exit_code == 0, result.output
    assert "Loaded 1 rows into 1 table " in result.stdout
    assert "pkgsource" in result.stdout
