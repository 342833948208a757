"""Profiles in bulk: files read as items (`readers`), and many profiles into the store (`importer`).

May import the profile schema, the model (to embed what changed) and the store; no face, index or search.
"""
