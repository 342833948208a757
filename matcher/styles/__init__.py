"""Mentoring styles: who may mentor whom, who fits best, and why; one object per style.

- `rules`: `MentoringStyle` and one registered subclass per style (its hard rule, soft fit, notes, what
  the mentee must give, long-term or not, places in programmes, two-way or not, its label, one-line
  explanation and "nobody fits" reason); the registry (`STYLES`, `get_style`, `MATCH_STYLES`, ...); the
  request's filters and `eligible`, the mask handed to FAISS.
- `catalog`: `Catalog`, the facts the style rules need about every profile, as numpy columns.
- `timezones`: UTC offsets and shared working hours.

Pure: the profile schema, numpy and the standard library; no store, index, model or Flask. This file
imports nothing, so that profiles.py can read the style names from `rules` without a cycle.
"""
