"""Tests of the sql data source on bokeh_sampledata's movies database, in SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from examples.sources._testing import drain, package_data, run_panoply, source_dir
from examples.sources.sql import CONFIG, Stream
from panoply.errors import PanoplyException

OMDB_ROWS = 17_472
OMDB_COLUMNS = [
    "ID",
    "imdbID",
    "Title",
    "Year",
    "Rating",
    "Runtime",
    "Genre",
    "Released",
    "Director",
    "Writer",
    "Cast",
    "Metacritic",
    "imdbRating",
    "imdbVotes",
    "Language",
    "Country",
    "Awards",
    "lastUpdated",
    "Oscars",
]
FIRST_MOVIE = {
    "ID": 372,
    "imdbID": "tt0498329",
    "Title": "We Live in Public",
    "Year": 2009,
    "Rating": None,
    "Runtime": 90.0,
    "Genre": "Documentary",
    "Released": "2009-01-19",
    "Director": "Ondi Timoner",
    "Writer": "Ondi Timoner",
    "Cast": "",
    "Metacritic": None,
    "imdbRating": None,
    "imdbVotes": None,
    "Language": "English",
    "Country": "United States",
    "Awards": None,
    "lastUpdated": "2026-10-18",
    "Oscars": 0,
    "__tablename": "omdb",
}
EIGHT_AND_A_HALF = {
    "ID": 12018,
    "imdbID": "tt0056801",
    "Title": "8½",
    "Year": 1963,
    "Rating": None,
    "Runtime": 138.0,
    "Genre": "Comedy, Drama, Fantasy",
    "Released": "1963-02-14",
    "Director": "Federico Fellini",
    "Writer": "Brunello Rondi, Ennio Flaiano, Federico Fellini, Tullio Pinelli",
    "Cast": (
        "Abdalqadir as-Sufi, Annibale Ninchi, Annie Gorassini, Anouk Aimée, Antonio Acqua, "
        "Barbara Steele, Caterina Boratto, Claudia Cardinale, Dina De Santis, Eddra Gale, "
        "Edward Fleming, Edy Vessel, Eugene Walter, Giuditta Rissone, Giuliana Calandra, "
        "Giulio Calì, Giulio Paradisi, Guido Alberti, Jean Rougeul, John Francis Lane, "
        "John Karlsen, John Stacy, Madeleine LeBeau, Marcello Mastroianni, "
        "Maria Antonietta Beluzzi, Maria Tedeschi, Mario Conocchia, Mario Pisu, "
        "Marisa Colomber, Mark Herron, Mino Doro, Nadine Sanders, Olimpia Cavalli, Polidor, "
        "Roberto Nicolosi, Rossella Como, Rossella Falk, Sandra Milo"
    ),
    "Metacritic": 93,
    "imdbRating": None,
    "imdbVotes": None,
    "Language": "Italian",
    "Country": "France, Italy",
    "Awards": "Won 2 Oscars. Nominated for 4 Oscars.",
    "lastUpdated": "2026-10-18",
    "Oscars": 2,
    "__tablename": "omdb",
}
# A movie without a runtime, with non-ASCII names.
THREE_WORLDS = {
    "ID": 59026,
    "imdbID": "tt2369497",
    "Title": "Three Worlds",
    "Year": 2012,
    "Rating": None,
    "Runtime": None,
    "Genre": "Drama",
    "Released": "2012-01-01",
    "Director": "Catherine Corsini",
    "Writer": "Benoît Graffin, Catherine Corsini",
    "Cast": (
        "Adèle Haenel, Alban Aumard, Arta Dobroshi, Clotilde Hesme, Jean-Pierre Malo, "
        "Laurent Capelluto, Raphaël Personnaz, Rasha Bukvic, Reda Kateb"
    ),
    "Metacritic": None,
    "imdbRating": None,
    "imdbVotes": None,
    "Language": "French, Romanian",
    "Country": "France",
    "Awards": None,
    "lastUpdated": "2026-10-18",
    "Oscars": 0,
    "__tablename": "omdb",
}
MAX_ID = 114_397_746
NEW_MOVIES = [
    (MAX_ID + 1, "tt9000001", "Ça commence", 2025, None, 95.0, "Drama", "2025-03-01"),
    (MAX_ID + 2, "tt9000002", "東京の夜", 2025, "PG", None, "Drama", "2025-04-02"),
    (MAX_ID + 3, "tt9000003", "Zoë", 2026, None, 101.5, "Comedy", "2026-01-15"),
]


def new_movie_record(movie: tuple[Any, ...]) -> dict[str, Any]:
    """The record of a row of NEW_MOVIES: the other columns are NULL."""
    named = dict(
        zip(
            ["ID", "imdbID", "Title", "Year", "Rating", "Runtime", "Genre", "Released"],
            movie,
            strict=True,
        )
    )
    return {**dict.fromkeys(OMDB_COLUMNS), **named, "__tablename": "omdb"}


def new_source(url: str, **params: Any) -> dict[str, Any]:
    return {"type": "sql", "id": "sql-test", "database": "test", "url": url, **params}


def by_id(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {record["ID"]: record for record in records}


@pytest.fixture
def movies_db(tmp_path: Path) -> Path:
    """A copy of movies.db that a test may add rows to."""
    path = tmp_path / "movies.db"
    shutil.copy(package_data("bokeh_sampledata", "_data", "movies.db"), path)
    return path


def insert_sqlite_movies(path: Path, movies: list[tuple[Any, ...]]) -> None:
    with sqlite3.connect(path) as connection:
        connection.executemany(
            'INSERT INTO omdb ("ID", "imdbID", "Title", "Year", "Rating", "Runtime", "Genre", '
            '"Released") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            movies,
        )
    connection.close()


class TestSqlite:
    """The omdb table of movies.db through sqlite3."""

    def test_full_load(self, movies_db: Path) -> None:
        run = drain(Stream(new_source(f"sqlite://{movies_db}", tables=["omdb"]), {}))
        assert len(run.records) == OMDB_ROWS
        assert run.records[0] == FIRST_MOVIE
        assert list(run.records[0]) == [*OMDB_COLUMNS, "__tablename"]
        movies = by_id(run.records)
        assert len(movies) == OMDB_ROWS
        assert movies[12018] == EIGHT_AND_A_HALF
        assert movies[59026] == THREE_WORLDS

    def test_incremental_full_load_order_and_state(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="ID")
        run = drain(Stream(source, {}))
        ids = [record["ID"] for record in run.records]
        assert len(ids) == OMDB_ROWS
        assert ids == sorted(ids)
        assert run.batches == 9
        assert run.states[-1] == {"stateId": "omdb:17472", "state": {"omdb": {"incval": MAX_ID}}}
        assert run.progress[-1] == {"loaded": 17472, "total": 17472, "msg": "table omdb"}

    def test_routing_without_primary_key(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"])
        Stream(source, {}).close()
        assert source["destination"] == "sql_{__tablename}"
        assert "idpattern" not in source

    def test_second_run_loads_only_new_rows(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="ID")
        first = drain(Stream(source, {}))
        assert len(first.records) == OMDB_ROWS
        assert source["incvals"] == {"omdb": MAX_ID}

        # The runtime clears the state after a finished run and keeps the source.
        insert_sqlite_movies(movies_db, NEW_MOVIES)
        second = drain(Stream(source, {}))
        assert second.records == [new_movie_record(movie) for movie in NEW_MOVIES]
        assert second.merged_state() == {"omdb": {"incval": MAX_ID + 3}}
        assert source["incvals"] == {"omdb": MAX_ID + 3}

        third = drain(Stream(source, {}))
        assert third.records == []
        assert third.progress == []
        assert source["incvals"] == {"omdb": MAX_ID + 3}

    def test_resume_from_state_loads_only_new_rows(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="ID")
        first = drain(Stream(dict(source), {}))
        insert_sqlite_movies(movies_db, NEW_MOVIES)
        second = drain(Stream({**source, "state": first.merged_state()}, {}))
        assert second.records == [new_movie_record(movie) for movie in NEW_MOVIES]

    def test_each_table_keeps_its_own_value(self, tmp_path: Path) -> None:
        path = tmp_path / "two.db"
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE big (id INTEGER PRIMARY KEY)")
            connection.execute("CREATE TABLE small (id INTEGER PRIMARY KEY)")
            connection.executemany("INSERT INTO big VALUES (?)", [(n,) for n in range(1, 101)])
            connection.executemany("INSERT INTO small VALUES (?)", [(n,) for n in range(1, 4)])
        connection.close()
        source = new_source(f"sqlite://{path}", inckey="id")
        assert len(drain(Stream(source, {})).records) == 103

        # As the runtime does: incval becomes the greatest value over every table.
        source["incval"] = 100
        with sqlite3.connect(path) as connection:
            connection.execute("INSERT INTO small VALUES (4)")
        connection.close()
        run = drain(Stream(source, {}))
        assert run.records == [{"id": 4, "__tablename": "small"}]
        assert source["incvals"] == {"big": 100, "small": 4}

    def test_table_done_before_a_failure_keeps_its_value(self, tmp_path: Path) -> None:
        path = tmp_path / "two.db"
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE a (id INTEGER PRIMARY KEY)")
            connection.execute("CREATE TABLE b (id INTEGER PRIMARY KEY)")
            connection.executemany("INSERT INTO a VALUES (?)", [(1,), (2,)])
            connection.executemany("INSERT INTO b VALUES (?)", [(1,), (2,), (3,)])
        connection.close()
        # The previous attempt stored table a and stopped in table b.
        source = new_source(
            f"sqlite://{path}", inckey="id", state={"a": {"incval": 2}, "b": {"incval": 1}}
        )
        run = drain(Stream(source, {}))
        assert run.records == [{"id": 2, "__tablename": "b"}, {"id": 3, "__tablename": "b"}]
        assert source["incvals"] == {"a": 2, "b": 3}

    def test_resume_mid_table(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="ID")
        whole = drain(Stream(dict(source), {}), n=1000)
        first = drain(Stream(dict(source), {}), batches=3, n=1000)
        assert first.merged_state() == {"omdb": {"incval": 521484}}

        rest = drain(Stream({**source, "state": first.merged_state()}, {}), n=1000)
        assert len(rest.records) == 14_472
        assert first.records + rest.records == whole.records

    def test_incval_param_as_text(self, movies_db: Path) -> None:
        source = new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="ID", incval="2000000")
        run = drain(Stream(source, {}))
        assert len(run.records) == 7324
        assert min(record["ID"] for record in run.records) > 2_000_000

    def test_state_wins_over_incval(self, movies_db: Path) -> None:
        state = {"omdb": {"incval": 19019141}}
        source = new_source(
            f"sqlite://{movies_db}", tables=["omdb"], inckey="ID", incval="0", state=state
        )
        assert len(drain(Stream(source, {})).records) == OMDB_ROWS - 17001

    def test_all_tables_when_none_chosen(self, movies_db: Path) -> None:
        run = drain(Stream(new_source(str(movies_db)), {}))
        tables = [record["__tablename"] for record in run.records]
        assert tables.count("omdb") == OMDB_ROWS
        assert tables.count("tomatoes") == 17_472
        assert run.states == []

    def test_tables_param_values(self, movies_db: Path) -> None:
        (tables_param,) = [param for param in CONFIG["params"] if param["name"] == "tables"]
        assert tables_param["type"] == "list"
        assert tables_param["values"]({"url": f"sqlite://{movies_db}"}) == ["omdb", "tomatoes"]

    def test_tables_as_values_items_or_text(self, movies_db: Path) -> None:
        url = f"sqlite://{movies_db}"
        for tables in ([{"name": "omdb", "value": "omdb"}], "omdb", " omdb ,"):
            run = drain(Stream(new_source(url, tables=tables), {}), batches=1)
            assert {record["__tablename"] for record in run.records} == {"omdb"}

    def test_idpattern_from_primary_key(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.db"
        with sqlite3.connect(path) as connection:
            connection.execute(
                "CREATE TABLE item (shop TEXT, sku INTEGER, name TEXT, PRIMARY KEY (sku, shop))"
            )
            connection.execute("INSERT INTO item VALUES ('north', 7, 'pen'), ('south', 7, NULL)")
        connection.close()

        source = new_source(f"sqlite://{path}")
        run = drain(Stream(source, {}))
        assert source["idpattern"] == "{sku}#{shop}"
        assert run.records == [
            {"shop": "north", "sku": 7, "name": "pen", "__tablename": "item"},
            {"shop": "south", "sku": 7, "name": None, "__tablename": "item"},
        ]


class TestErrors:
    """Bad params fail without retry, with the fix in the message and no password."""

    def test_missing_sqlite_file(self, tmp_path: Path) -> None:
        missing = str(tmp_path / "none.db")
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(f"sqlite://{missing}"), {})
        assert str(raised.value).startswith(f"SQLite database file {missing!r} was not found")
        assert raised.value.retryable is False
        assert not Path(missing).exists()

    def test_missing_url(self) -> None:
        with pytest.raises(PanoplyException, match="param 'url' is missing") as raised:
            Stream({"type": "sql", "id": "x", "database": "d"}, {})
        assert raised.value.retryable is False

    def test_unknown_table(self, movies_db: Path) -> None:
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(f"sqlite://{movies_db}", tables=["films"]), {})
        assert str(raised.value) == (
            "table 'films' was not found; the database has: omdb, tomatoes. Check --tables"
        )
        assert raised.value.retryable is False

    def test_unknown_inckey(self, movies_db: Path) -> None:
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(f"sqlite://{movies_db}", tables=["omdb"], inckey="id"), {})
        assert str(raised.value) == (
            "incremental key column 'id' was not found in table 'omdb', which has: "
            + ", ".join(OMDB_COLUMNS)
            + "; check --inckey"
        )
        assert raised.value.retryable is False

    def test_unsupported_url(self) -> None:
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source("mysql://admin:hunter2@127.0.0.1/shop"), {})
        assert "hunter2" not in str(raised.value)
        assert str(raised.value).startswith(
            "unsupported database URL 'mysql://admin:***@127.0.0.1/shop'"
        )
        assert raised.value.retryable is False

    def test_refused_postgres_connection(self) -> None:
        url = "postgresql://reader:hunter2@127.0.0.1:1/shop"
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(url), {})
        message = str(raised.value)
        assert message.startswith(
            "cannot connect to PostgreSQL at postgresql://reader:***@127.0.0.1:1/shop: "
        )
        assert "hunter2" not in message
        assert "hunter2" not in repr(raised.value.__cause__)
        assert raised.value.retryable is True


POSTGRES_COLUMNS = """
    "ID" integer PRIMARY KEY, "imdbID" text, "Title" text, "Year" integer, "Rating" text,
    "Runtime" double precision, "Genre" text, "Released" date, "Director" text,
    "Writer" text, "Cast" text, "Metacritic" integer, "imdbRating" double precision,
    "imdbVotes" integer, "Language" text, "Country" text, "Awards" text,
    "lastUpdated" date, "Oscars" integer
"""


@pytest.fixture
def postgres_movies(postgres_dsn: str) -> Iterator[str]:
    """A fresh schema holding omdb (with ID as primary key), copied from movies.db."""
    schema = f"movies_{uuid.uuid4().hex[:8]}"
    source = sqlite3.connect(package_data("bokeh_sampledata", "_data", "movies.db"))
    rows = source.execute("SELECT * FROM omdb").fetchall()
    source.close()

    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(f'CREATE TABLE "{schema}".omdb ({POSTGRES_COLUMNS})')
        with connection.cursor() as cursor, cursor.copy(f'COPY "{schema}".omdb FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    yield schema

    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def with_schema(record: dict[str, Any], schema: str) -> dict[str, Any]:
    return {**record, "__schemaname": schema}


@pytest.mark.postgres
class TestPostgres:
    """The same omdb rows in a real PostgreSQL server, with dates and a primary key."""

    def test_full_load(self, postgres_dsn: str, postgres_movies: str) -> None:
        source = new_source(postgres_dsn, tables=[f"{postgres_movies}.omdb"])
        run = drain(Stream(source, {}))
        assert len(run.records) == OMDB_ROWS
        assert run.records[0] == with_schema(FIRST_MOVIE, postgres_movies)
        movies = by_id(run.records)
        assert movies[12018] == with_schema(EIGHT_AND_A_HALF, postgres_movies)
        assert movies[59026] == with_schema(THREE_WORLDS, postgres_movies)
        assert source["destination"] == "sql_{__tablename}"
        assert source["idpattern"] == "{ID}"

    def test_unqualified_table_name(self, postgres_dsn: str, postgres_movies: str) -> None:
        run = drain(Stream(new_source(postgres_dsn, tables=["omdb"]), {}), batches=1, n=5)
        assert [record["ID"] for record in run.records] == [372, 593, 595, 1365, 2201]

    def test_second_run_loads_only_new_rows(self, postgres_dsn: str, postgres_movies: str) -> None:
        table = f"{postgres_movies}.omdb"
        source = new_source(postgres_dsn, tables=[table], inckey="ID")
        first = drain(Stream(dict(source), {}))
        assert len(first.records) == OMDB_ROWS
        assert first.merged_state() == {table: {"incval": MAX_ID}}

        with (
            psycopg.connect(postgres_dsn, autocommit=True) as connection,
            connection.cursor() as cursor,
        ):
            cursor.executemany(
                f'INSERT INTO {table} ("ID", "imdbID", "Title", "Year", "Rating", "Runtime", '
                '"Genre", "Released") VALUES (%s, %s, %s, %s, %s, %s, %s, %s)',
                NEW_MOVIES,
            )

        second = drain(Stream({**source, "state": first.merged_state()}, {}))
        assert second.records == [
            with_schema(new_movie_record(movie), postgres_movies) for movie in NEW_MOVIES
        ]
        assert second.merged_state() == {table: {"incval": MAX_ID + 3}}

    def test_incremental_by_date(self, postgres_dsn: str, postgres_movies: str) -> None:
        table = f"{postgres_movies}.omdb"
        source = new_source(postgres_dsn, tables=[table], inckey="Released", incval="2014-06-01")
        run = drain(Stream(source, {}))
        released = [record["Released"] for record in run.records]
        assert len(released) == 196
        assert released == sorted(released)
        assert released[0] > "2014-06-01"
        assert run.merged_state() == {table: {"incval": "2014-12-30"}}

        again = drain(Stream({**source, "state": run.merged_state()}, {}))
        assert again.records == []

    def test_tables_param_values(self, postgres_dsn: str, postgres_movies: str) -> None:
        (tables_param,) = [param for param in CONFIG["params"] if param["name"] == "tables"]
        assert f"{postgres_movies}.omdb" in tables_param["values"]({"url": postgres_dsn})


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()


class TestPanoplyRun:
    """`panoply run` loads omdb into DuckDB, and a second run adds only the new rows."""

    def test_incremental_runs_into_duckdb(self, movies_db: Path) -> None:
        workdir = str(movies_db.parent)
        arguments = ["run", source_dir("sql"), "--url", "sqlite://movies.db", "--tables", "omdb"]
        arguments += ["--inckey", "ID", "--to", "duckdb://warehouse.duckdb"]
        first = run_panoply(*arguments, cwd=workdir)
        assert first.returncode == 0, first.stderr
        database = movies_db.parent / "warehouse.duckdb"
        assert query(database, 'SELECT count(*), count(DISTINCT "ID") FROM sql_omdb') == [
            (OMDB_ROWS, OMDB_ROWS)
        ]
        # imdbRating and imdbVotes are NULL in every row, so DuckDB gets no column for them.
        loaded = [column for column in [*OMDB_COLUMNS, "__tablename"] if column[:4] != "imdb"]
        loaded.insert(1, "imdbID")
        stored = query(
            database,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'sql_omdb' ORDER BY ordinal_position",
        )
        assert [name for (name,) in stored] == loaded
        columns = ", ".join(f'"{column}"' for column in loaded)
        assert query(database, f'SELECT {columns} FROM sql_omdb WHERE "ID" = 12018') == [
            tuple(EIGHT_AND_A_HALF[column] for column in loaded)
        ]
        assert query(database, f'SELECT {columns} FROM sql_omdb WHERE "ID" = 59026') == [
            tuple(THREE_WORLDS[column] for column in loaded)
        ]

        insert_sqlite_movies(movies_db, NEW_MOVIES)
        second = run_panoply(*arguments, cwd=workdir)
        assert second.returncode == 0, second.stderr
        assert query(database, "SELECT count(*) FROM sql_omdb") == [(OMDB_ROWS + 3,)]
        assert query(
            database, f'SELECT {columns} FROM sql_omdb WHERE "ID" > {MAX_ID} ORDER BY "ID"'
        ) == [tuple(new_movie_record(movie)[column] for column in loaded) for movie in NEW_MOVIES]


@pytest.mark.postgres
def test_postgres_runs_into_duckdb(postgres_dsn: str, postgres_movies: str, tmp_path: Path) -> None:
    table = f"{postgres_movies}.omdb"
    arguments = ["run", source_dir("sql"), "--url", postgres_dsn, "--tables", table]
    arguments += ["--inckey", "ID", "--to", "duckdb://warehouse.duckdb"]
    database = tmp_path / "warehouse.duckdb"

    first = run_panoply(*arguments, cwd=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert query(database, 'SELECT count(*), count(DISTINCT "ID") FROM sql_omdb') == [
        (OMDB_ROWS, OMDB_ROWS)
    ]
    assert query(database, 'SELECT "Title" FROM sql_omdb WHERE "ID" = 12018') == [
        (EIGHT_AND_A_HALF["Title"],)
    ]

    with (
        psycopg.connect(postgres_dsn, autocommit=True) as connection,
        connection.cursor() as cursor,
    ):
        cursor.executemany(
            f'INSERT INTO {table} ("ID", "imdbID", "Title", "Year", "Rating", "Runtime", '
            '"Genre", "Released") VALUES (%s, %s, %s, %s, %s, %s, %s, %s)',
            NEW_MOVIES,
        )
    second = run_panoply(*arguments, cwd=str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert query(database, 'SELECT count(*), count(DISTINCT "ID") FROM sql_omdb') == [
        (OMDB_ROWS + 3, OMDB_ROWS + 3)
    ]
    assert query(database, f'SELECT "ID" FROM sql_omdb WHERE "ID" > {MAX_ID} ORDER BY 1') == [
        (movie[0],) for movie in NEW_MOVIES
    ]
