"""What ``predict`` prints for a person at a terminal: a line per face and model, not the JSON.

Images: each face (left to right) with its box and every model's answer. Videos: each tracked face
with how long it was seen and every model's most frequent emotion. ``--json`` gives the full data.
"""

from __future__ import annotations

from pathlib import Path


def format_report(entries: list[dict], short_names: dict[str, str]) -> str:
    """``entries``: ``SessionLog.as_json()`` plus failures (``{"file", "error"}``)."""
    lines = []
    for entry in entries:
        name = Path(entry["file"]).name
        if "error" in entry:
            lines.append(f"{name}: not analysed (the error is on stderr)")
        elif entry["type"] == "video":
            lines.extend(_video_lines(name, entry, short_names))
        else:
            lines.extend(_image_lines(entry, short_names))
    return "\n".join(lines)


def _image_lines(entry: dict, short_names: dict[str, str]) -> list[str]:
    lines = []
    for frame in entry["frames"]:
        name = Path(frame.get("image") or entry["file"]).name
        by_track: dict[int, list[dict]] = {}
        for face in frame["faces"]:
            by_track.setdefault(face["track_id"], []).append(face)
        if not by_track:
            lines.append(f"{name}: no face found")
        faces = sorted(by_track.values(), key=lambda answers: answers[0]["region"]["x"])
        for number, answers in enumerate(faces, 1):
            box = answers[0]["region"]
            where = "whole image" if answers[0]["whole_image"] else \
                f"face {number} of {len(faces)} at x={box['x']} y={box['y']} {box['w']}x{box['h']}"
            said = ", ".join(f"{short_names.get(a['model'], a['model'])}: {a['dominant_emotion']} "
                             f"{a['emotion'][a['dominant_emotion']]:.0f}%"
                             + (f" (uncertain: {a['uncertain_reason']})" if a.get("uncertain") else "")
                             for a in answers)
            lines.append(f"{name}: {where}: {said}")
    return lines


def _video_lines(name: str, entry: dict, short_names: dict[str, str]) -> list[str]:
    frames = len(entry["frames"])
    if not entry.get("summary"):
        return [f"{name}: {frames} frames analysed, no face found"]
    by_track: dict[int, list[dict]] = {}
    for summary in entry["summary"]:
        by_track.setdefault(summary["track_id"], []).append(summary)
    lines = [f"{name}: {frames} frames analysed, {len(by_track)} face(s) tracked"]
    for track, summaries in sorted(by_track.items()):
        seen = summaries[0]
        said = ", ".join(f"{short_names.get(s['model'], s['model'])}: mostly {s['dominant_emotion']} "
                         f"({s['dominant_share'][s['dominant_emotion']]:.0%} of the answered time"
                         + (f"; uncertain {s['uncertain_share']:.0%} of the time" if s.get("uncertain_share") else "")
                         + ")" for s in summaries)
        lines.append(f"  face #{track}, seen {seen['first_s']:.1f}-{seen['last_s']:.1f} s: {said}")
    return lines
