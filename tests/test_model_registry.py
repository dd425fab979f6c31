"""The MLflow registry on a temporary root, the promotion gate, rollback, per-class thresholds."""

from datetime import date

import numpy as np
import pytest

from resources.model_gate import gate, read_decisions, rollback, write_decisions
from resources.model_registry import CHALLENGER, CHAMPION, ModelRegistry, load_champion
from resources.storage import LakehouseStorage
from resources.text_models import candidates as cand
from resources.text_models.thresholds import fit_thresholds, review_reasons

WORDS = {
    "network": ["vpn", "dns", "wifi", "proxy"],
    "database": ["sql", "deadlock", "tablespace", "oracle"],
    "inquiry": ["password", "access", "account", "badge"],
}


def corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Texts whose class shows in one of its words, among shared filler words."""
    rng = np.random.default_rng(seed)
    labels = [str(x) for x in rng.choice(sorted(WORDS), n)]
    filler = ["please", "help", "urgent", "issue", "since", "morning", "team", "again"]
    texts = [" ".join([str(rng.choice(WORDS[y])), *rng.choice(filler, 4)]) for y in labels]
    return texts, labels


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return ModelRegistry(str(tmp_path_factory.mktemp("registry") / "appops_home"))


def test_the_embedded_store_lives_under_the_root_and_serves_the_champion(registry, tmp_path):
    assert registry.tracking_uri.startswith("sqlite:///") and registry.tracking_uri.endswith(
        "/mlflow/mlflow.db"
    )
    texts, labels = corpus(120, 0)
    model = cand.tfidf().fit(texts, labels)
    version = registry.log_version(
        "toy",
        model,
        thresholds={"network": {"threshold": 0.5, "target": 0.87}},
        params={"n": 120},
        metrics={"macro_f1": 0.9},
        tags={"trained_on": "2024-01-01"},
    )
    registry.set_alias("toy", CHAMPION, version)
    root = registry.tracking_uri.removeprefix("sqlite:///").removesuffix("/mlflow/mlflow.db")
    served = load_champion("toy", root)
    assert served.version == version and served.thresholds["network"]["threshold"] == 0.5
    assert served.predict(["vpn down please help"]) == ["network"]
    assert served.predict_proba(["vpn"]).shape == (1, 3)
    run = registry.client.get_run(served.meta["run_id"])
    assert run.data.params["n"] == "120" and run.data.metrics["macro_f1"] == 0.9
    assert "git_commit" in run.data.tags
    with pytest.raises(LookupError, match="no champion"):
        load_champion("never_trained", root)


def test_a_worse_challenger_is_not_promoted_and_a_better_one_is(registry):
    texts, labels = corpus(300, 1)
    val_texts, val_truth = corpus(200, 2)
    good = cand.tfidf().fit(texts, labels)
    noisy = cand.tfidf().fit(texts, list(np.random.default_rng(3).permutation(labels)))
    day = date(2024, 5, 1)
    first = registry.log_version("gated", noisy, tags={"trained_on": day.isoformat()})
    assert (
        gate(registry, "gated", first, day, val_texts, val_truth, noisy.predict(val_texts))["action"]
        == "promoted"
    )
    better = registry.log_version("gated", good, tags={"trained_on": day.isoformat()})
    row = gate(registry, "gated", better, day, val_texts, val_truth, good.predict(val_texts))
    assert (
        row["action"] == "promoted" and row["delta_low"] > 0 and registry.alias("gated", CHAMPION) == better
    )
    worse = registry.log_version("gated", noisy, tags={"trained_on": day.isoformat()})
    row = gate(registry, "gated", worse, day, val_texts, val_truth, noisy.predict(val_texts))
    assert row["action"] == "kept" and "worse" in row["reason"]
    assert registry.alias("gated", CHAMPION) == better and registry.alias("gated", CHALLENGER) == worse
    same = registry.log_version(
        "gated", cand.tfidf().fit(texts, labels), tags={"trained_on": day.isoformat()}
    )
    row = gate(registry, "gated", same, day, val_texts, val_truth, good.predict(val_texts))
    assert row["action"] == "kept" and "noise" in row["reason"]  # equal is not better


def test_rollback_moves_the_champion_back_and_is_recorded(registry, tmp_path):
    texts, labels = corpus(100, 4)
    model = cand.tfidf().fit(texts, labels)
    versions = [registry.log_version("rolled", model, tags={"trained_on": "2024-01-01"}) for _ in range(2)]
    registry.set_alias("rolled", CHAMPION, versions[1])
    row = rollback(registry, "rolled", versions[0], date(2024, 1, 2))
    assert registry.alias("rolled", CHAMPION) == versions[0] and row["champion_before"] == versions[1]
    with pytest.raises(ValueError, match="no version '99'"):
        rollback(registry, "rolled", "99", date(2024, 1, 2))
    storage = LakehouseStorage(root=str(tmp_path))
    write_decisions(storage, "rolled", [row])
    write_decisions(storage, "rolled", [row])  # a rollback appends to its day
    assert read_decisions(storage, "rolled")["action"].to_list() == ["rollback", "rollback"]
    write_decisions(storage, "rolled", [], replace_days=[date(2024, 1, 2)])  # a rerun replaces the day
    assert read_decisions(storage, "rolled").height == 0


def test_per_class_thresholds_reach_their_target_on_the_fixture():
    rng = np.random.default_rng(0)
    n = 2000
    truth = rng.choice(["a", "b"], n)
    confidence = rng.uniform(0.34, 1.0, n)
    # the prediction is right with probability = confidence: precision grows with confidence
    right = rng.uniform(size=n) < confidence
    predicted = np.where(right, truth, np.where(truth == "a", "b", "a"))
    found = fit_thresholds(
        list(truth), list(predicted), confidence, ["a", "b", "c"], target=0.87, targets={"b": 0.95}
    )
    for label, target in (("a", 0.87), ("b", 0.95)):
        mine = (predicted == label) & (confidence >= found[label]["threshold"])
        assert (truth[mine] == label).mean() >= target
        assert 0 < found[label]["coverage"] < 1
    assert found["b"]["threshold"] > found["a"]["threshold"]
    assert found["c"]["threshold"] > 1  # never predicted on validation: never answered
    reasons = review_reasons(["a", "a", "c"], [0.99, 0.35, 0.99], found)
    assert reasons[0] is None and "below 'a' threshold" in reasons[1] and "never reached" in reasons[2]


def test_two_roots_in_one_process_keep_two_registries(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first, second = ModelRegistry(str(tmp_path / "a")), ModelRegistry(str(tmp_path / "b"))
    texts, labels = corpus(60, 5)
    first.log_version("only_in_a", cand.tfidf().fit(texts, labels))
    assert first.versions("only_in_a") == ["1"] and second.versions("only_in_a") == []
    assert ModelRegistry(str(tmp_path / "c")).versions("only_in_a") == []


def test_forecasting_selections_are_registered_versions_and_a_rerun_finds_its_own(tmp_path):
    """Each selection run is one run and one registered version of ``forecast.<grain>`` tagged
    with its origin; a day finds the newest version of its own origin or before holding the
    series (never a later one), and a second selection of the same origin replaces the first
    for that day only."""
    from resources.forecasting.store import ModelStore

    storage = LakehouseStorage(root=str(tmp_path / "appops_home"))
    store = ModelStore(storage, "daily")
    series, first, later = "api/orders calls", date(2025, 6, 2), date(2025, 6, 9)
    store.save(series, first, {"model": "naive", "members": ["naive"]}, {"naive": {"fit": 1}})
    store.save(series, later, {"model": "theta", "members": ["theta"]}, {"theta": {"fit": 2}})
    assert store.latest(series, date(2025, 6, 1)) is None
    assert store.latest(series, date(2025, 6, 8)) == first  # no look-ahead
    assert store.load(series, first)[0]["model"] == "naive"
    store.save(series, first, {"model": "ets", "members": ["ets"]}, {"ets": {"fit": 3}})  # rerun
    meta, members = store.load(series, first)
    assert meta["model"] == "ets" and members == {"ets": {"fit": 3}}
    assert store.load(series, later)[0]["model"] == "theta"

    again = ModelStore(storage, "daily")  # a new process sees the same registry
    name = again.model_name
    assert name == "forecast.daily"
    registry = ModelRegistry(storage.root)
    assert registry.versions(name) == ["1", "2", "3"]
    assert registry.version_tags(name, "3")["origin"] == first.isoformat()
    assert registry.alias(name, CHAMPION) == "2"  # the newest origin serves
    assert again.latest(series, later) == later
    assert again.load(series, first)[0]["model"] == "ets"
    folder = registry.client.get_model_version(name, "3").source
    assert folder.startswith(str(storage.models("forecasting", "daily")))  # artefacts under the root
    assert not (tmp_path / "appops_home" / "models" / "forecasting" / "daily" / "api__orders_calls").exists()


def _write_four_origins(args) -> list[tuple[date, dict, str]]:
    """What a worker does: fit (here: a stand-in) and write folders, never the registry."""
    store, i = args
    out = []
    for k in range(4):
        meta = {"series_id": f"s{i}", "model": "naive", "members": ["naive"]}
        out.append(
            (date(2025, 1, 1 + k), meta, store.write(f"s{i}", date(2025, 1, 1 + k), meta, {"naive": i}))
        )
    return out


def test_forecasting_selections_written_by_parallel_processes_are_one_run_per_origin(tmp_path):
    """Series are fitted in a process pool: the workers write their folders, the parent
    registers one run and one version per origin for all of them, and every series lands."""
    from concurrent.futures import ProcessPoolExecutor

    from resources.forecasting.store import ModelStore

    storage = LakehouseStorage(root=str(tmp_path / "appops_home"))
    store = ModelStore(storage, "daily")
    with ProcessPoolExecutor(3) as pool:
        written = [w for ws in pool.map(_write_four_origins, [(store, i) for i in range(6)]) for w in ws]
    for k in range(4):
        origin = date(2025, 1, 1 + k)
        store.register(origin, [(meta, folder) for o, meta, folder in written if o == origin])
    registry = ModelRegistry(storage.root)
    assert registry.versions("forecast.daily") == ["1", "2", "3", "4"]
    runs = registry.client.search_runs([registry._experiment("forecast_daily")])
    assert len(runs) == 4 and {r.data.metrics["series"] for r in runs} == {6.0}
    fresh = ModelStore(storage, "daily")
    assert [fresh.latest(f"s{i}", date(2025, 1, 9)) for i in range(6)] == [date(2025, 1, 4)] * 6
    assert fresh.load("s5", date(2025, 1, 3))[1] == {"naive": 5}
    assert store.latest("s2", date(2025, 1, 2)) == fresh.latest("s2", date(2025, 1, 2)) == date(2025, 1, 2)


def test_a_registry_write_meeting_a_locked_database_is_retried_alone(monkeypatch):
    """Two steps may register at the same moment in the embedded SQLite registry: a call that
    meets the lock is tried again (and only that call); any other error is raised at once."""
    from resources import model_registry

    monkeypatch.setattr(model_registry.time, "sleep", lambda _: None)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "written"

    assert model_registry.retry_locked(flaky) == "written" and len(calls) == 3

    def broken():
        calls.append(1)
        raise RuntimeError("no such table")

    calls.clear()
    with pytest.raises(RuntimeError, match="no such table"):
        model_registry.retry_locked(broken)
    assert len(calls) == 1
