"""A programme's sessions as an iCalendar file (RFC 5545, written by the `icalendar` package).

Pure: a ProgrammeView in, bytes out. One all-day event per session of each published pair, on the date the
programme's start date and cadence give it (views.session_date): the time of day is the pair's to agree.

What an event holds (SECURITY.md "Programme calendars"): the two people's names, the session's number and
its plan line (the topics or goals, which come from the member's need), and the programme's name. Never the
mentor's quoted passages, the evidence, the score or any contact detail: a calendar file is forwarded and
synced to phones, so it carries what a person needs to recognise the meeting and no more.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from .views import ProgrammeView, session_date, session_dict

PRODID = "-//mentor-matcher//programmes//EN"


def programme_calendar(view: ProgrammeView) -> bytes:
    """The published pairs' sessions as iCalendar bytes (CRLF line ends, as the RFC has them).

    A two-way pair's sessions appear once (from the member whose key sorts first). Events are stamped with
    the programme's publication time, so the same programme gives the same file.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{view.record.name}: sessions")
    stamp = datetime.fromtimestamp(view.record.published_at or view.record.updated_at, tz=UTC)
    two_way = view.spec.mutual
    for member in view.cohort:
        pair = view.pairs.get(member.key)
        if pair is None or pair.status != "published" or pair.mentor_id is None:
            continue
        if two_way and pair.mentor_id in view.pairs and pair.mentor_id < member.key:
            continue  # the partner's record lists this pair
        mentee = view.names.get(member.key, member.key)
        mentor = view.names.get(pair.mentor_id, pair.mentor_id)
        sessions = [session_dict(s) for s in pair.plan] or [
            {"number": n + 1, "title": ""} for n in range(view.spec.sessions)
        ]
        for session in sessions:
            day = session_date(view.spec, session["number"])
            if day is None:
                continue
            event = Event()
            event.add("uid", f"{view.record.id}.{member.key}.{pair.mentor_id}.{session['number']}@mentor-matcher")
            event.add("dtstamp", stamp)
            event.add("dtstart", date.fromisoformat(day))
            event.add("dtend", date.fromisoformat(day) + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            event.add("summary", f"Mentoring: {mentee} and {mentor}, session {session['number']} of {len(sessions)}")
            event.add("description", f"{session['title']}\n\nProgramme: {view.record.name}".strip())
            calendar.add_component(event)
    return calendar.to_ical()
