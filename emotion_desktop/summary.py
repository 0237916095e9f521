"""What a session saw, per tracked face and model: how long the face was visible, the share of
that time each emotion was the dominant one, and the mean probabilities.

Time is weighted by the gap to the face's next sighting (capped at `MAX_GAP_S`), so a face that
left the view for a minute is not counted as visible meanwhile, and a stream whose frame rate
varied is not skewed towards its fast stretches. Still images carry no time: each counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emotion_desktop.labels import EMOTIONS

MAX_GAP_S = 1.0


@dataclass
class FaceSummary:
    track_id: int
    model: str
    frames: int
    first_s: float
    last_s: float
    visible_s: float
    dominant_share: dict[str, float]  # emotion -> fraction of the answered time (or frames) it led
    mean_percent: dict[str, float]  # emotion -> time-weighted mean probability, percent
    uncertain_share: float = 0.0  # fraction of the visible time (or frames) the answer was uncertain
    agreement: float | None = None  # compare mode: share of the face's frames on which every model agreed

    @property
    def dominant(self) -> str:
        return max(self.dominant_share, key=self.dominant_share.get)

    def as_json(self) -> dict:
        return {"track_id": self.track_id, "model": self.model, "frames": self.frames,
                "first_s": round(self.first_s, 3), "last_s": round(self.last_s, 3),
                "visible_s": round(self.visible_s, 3), "dominant_emotion": self.dominant,
                "dominant_share": {e: round(v, 4) for e, v in self.dominant_share.items()},
                "mean_emotion": {e: round(v, 2) for e, v in self.mean_percent.items()},
                "uncertain_share": round(self.uncertain_share, 4),
                "models_agree": None if self.agreement is None else round(self.agreement, 4)}


def time_weights(times: np.ndarray) -> np.ndarray:
    """Seconds each sighting stands for: the gap to the next one (capped), the last one getting
    the typical gap. All-equal times (still images) weigh 1 each."""
    times = np.asarray(times, dtype=np.float64)
    if len(times) < 2 or np.ptp(times) == 0:
        return np.ones(len(times))
    gaps = np.minimum(np.diff(times), MAX_GAP_S).clip(min=0)
    return np.append(gaps, np.median(gaps))


def summarise(times, track_ids, model_ids, smoothed, models: list[str], uncertain=None) -> list[FaceSummary]:
    """One summary per (track, model) from parallel arrays: a row per face and model per frame
    (time in s, track id, model index into `models`, smoothed probabilities in EMOTIONS order, and
    whether that answer was uncertain). Uncertain time is counted apart: the dominant-emotion shares
    and means are over the answered time (over all of it when every answer was uncertain)."""
    times, track_ids, model_ids = (np.asarray(a) for a in (times, track_ids, model_ids))
    uncertain = np.zeros(len(times), bool) if uncertain is None else np.asarray(uncertain, bool)
    smoothed = np.asarray(smoothed, dtype=np.float64).reshape(-1, len(EMOTIONS))
    summaries = []
    for track, model in sorted({(int(t), int(m)) for t, m in zip(track_ids, model_ids)}):
        rows = np.flatnonzero((track_ids == track) & (model_ids == model))
        rows = rows[np.argsort(times[rows], kind="stable")]
        weights = time_weights(times[rows])
        timed = np.ptp(times[rows]) > 0 if len(rows) > 1 else False
        unsure = uncertain[rows]
        answered = weights * ~unsure if not unsure.all() else weights
        probabilities = smoothed[rows]
        share = np.bincount(probabilities.argmax(axis=1), weights=answered, minlength=len(EMOTIONS)) / answered.sum()
        mean = (probabilities * answered[:, None]).sum(axis=0) / answered.sum() * 100
        summaries.append(FaceSummary(
            track_id=track, model=models[model], frames=len(rows), first_s=float(times[rows[0]]),
            last_s=float(times[rows[-1]]), visible_s=float(weights.sum()) if timed else 0.0,
            dominant_share=dict(zip(EMOTIONS, share.tolist())), mean_percent=dict(zip(EMOTIONS, mean.tolist())),
            uncertain_share=float((weights * unsure).sum() / weights.sum())))
    return summaries


SUMMARY_CSV_COLUMNS = (["source", "track_id", "model", "frames", "first_s", "last_s", "visible_s", "dominant_emotion"]
                       + [f"{e}_share" for e in EMOTIONS] + [f"{e}_mean" for e in EMOTIONS]
                       + ["uncertain_share", "models_agree"])


def summary_csv_row(source: str, summary: FaceSummary) -> dict:
    record = summary.as_json()
    row = {key: record[key] for key in SUMMARY_CSV_COLUMNS[1:8]}
    row.update({f"{e}_share": v for e, v in record["dominant_share"].items()})
    row.update({f"{e}_mean": v for e, v in record["mean_emotion"].items()})
    row["uncertain_share"] = record["uncertain_share"]
    row["models_agree"] = "" if record["models_agree"] is None else record["models_agree"]
    return {"source": source, **row}
