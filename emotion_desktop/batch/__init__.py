"""Archive analysis on Dask (``emotion-desktop batch``): images and videos split into tasks, analysed by
worker processes with the same session loop as the window, written per file, resumable.

    plan.py      inputs, settings, and the tasks they split into (image chunks, video segments)
    tasks.py     what a worker runs (its pipeline built once per process)
    assemble.py  a video's segments joined, track ids linked across them
    output.py    the output folder: per-file results, the journal, Parquet and CSV tables
    run.py       the client: local cluster or a scheduler, submission, progress, writing
"""
