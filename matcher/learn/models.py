"""The two kinds of learned ranking, fitted on the same examples and measured side by side:

- "linear" (the default): a logistic regression over the standardised features (scikit-learn), one weight
  per feature: easy to read, hard to overfit on a small log, microseconds a match;
- "lightgbm" (the optional extra `mentor-matcher[lightgbm]`): LightGBM's LambdaRank, gradient-boosted trees
  that optimise nDCG over each need's candidates directly and can learn interactions (a signal that
  counts only where another is weak). On the lists dev set it ranked no better than the linear model and
  took 7-30 times as long to fit (README "Learning from outcomes"), so it is measured, not the default.

Both are saved as plain text (LightGBM's model format, JSON weights), never pickles. `predict` gives a
raw score; `calibrated` maps it through a fitted logistic curve onto the scale of the hand-tuned fusion's
scores (0..1, about as spread), so thresholds such as a programme's `min_score` keep their meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

KINDS = ("linear", "lightgbm")
BOOST_ROUNDS = 400  # at most; early stopping on held-back training needs decides
EARLY_STOP = 40
LGB_PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "label_gain": [0, 1, 3],
    "lambdarank_truncation_level": 30,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 0,
    "verbose": -1,
}


@dataclass
class FittedModel:
    """A fitted ranking model of either kind, with the curve that puts its scores on the fusion's scale."""

    kind: str
    features: tuple[str, ...]
    booster_text: str | None = None  # lightgbm
    weights: list[float] | None = None  # linear: on standardised features
    bias: float = 0.0
    mean: list[float] | None = None
    scale: list[float] | None = None
    curve: tuple[float, float] = (1.0, 0.0)  # calibrated = sigmoid(a * raw + b)
    _booster: object = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (higher ranks first) of a (candidates, features) matrix."""
        if self.kind == "lightgbm":
            if self._booster is None:
                import lightgbm

                self._booster = lightgbm.Booster(model_str=self.booster_text)
            return np.asarray(self._booster.predict(x, num_threads=1), dtype=np.float64)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.weights) + self.bias

    def calibrated(self, x: np.ndarray) -> np.ndarray:
        """Scores in (0, 1) in the order of `predict`, on the scale of the hand-tuned fusion's scores."""
        a, b = self.curve
        return (1.0 / (1.0 + np.exp(-(a * self.predict(x) + b)))).astype(np.float32)

    def to_json(self) -> dict:
        """Everything but the LightGBM text (saved beside it)."""
        return {
            "kind": self.kind,
            "features": list(self.features),
            "weights": self.weights,
            "bias": self.bias,
            "mean": self.mean,
            "scale": self.scale,
            "curve": list(self.curve),
        }

    @classmethod
    def from_json(cls, data: dict, booster_text: str | None = None) -> FittedModel:
        """The inverse of to_json (with the LightGBM text for that kind)."""
        return cls(
            data["kind"],
            tuple(data["features"]),
            booster_text,
            data.get("weights"),
            data.get("bias", 0.0),
            data.get("mean"),
            data.get("scale"),
            tuple(data.get("curve", (1.0, 0.0))),
        )

    def importance(self) -> dict[str, float]:
        """How much each feature counts: LightGBM's total gain, or the linear weight on the standardised feature."""
        if self.kind == "lightgbm":
            self.predict(np.zeros((1, len(self.features)), dtype=np.float32))  # loads the booster
            gains = self._booster.feature_importance(importance_type="gain")
            total = float(gains.sum()) or 1.0
            return {f: round(float(g) / total, 4) for f, g in zip(self.features, gains)}
        return {f: round(float(w), 4) for f, w in zip(self.features, self.weights)}


def fit(
    kind: str,
    features: tuple[str, ...],
    x: np.ndarray,
    y: np.ndarray,
    groups: list[int],
    x_stop: np.ndarray | None = None,
    y_stop: np.ndarray | None = None,
    groups_stop: list[int] | None = None,
    baseline: np.ndarray | None = None,
    threads: int = 0,
) -> FittedModel:
    """Fit one kind on candidates grouped by need (`groups`: candidates per need, in order).

    Args:
        x_stop, y_stop, groups_stop: needs of other training mentees, for LightGBM's early stopping.
        baseline: the fusion's scores of the same candidates, for the calibration curve.
        threads: LightGBM threads (0: its default, every core).
    """
    if kind == "lightgbm":
        model = _fit_lightgbm(features, x, y, groups, x_stop, y_stop, groups_stop, threads)
    elif kind == "linear":
        model = _fit_linear(features, x, y)
    else:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if baseline is not None:
        model.curve = _curve(model.predict(x), baseline)
    return model


def lightgbm_missing() -> str | None:
    """Why the "lightgbm" kind cannot run here, or None when it can."""
    import importlib.util

    if importlib.util.find_spec("lightgbm") is None:
        return "the lightgbm kind needs LightGBM: pip install -e '.[lightgbm]'"
    return None


def _fit_lightgbm(features, x, y, groups, x_stop, y_stop, groups_stop, threads) -> FittedModel:
    import lightgbm

    params = {**LGB_PARAMS, "num_threads": threads}
    train = lightgbm.Dataset(x, y, group=groups, feature_name=list(features), free_raw_data=False)
    callbacks = []
    valid = []
    if x_stop is not None and len(groups_stop or []):
        valid = [lightgbm.Dataset(x_stop, y_stop, group=groups_stop, reference=train)]
        callbacks = [lightgbm.early_stopping(EARLY_STOP, verbose=False)]
    booster = lightgbm.train(params, train, num_boost_round=BOOST_ROUNDS, valid_sets=valid, callbacks=callbacks)
    text = booster.model_to_string(num_iteration=booster.best_iteration or None)
    return FittedModel("lightgbm", tuple(features), booster_text=text)


def _fit_linear(features, x, y) -> FittedModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(z, (y > 0).astype(int))
    return FittedModel(
        "linear",
        tuple(features),
        weights=model.coef_[0].tolist(),
        bias=float(model.intercept_[0]),
        mean=mean.tolist(),
        scale=scale.tolist(),
    )


def _curve(raw: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    """(a, b) so that sigmoid(a * raw + b) spreads like the fusion's scores: the raw scores' mean and
    standard deviation matched to those of the fusion's logits (a > 0: the curve never reorders)."""
    target = np.clip(baseline.astype(np.float64), 1e-3, 1 - 1e-3)
    logits = np.log(target / (1 - target))
    spread = float(raw.std())
    a = float(logits.std()) / spread if np.isfinite(spread) and spread > 1e-9 else 1.0
    a = max(a, 1e-3)
    return a, float(logits.mean() - a * raw.mean())


def dumps(model: FittedModel) -> str:
    """The JSON text of a model (without LightGBM's text)."""
    return json.dumps(model.to_json(), indent=2)
