"""Mentoring styles: who may mentor whom, who fits best, and why.

- `catalog`: `Catalog`, the facts the style rules need about every profile, as numpy columns.
- `rules`: one policy per style (hard filter, soft fit, notes) and the request's filters.

Pure: imports the profile schema and numpy only; no store, index, model or Flask.
"""
