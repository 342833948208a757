"""Mentor matcher: rank mentors against a person's own words, per mentoring style, with reasons."""

__version__ = "0.1.0"
