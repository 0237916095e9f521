"""An archive job's output folder: results per input file, a journal of finished files, and the tables.

    OUT/files/<key>.json            the same JSON as ``predict --json`` for that file
    OUT/files/<key>.csv             one row per face, model and frame (+ <key>.summary.csv)
    OUT/journal.jsonl               one line per finished file: its size, mtime and the settings
    OUT/results.parquet             every finished file's rows (one per face, model and frame)
    OUT/summary.csv                 per file and tracked face: the session summary
    OUT/failures.csv                file, error: what this run could not analyse

A file's outputs are written under temporary names and renamed into place, and only then is its
journal line appended, so a run killed at any moment leaves whole files only; the next run redoes
the files that have no journal line (or whose input or settings changed).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

from emotion_desktop.batch.plan import InputFile
from emotion_desktop.results import CSV_COLUMNS, SessionLog, summary_csv_path, write_json
from emotion_desktop.summary import SUMMARY_CSV_COLUMNS

JOURNAL = "journal.jsonl"


class OutputFolder:
    def __init__(self, folder: Path, settings_fingerprint: str):
        self.folder = Path(folder)
        self.files = self.folder / "files"
        self.fingerprint = settings_fingerprint
        self.files.mkdir(parents=True, exist_ok=True)
        self._done = self._read_journal()

    def _read_journal(self) -> dict[str, dict]:
        done = {}
        path = self.folder / JOURNAL
        if path.is_file():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # the last line of a run killed mid-write
                    continue
                done[entry["key"]] = entry
        return done

    def json_path(self, file: InputFile) -> Path:
        return self.files / f"{file.key}.json"

    def csv_path(self, file: InputFile) -> Path:
        return self.files / f"{file.key}.csv"

    def is_done(self, file: InputFile) -> bool:
        """Finished before, from the same input (size and mtime) with the same settings, outputs in place."""
        entry = self._done.get(file.key)
        return (entry is not None and entry.get("settings") == self.fingerprint
                and all(entry.get(k) == v for k, v in file.identity.items())
                and self.json_path(file).is_file() and self.csv_path(file).is_file())

    def write(self, file: InputFile, log: SessionLog) -> None:
        """The file's JSON and CSVs, atomically, then its journal line."""
        target_json, target_csv = self.json_path(file), self.csv_path(file)
        target_json.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.folder, prefix=".writing-") as scratch:
            scratch = Path(scratch)
            write_json(scratch / "results.json", log.as_json())
            log.export_csv(scratch / "results.csv")
            os.replace(scratch / "results.csv", target_csv)
            os.replace(summary_csv_path(scratch / "results.csv"), summary_csv_path(target_csv))
            os.replace(scratch / "results.json", target_json)  # last: its presence means the set is whole
        entry = {"key": file.key, **file.identity, "settings": self.fingerprint,
                 "frames": log.frame_count, "faces": log.face_count}
        with open(self.folder / JOURNAL, "a") as journal:
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())
        self._done[file.key] = entry

    def write_tables(self, files: list[InputFile], failures: list[tuple[str, str]]) -> list[Path]:
        """results.parquet, summary.csv and failures.csv over every finished file of ``files``."""
        finished = [f for f in files if self.is_done(f)]
        written = [self._write_parquet(finished), self._write_summary(finished)]
        written.append(_atomic_csv(self.folder / "failures.csv", ["file", "error"],
                                   [{"file": name, "error": error} for name, error in failures]))
        return written

    def _write_parquet(self, finished: list[InputFile]) -> Path:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        schema = _results_schema(pa)
        options = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=False)
        target = self.folder / "results.parquet"
        temporary = target.with_name(f".{target.name}.writing")
        # File by file into one Parquet file: memory stays at one file's rows, whatever the archive's size.
        with pq.ParquetWriter(temporary, schema) as writer:
            for file in finished:
                writer.write_table(pacsv.read_csv(self.csv_path(file), convert_options=options).select(schema.names))
        os.replace(temporary, target)
        return target

    def _write_summary(self, finished: list[InputFile]) -> Path:
        target = self.folder / "summary.csv"
        temporary = target.with_name(f".{target.name}.writing")
        with open(temporary, "w", newline="") as out:
            out.write(",".join(SUMMARY_CSV_COLUMNS) + "\n")
            for file in finished:
                with open(summary_csv_path(self.csv_path(file))) as part:
                    next(part, None)  # its header
                    shutil.copyfileobj(part, out)
        os.replace(temporary, target)
        return target


def _results_schema(pa):
    types = {"source": pa.string(), "image": pa.string(), "model": pa.string(), "dominant_emotion": pa.string(),
             "dominant_emotion_smoothed": pa.string(), "time_s": pa.float64(), "face_confidence": pa.float64(),
             "uncertain_reason": pa.string()}
    integers = {"frame", "track_id", "x", "y", "w", "h", "whole_image", "uncertain"}
    return pa.schema([(name, types.get(name, pa.int64() if name in integers else pa.float64()))
                      for name in CSV_COLUMNS])


def _atomic_csv(target: Path, columns: list[str], rows: list[dict]) -> Path:
    temporary = target.with_name(f".{target.name}.writing")
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, target)
    return target
