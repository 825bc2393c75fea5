"""`--mlflow`: a tiny run's parameters, metric series and files, read back with MLflow's own client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minigrad.cli import main
from minigrad.training import loop, tracking

TINY = ["--steps", "9", "--warmup-steps", "2", "--d-model", "16", "--n-heads", "2", "--n-layers", "1"]
TINY += ["--d-ff", "32", "--batch-size", "4", "--val-every", "4", "--checkpoint-every", "4"]


def _client(run_dir: Path):  # type: ignore[no-untyped-def]
    import mlflow  # the test group installs it (CI too); without it the command above has already failed

    client = mlflow.MlflowClient(tracking_uri=(run_dir / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name(tracking.EXPERIMENT)
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    return client, run


def test_run_with_mlflow_logs_params_metrics_and_artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", "--out", str(out), *TINY, "--inspect", "--mlflow"]) == 0
    assert f"MLflow: parameters, metrics and files logged to {(out / 'mlruns').resolve()}" in capsys.readouterr().out
    client, run = _client(out)
    assert run.info.status == "FINISHED" and run.info.run_name == "run"
    manifest = json.loads((out / loop.MANIFEST).read_text("utf-8"))
    # every field of the configuration, as the manifest holds it (MLflow keeps parameters as strings)
    assert {k: v for k, v in run.data.params.items() if k != "git_sha"} == {
        k: str(v) for k, v in manifest["config"].items()
    }
    assert run.data.params["steps"] == "9" and run.data.params["d_model"] == "16"
    records = [json.loads(line) for line in (out / loop.LOG).read_text("utf-8").splitlines()]
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == list(range(1, 10))  # one per logged step
    assert [m.value for m in sorted(history, key=lambda m: m.step)] == [r["loss"] for r in records]
    val = sorted(client.get_metric_history(run.info.run_id, "val_loss"), key=lambda m: m.step)
    assert [m.step for m in val] == [4, 8, 9]  # every 4 steps, and the last
    assert [m.value for m in val] == [records[s - 1]["val_loss"] for s in (4, 8, 9)]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {loop.MANIFEST, loop.CHECKPOINT, loop.LOG, "dashboard.html"} <= artifacts
    local = Path(client.download_artifacts(run.info.run_id, loop.CHECKPOINT, str(tmp_path)))
    assert local.read_bytes() == (out / loop.CHECKPOINT).read_bytes()  # the final checkpoint


@pytest.mark.slow  # a second MiniGPT run with MLflow; the test above keeps --mlflow in the fast suite
def test_train_gpt_with_mlflow_adds_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "gpt"
    assert main(["train", "gpt", "--out", str(out), *TINY, "--quiet", "--no-plot", "--mlflow"]) == 0
    client, run = _client(out)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"metrics.json", "model.safetensors", "samples.txt", loop.CHECKPOINT, loop.MANIFEST} <= artifacts
    assert "dashboard.html" not in artifacts  # not inspected: no dashboard
    assert run.data.params["lines"] == "paradigms"


def test_mlflow_missing_is_one_line_in_both_languages_before_any_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = tracking.importlib.util.find_spec
    monkeypatch.setattr(
        tracking.importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real_find_spec(name, *a)
    )
    said = {
        "en": "--mlflow needs MLflow, which is not installed; install it with `uv sync --extra mlflow`",
        "es": "--mlflow necesita MLflow, que no está instalado; instálalo con `uv sync --extra mlflow`",
    }
    for lang, line in said.items():
        for command in (["run"], ["train", "gpt"]):
            assert main([*command, "--out", str(tmp_path / "run"), *TINY, "--mlflow", "--lang", lang]) == 1
            err = capsys.readouterr().err
            assert line in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()
