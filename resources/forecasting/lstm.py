"""The global LSTM candidate: one darts ``RNNModel`` (torch, CPU) trained across every series
refit at an origin, each series divided by the mean of its training part so that CPU % and
millions of API calls share one network. Small and seeded: a rerun gives the same weights.

Lightning writes nothing into the working directory: no logger, no checkpoints, no progress
bar, ``work_dir`` a temporary folder.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager

import numpy as np
from upath import UPath

from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.model_files import readable_dir, writable_dir

INPUT_CHUNK = 21  # three weeks in, trained on windows of five weeks
TRAINING_LENGTH = 35
MIN_POINTS = TRAINING_LENGTH + 1  # a series shorter than this cannot train the LSTM


@contextmanager
def one_thread():
    """torch on one intra-op thread while the LSTM trains or predicts. The network is tiny
    (hidden 16, batches of 256): a second thread only spins and waits, and the per-series
    workers already use the other core. Measured on 46 demo series (3 epochs, a shared
    machine): 23.2 CPU-s and 128 s with torch's default 2 threads, 4.7 CPU-s and 24 s with 1."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class GlobalLSTM:
    def __init__(self, settings: ForecastSettings):
        self.settings = settings
        self.model = None

    def _new(self, work_dir: str):
        import torch
        from darts.models import RNNModel

        torch.manual_seed(self.settings.seed)
        return RNNModel(
            model="LSTM",
            input_chunk_length=INPUT_CHUNK,
            training_length=TRAINING_LENGTH,
            hidden_dim=self.settings.lstm_hidden,
            n_rnn_layers=1,
            batch_size=256,
            n_epochs=self.settings.lstm_epochs,
            random_state=self.settings.seed,
            work_dir=work_dir,
            log_tensorboard=False,
            save_checkpoints=False,
            force_reset=True,
            optimizer_kwargs={"lr": 3e-3},
            pl_trainer_kwargs={
                "accelerator": "cpu",
                "enable_progress_bar": False,
                "enable_model_summary": False,
                "logger": False,
                "enable_checkpointing": False,
            },
        )

    @staticmethod
    def _scale(values: np.ndarray) -> float:
        level = float(np.abs(values).mean()) if values.size else 1.0
        return level if level > 0 else 1.0

    def fit(self, series: list[tuple[History, np.ndarray]]) -> GlobalLSTM:
        """``series``: (history, training values from its start), each at least MIN_POINTS long."""
        step = max(1, -(-len(series) // self.settings.lstm_max_series))
        usable = series[::step]
        with tempfile.TemporaryDirectory(prefix="appops_lstm_") as work_dir, one_thread():
            self.model = self._new(work_dir)
            self.model.fit(
                [h.to_ts(v / self._scale(v)) for h, v in usable], max_samples_per_ts=64, verbose=False
            )
        return self

    def predict(self, batch: list[tuple[History, np.ndarray, float]], n: int) -> list[np.ndarray]:
        """``batch``: (history, values up to the cut, scale from training) -> n-step forecasts."""
        if not batch:
            return []
        series = [h.to_ts(v / s) for h, v, s in batch]
        with one_thread():
            out = self.model.predict(n, series=series, verbose=False, show_warnings=False)
        return [o.values()[:, 0] * s for o, (_, _, s) in zip(out, batch)]

    def save(self, path: UPath) -> None:
        """darts' own format: ``path`` plus ``path.ckpt`` (the torch weights), the first last."""
        with writable_dir(path.parent, marker=path.name) as local:
            self.model.save(str(local / path.name))

    @classmethod
    def load(cls, path: UPath, settings: ForecastSettings) -> GlobalLSTM:
        from darts.models import RNNModel

        found = cls(settings)
        with readable_dir(path.parent) as local:
            found.model = RNNModel.load(str(local / path.name), map_location="cpu")
        found.model.trainer_params.update(enable_progress_bar=False, logger=False, enable_model_summary=False)
        return found
