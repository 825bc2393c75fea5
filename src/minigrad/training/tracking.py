"""``--mlflow``: a finished run's parameters, metrics and files in MLflow's local store, ``RUN_DIR/mlruns``.

MLflow is an optional extra (``uv sync --extra mlflow``; ``mlflow-skinny`` is enough: no server, no
database, nothing fetched).  The run folder stays the record; this copies it into MLflow's file store
once the run has ended, so that ``mlflow ui --backend-store-uri RUN_DIR/mlruns`` (or
``MlflowClient(tracking_uri="file://.../mlruns")``) shows it beside other runs:

* parameters: every field of the run's configuration (``manifest.json``), and its seed and git sha;
* metrics: ``loss``, ``lr``, ``grad_norm`` and the validation losses of every logged step, with MLflow's
  ``step`` the run's step (read from ``inspector.log.jsonl``, so a resumed run logs each step once);
* artifacts: ``manifest.json``, ``checkpoint.safetensors`` (the final one), ``inspector.log.jsonl``,
  ``dashboard.html`` when there is one, and the files a command adds (``train gpt``: ``metrics.json``,
  ``model.safetensors``, ``samples.txt``, ``loss.png``).

MLflow 3 keeps the file store in maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE`` is
true (it asks for a database instead, which would need SQLAlchemy); this module sets that variable for
its own process when it is not set, and ``MLFLOW_DISABLE_TELEMETRY`` too (MLflow 3 otherwise sends usage
records over the network; a run's record stays on the learner's disk).  Set either yourself to decide.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..commandline import MissingPackageError
from ..messages import text
from .loop import CHECKPOINT, LOG, MANIFEST

EXPERIMENT = "minigrad"
STORE = "mlruns"
METRICS = ("loss", "lr", "grad_norm", "val_loss", "val_loss_regular", "val_loss_irregular")
BATCH = 1000  # MLflow's limit of metrics in one log_batch call


class MlflowMissingError(MissingPackageError):
    """``--mlflow`` without MLflow installed: exit 1, saying how to install it (or to leave ``--mlflow`` out)."""

    def __init__(self) -> None:
        ImportError.__init__(self, text("run.error.mlflow_missing"))


def require_mlflow() -> None:
    """Raise :class:`MlflowMissingError` when MLflow cannot be imported (checked before any training)."""
    if importlib.util.find_spec("mlflow") is None:
        raise MlflowMissingError


def _mlflow() -> Any:
    require_mlflow()
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    return importlib.import_module("mlflow")


def params_of(manifest: dict[str, Any]) -> dict[str, str]:
    """The configuration's fields, its seed and git sha, as MLflow's string parameters."""
    values = {**manifest["config"], "git_sha": manifest.get("git_sha")}
    return {key: str(value) for key, value in values.items()}


def metric_series(records: Sequence[dict[str, Any]]) -> list[tuple[str, float, int]]:
    """``(name, value, step)`` of every metric of every logged step; steps with no validation have none."""
    series = []
    for record in records:
        for name in METRICS:
            value = record.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                series.append((name, float(value), int(record["step"])))
    return series


def log_run(run_dir: str | os.PathLike[str], extra_artifacts: Sequence[str] = ()) -> Path:
    """Copy the ended run in ``run_dir`` into ``run_dir/mlruns`` as one MLflow run; return the store's path."""
    mlflow = _mlflow()
    entities = importlib.import_module("mlflow.entities")
    folder = Path(run_dir).resolve()
    store = folder / STORE
    client = mlflow.MlflowClient(tracking_uri=store.as_uri())
    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = experiment.experiment_id if experiment is not None else client.create_experiment(EXPERIMENT)
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    tracked = client.create_run(experiment_id, run_name=folder.name, tags={"minigrad.run_dir": str(folder)})
    run_id = tracked.info.run_id
    params = [entities.Param(key, value) for key, value in params_of(manifest).items()]
    for start in range(0, len(params), 100):  # MLflow takes at most 100 parameters per call
        client.log_batch(run_id, params=params[start : start + 100])
    records = [json.loads(line) for line in (folder / LOG).read_text("utf-8").splitlines() if line.strip()]
    now = int(time.time() * 1000)
    metrics = [
        entities.Metric(name, value if math.isfinite(value) else float("nan"), now, step)
        for name, value, step in metric_series(records)
    ]
    for start in range(0, len(metrics), BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + BATCH])
    for name in (MANIFEST, CHECKPOINT, LOG, "dashboard.html", *extra_artifacts):
        if (folder / name).is_file():
            client.log_artifact(run_id, str(folder / name))
    client.set_terminated(run_id)
    return store
