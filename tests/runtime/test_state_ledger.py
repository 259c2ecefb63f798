"""The state commit rule of StateLedger, and the runner's transactions."""

from __future__ import annotations

from typing import Any

from panoply.runtime.display import LogDisplay
from panoply.runtime.runner import Runner, RunSettings
from panoply.runtime.secrets import SecretMasker
from panoply.runtime.state import PendingRecord, StateLedger


def pending(n: int, state_id: Any = None) -> PendingRecord:
    return PendingRecord("t", {"n": n}, state_id)


class TestStateLedger:
    """When a state counts."""

    def test_open_state_covers_nothing(self) -> None:
        ledger = StateLedger()
        ledger.fire_state(1, {"page": 1})
        ledger.add(pending(0, 1))
        assert ledger.covered == 0
        assert ledger.take_covered() == ([], None)

    def test_next_state_closes_the_previous(self) -> None:
        ledger = StateLedger()
        ledger.add(pending(0))
        ledger.fire_state(1, {"page": 1})
        ledger.add(pending(1, 1))
        ledger.fire_state(2, {"page": 2, "extra": True})
        ledger.add(pending(2, 2))

        records, state = ledger.take_covered()
        assert [record.record["n"] for record in records] == [0, 1]
        assert state == {"page": 1}
        assert ledger.buffered == 1

    def test_states_merge(self) -> None:
        ledger = StateLedger(committed_state={"a": 1, "b": 1})
        ledger.fire_state("x", {"b": 2})
        ledger.fire_state("y", {"c": 3})
        _, state = ledger.take_covered()
        assert state == {"a": 1, "b": 2}
        ledger.end_of_stream()
        _, state = ledger.take_covered()
        assert state == {"a": 1, "b": 2, "c": 3}

    def test_end_of_stream_covers_everything(self) -> None:
        ledger = StateLedger()
        ledger.fire_state(1, {"page": 1})
        ledger.add(pending(0, 1))
        ledger.add(pending(1, 1))
        ledger.end_of_stream()
        records, state = ledger.take_covered()
        assert len(records) == 2
        assert state == {"page": 1}

    def test_discard_returns_to_committed(self) -> None:
        ledger = StateLedger(committed_state={"page": 3})
        ledger.fire_state(4, {"page": 4})
        ledger.add(pending(0, 4))
        ledger.fire_state(5, {"page": 5})
        ledger.discard_uncommitted()
        assert ledger.buffered == 0
        assert ledger.take_covered() == ([], None)
        ledger.end_of_stream()
        assert ledger.take_covered() == ([], {"page": 3})

    def test_snapshot_not_changed_by_source(self) -> None:
        ledger = StateLedger()
        state: dict[str, Any] = {"cursor": [1]}
        ledger.fire_state(1, state)
        state["cursor"].append(2)
        ledger.fire_state(2, {"other": 1})
        assert ledger.take_covered()[1] == {"cursor": [1]}


PAGES = 4


class PagedStream:
    """A plain class, not a DataSource: no events, read(self) only."""

    def __init__(self, source: dict[str, Any], options: dict[str, Any]) -> None:
        self.source = source
        self.page = 0

    def read(self) -> list[dict[str, Any]] | None:
        if self.page == PAGES:
            return None
        self.page += 1
        return [{"id": self.page, "value": self.page * 10}]


def test_runner_without_events(list_destination: Any) -> None:
    source: dict[str, Any] = {"type": "Plain", "id": "plain-1"}
    settings = RunSettings(
        name="plain",
        stream_class=PagedStream,
        source=source,
        options={},
        destination=list_destination,
        masker=SecretMasker(),
        display=LogDisplay("plain"),
    )
    summary = Runner(settings).run()

    assert summary.rows == {"plain": 4}
    assert len(list_destination.writes) == 1
    batches, checkpoint = list_destination.writes[0]
    assert [(batch.table, batch.key) for batch in batches] == [("plain", "id")]
    assert batches[0].records == [{"id": n, "value": n * 10} for n in range(1, 5)]
    assert checkpoint.source_id == "plain-1"
    assert checkpoint.state == {}
    assert "state" not in checkpoint.source
    assert "__batchSize" not in checkpoint.source
    assert checkpoint.source["type"] == "Plain"
