"""DataSource helpers and background_progress."""

from __future__ import annotations

import base64
import logging
import threading
from typing import Any

import pytest

import panoply
from panoply import DataSource, background_progress


class TestDataSource:
    """The base class that data sources subclass."""

    def test_keeps_the_source_dict_itself(self) -> None:
        source = {"type": "demo"}
        datasource = DataSource(source, {"a": 1})
        assert datasource.source is source
        assert datasource.options == {"a": 1}

    def test_accepts_keywords(self) -> None:
        source: dict[str, Any] = {}
        datasource = DataSource(source=source, options={"b": 2})
        assert datasource.source is source
        assert datasource.options == {"b": 2}

    def test_read_is_abstract(self) -> None:
        with pytest.raises(NotImplementedError, match="DataSource must implement read"):
            DataSource({}).read()

    def test_log_passes_the_tuple_to_options_logger(self) -> None:
        received: list[tuple[Any, ...]] = []
        DataSource({}, {"logger": received.append}).log("page", 3, {"rows": 10})
        assert received == [("page", 3, {"rows": 10})]

    def test_log_without_logger_uses_logging(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="panoply.datasource"):
            DataSource({}).log("page", 3, {"rows": 10})
        assert caplog.messages == ["page 3 {'rows': 10}"]

    def test_events(self) -> None:
        datasource = DataSource({})
        named: list[Any] = []
        everything: list[tuple[str, Any]] = []
        datasource.on("progress", named.append)
        datasource.on("*", lambda name, data: everything.append((name, data)))

        datasource.progress(5, 10, "halfway")
        datasource.state("s1", {"page": 2})
        datasource.fire("custom", 7)

        assert named == [{"loaded": 5, "total": 10, "msg": "halfway"}]
        assert everything == [
            ("progress", {"loaded": 5, "total": 10, "msg": "halfway"}),
            ("source-state", {"stateId": "s1", "state": {"page": 2}}),
            ("custom", 7),
        ]

    def test_raw_encodes_base64(self) -> None:
        raw = DataSource({}).raw("data.csv", b"a,b\n1,2\n", {"file": "data.csv"})
        assert raw == {
            "type": "raw",
            "tag": "data.csv",
            "raw": base64.b64encode(b"a,b\n1,2\n").decode("ascii"),
            "metadata": {"file": "data.csv"},
        }

    def test_subclass_without_super_init_fires(self) -> None:
        class Bare(DataSource):
            def __init__(self, source: dict[str, Any], options: dict[str, Any]) -> None:
                self.source = source
                self.options = options

        received: list[Any] = []
        bare = Bare({}, {})
        bare.on("progress", received.append)
        bare.progress(None, None, "x")
        assert received == [{"loaded": None, "total": None, "msg": "x"}]

    def test_public_names(self) -> None:
        assert panoply.DataSource is DataSource
        assert panoply.PanoplyException is panoply.errors.PanoplyException


class TestBackgroundProgress:
    """Keep-alive progress events during a long call."""

    def test_decorator_fires_until_the_call_ends(self) -> None:
        enough = threading.Event()
        events: list[Any] = []

        class Slow(DataSource):
            @background_progress("waiting for export", waiting_interval=0.01)
            def read(self, n: int | None = None) -> list[dict[str, Any]] | None:
                assert enough.wait(10)
                return None

        slow = Slow({})

        def record(data: Any) -> None:
            events.append(data)
            if len(events) == 3:
                enough.set()

        slow.on("progress", record)
        assert slow.read() is None
        count = len(events)
        assert count >= 3
        assert events[0] == {"loaded": None, "total": None, "msg": "waiting for export"}
        assert not any(t.name == "panoply-progress" for t in threading.enumerate())
        assert len(events) == count

    def test_stops_after_timeout(self) -> None:
        events: list[Any] = []
        datasource = DataSource({})
        datasource.on("progress", events.append)
        reporter = background_progress(
            "slow", waiting_interval=0.01, timeout=0.05, datasource=datasource
        )
        with reporter:
            thread = reporter._thread
            assert thread is not None
            thread.join(10)
            assert not thread.is_alive()
        assert len(events) == 4  # at 0.01, 0.02, 0.03 and 0.04 s; none at the timeout

    def test_exception_stops_the_thread(self) -> None:
        class Failing(DataSource):
            @background_progress("x", waiting_interval=0.01)
            def read(self, n: int | None = None) -> None:
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            Failing({}).read()
        assert not any(t.name == "panoply-progress" for t in threading.enumerate())

    def test_context_manager_needs_datasource(self) -> None:
        with pytest.raises(TypeError, match="needs datasource="), background_progress("x"):
            pass

    def test_rejects_non_positive_interval(self) -> None:
        with pytest.raises(ValueError, match="waiting_interval must be positive"):
            background_progress("x", waiting_interval=0)
