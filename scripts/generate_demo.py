#!/usr/bin/env python3
"""Generate the demo profiles that `mentor-match import --demo` loads (matcher/demo/profiles.jsonl).

The words come from scripts/demo_tables.toml; this script decides who the ~380 people are: their
areas, seniority, mentoring styles, places, languages, managers, capacities and flash hours, and
which sentences make up each bio. No sentence is in two bios: each experience and teaching sentence
of the tables is dealt once, and a style template is filled only into text that no bio has yet.
Deterministic (seeded random generators), standard library only:

    python3 scripts/generate_demo.py                  # overwrites matcher/demo/profiles.jsonl
    python3 scripts/generate_demo.py --out /tmp/p.jsonl

It says on stderr where bios got fewer sentences than they asked for (add sentences to those areas).
tests/test_demo.py checks that running it reproduces the packaged file byte for byte. Profiles never
contain (or hint at) age, gender, pronouns, ethnicity, religion or health; "junior"/"senior" refers
to seniority only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = Path(__file__).resolve().with_name("demo_tables.toml")
OUT = ROOT / "matcher" / "demo" / "profiles.jsonl"
SEED = 42
AREA_GROUPS = ("reverse", "senior", "specialist")
# Where matcher/profiles.py splits a bio into passages (the unit quoted as evidence).
PASSAGE_END = re.compile(r"(?<=[.!?;])\s+")
# A sentence that says where it happens gets no "At our Lima office, " lead-in.
PLACE_WORDS = re.compile(r"\b(European|Asian|Asia|EMEA|APAC|Americas|regions?|countries|markets|offices|global)\b")

KEY_ORDER = [
    "id",
    "name",
    "title",
    "seniority",
    "department",
    "bio",
    "skills",
    "goals",
    "styles",
    "formats",
    "location",
    "timezone",
    "languages",
    "manager_id",
    "capacity",
    "flash_hours_per_month",
    "active",
    "discoverable",
]
FORBIDDEN_KEYS = {
    "age",
    "gender",
    "pronouns",
    "ethnicity",
    "religion",
    "health",
    "birth_year",
    "birthyear",
    "date_of_birth",
    "dob",
    "sex",
    "race",
}


def load_tables(path: Path = TABLES) -> dict:
    """The word tables, with each area also reachable by key in tables["all_areas"] (and knowing its group)."""
    with path.open("rb") as fh:
        tables = tomllib.load(fh)
    tables["all_areas"] = {}
    for group in AREA_GROUPS:
        for key, area in tables["areas"][group].items():
            area["key"] = key
            area["group"] = group
            tables["all_areas"][key] = area
    tables["lead_ins"]["past_verbs"] = set(tables["lead_ins"]["past_verbs"])
    return tables


def region_of(tz: str) -> str:
    """The business region of an IANA time zone, as a bio names it ("For our EMEA business, ...")."""
    if tz.startswith("America/"):
        return "Americas"
    if tz.startswith(("Europe/", "Africa/")) or tz in ("Asia/Dubai", "Asia/Jerusalem"):
        return "EMEA"
    return "APAC"


class Builder:
    """Makes people one at a time from the tables, then writes their bios (write_bios).

    Names and chief titles are used once. So is every sentence: area sentences are dealt from decks
    without replacement, and a style template is filled only into a text no bio has yet (and used once
    per area), so no two bios share a sentence, with or without a lead-in.
    """

    def __init__(self, tables: dict, seed: int = SEED) -> None:
        self.t = tables
        self.areas = tables["all_areas"]
        self.seed = seed
        self.rng = random.Random(seed)  # who the people are; bios and decks have generators of their own
        self.people: list[dict] = []
        self.used_names: set[str] = set()
        self.used_chiefs: set[str] = set()
        self.used_passages: set[str] = set()  # every sentence some bio already has
        self.used_templates: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)  # by area
        self.decks: dict[tuple[str, str], list[str]] = {}  # (area or "mentor_track", kind) -> undealt
        self.reserved: Counter[tuple[str, str]] = Counter()  # sentences bios still to come will need
        self.shortfalls: Counter[tuple[str, str]] = Counter()  # sentences asked for beyond the tables
        self.loc_weights = [tables["location_weights"].get(loc["city"], 1) for loc in tables["locations"]]
        self.all_cultures = sorted(tables["names"])

    # ---------------------------------------------------------------- helpers
    def pick_location(self) -> dict:
        return self.rng.choices(self.t["locations"], weights=self.loc_weights, k=1)[0]

    def make_name(self, loc: dict) -> tuple[str, str]:
        """A name not yet used, mostly from a naming tradition common in the person's city."""
        rng = self.rng
        for _ in range(500):
            culture = rng.choice(loc["cultures"]) if rng.random() < 0.8 else rng.choice(self.all_cultures)
            names = self.t["names"][culture]
            name = f"{rng.choice(names['first'])} {rng.choice(names['last'])}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, culture
        raise RuntimeError("ran out of names")

    def languages(self, loc: dict, culture: str) -> list[str]:
        rng = self.rng
        langs = list(loc["languages"])
        for extra in loc["local_languages"]:
            if rng.random() < 0.3:
                langs.append(extra)
        # English for almost everyone; a few people work in their local language only.
        if "en" not in langs and rng.random() < 0.93:
            langs.append("en")
        culture_lang = self.t["names"][culture]["language"]
        if culture not in loc["cultures"] and culture_lang not in langs and rng.random() < 0.6:
            langs.append(culture_lang)
        if "en" in langs and loc["languages"][0] == "en":
            langs.remove("en")
            langs.insert(0, "en")
        out: list[str] = []
        for lang in langs:
            if lang not in out:
                out.append(lang)
        return out

    def title(self, area: dict, seniority: int) -> tuple[str, int]:
        """A job title for the area at this seniority (a chief title is used once; then VP)."""
        rng = self.rng
        if area["group"] == "senior":
            if seniority >= 10:
                options = [t for t in self.t["chiefs"][area["department"]] if t not in self.used_chiefs]
                if options:
                    t = options[0]
                    self.used_chiefs.add(t)
                    return t, 10
                seniority = 9
            fn = rng.choice(area["functions"])
            if seniority == 9:
                return rng.choice([f"VP of {fn}", f"VP, {fn}"]), 9
            return rng.choice([f"Director of {fn}", f"Head of {fn}"]), 8
        titles = area["titles"]
        if seniority <= 2:
            return rng.choice(titles["level_1_2"]), seniority
        if seniority <= 4:
            return rng.choice(titles["level_3_4"]), seniority
        if seniority <= 6:
            return rng.choice(titles["level_5_6"]), seniority
        return rng.choice(titles["level_7"]), 7

    def goal(self, candidate_areas: list[str], exclude: str, first: str | None = None) -> tuple[str, list[str]]:
        """A goals sentence about one or two areas other than the person's own, and those areas' keys."""
        rng = self.rng
        keys = [k for k in candidate_areas if k != exclude]
        template = rng.choice(self.t["goal_templates"])
        if first is None or first == exclude:
            first = rng.choice(keys)
        x = rng.choice(self.areas[first]["learn"])
        used = [first]
        if "{y}" in template:
            second = rng.choice([k for k in keys if k != first])
            y = rng.choice(self.areas[second]["learn"])
            used.append(second)
            return template.format(x=x, y=y), used
        return template.format(x=x), used

    def vary(self, rng: random.Random, sentence: str, kind: str, area: dict, loc: dict) -> str:
        """Sometimes add a short lead-in ("Day to day, ", "As a mentor, "), for rhythm, not uniqueness.

        None where it would read oddly: before a sentence about mentoring ("In mentoring, I like
        mentoring ..."), and no office or region before one that names its own ("At our Lima office,
        I ... for our European business").
        """
        leads_by_kind = self.t["lead_ins"]
        if rng.random() > 0.35 or not sentence.startswith("I ") or "mentor" in sentence:
            return sentence
        second = sentence.split()[1]
        if kind == "experience":
            if second in ("have", "am", "sit", "chair", "own", "partner"):
                return sentence
            past = second.endswith("ed") or second in leads_by_kind["past_verbs"]
            leads = leads_by_kind["past"] if past else leads_by_kind["present"]
            if PLACE_WORDS.search(sentence):
                leads = [lead for lead in leads if "{city}" not in lead and "{region}" not in lead]
        else:
            if second == "can":
                timed = any(w in sentence for w in ("session", "sitting", "minutes", "an hour"))
                leads = leads_by_kind["can_timed"] if timed else leads_by_kind["can"]
            elif second in ("like", "enjoy"):
                leads = leads_by_kind["like"]
            else:
                return sentence
        lead = rng.choice(leads).format(city=loc["city"], region=region_of(loc["timezone"]), topic=area["topic"])
        return lead + sentence

    def draw(self, deck_name: tuple[str, str], pool: list[str], k: int) -> list[str]:
        """Up to k sentences from a deck: each sentence of the pool is dealt once in the whole demo.

        Sentences that bios still to be written will need stay in the deck (self.reserved), so every
        bio gets at least one while the tables hold enough. A deck's order is seeded by its name:
        adding sentences to one area reshuffles that area only.
        """
        deck = self.decks.get(deck_name)
        if deck is None:
            deck_rng = random.Random(f"{self.seed}:{':'.join(deck_name)}")
            deck = self.decks[deck_name] = deck_rng.sample(pool, len(pool))
        n = min(k, max(len(deck) - self.reserved[deck_name], 1))
        dealt, deck[:] = deck[:n], deck[n:]
        if len(dealt) < k:
            self.shortfalls[deck_name] += k - len(dealt)
        for sentence in dealt:
            if not self.claim(sentence):
                raise ValueError(f"{TABLES.name} has this sentence twice: {sentence!r}")
        return dealt

    def claim(self, sentence: str) -> bool:
        """Record every passage of a sentence as used; False (and nothing recorded) if one already is."""
        passages = [p for p in PASSAGE_END.split(sentence) if p]
        if any(p in self.used_passages for p in passages):
            return False
        self.used_passages.update(passages)
        return True

    def style_sentence(self, rng: random.Random, style: str, area: dict, **values: str) -> str | None:
        """How this mentor works in one style: a template not yet used in this area, filled so that its
        text is new to the demo (None when every template is taken)."""
        table = self.t["style_sentences"][style]
        used = self.used_templates[area["key"]]
        for template in rng.sample(table["templates"], len(table["templates"])):
            if (style, template) in used:
                continue
            for _ in range(10):
                slots = {k: rng.choice(v) for k, v in table.get("slots", {}).items()}
                text = template.format(topic=area["topic"], **values, **slots)
                if self.claim(text):
                    used.add((style, template))
                    return text
        return None

    def bio(
        self,
        rng: random.Random,
        area: dict,
        styles: list[str],
        title: str,
        seniority: int,
        loc: dict,
        langs: list[str],
        flash_topic: str | None,
        goal_topic: str | None,
    ) -> str:
        """What I do, then (for mentors) what I can help with and how I mentor: two to four sentences."""
        key = area["key"]
        exp = self.draw((key, "experience"), area["experience"], 2 if not styles or rng.random() >= 0.6 else 1)
        if not exp:
            raise RuntimeError(f"area {key} has no experience sentence left: add some to {TABLES.name}")
        exp = [self.vary(rng, x, "experience", area, loc) for x in exp]
        if not styles:  # not a mentor (yet)
            return " ".join(exp)
        teach = self.teaching(rng, area, styles, title, seniority, 1 if len(exp) == 2 or rng.random() < 0.6 else 2)
        if not teach:
            raise RuntimeError(f"area {key} has no teaching sentence left: add some to {TABLES.name}")
        teach = [self.vary(rng, x, "teaching", area, loc) for x in teach]
        extra = self.how_i_mentor(rng, area, styles, loc, langs, flash_topic, goal_topic)
        # A teaching sentence occasionally leads; mostly experience comes first.
        sentences = teach + exp + extra if rng.random() < 0.15 else exp + teach + extra
        return " ".join(sentences[:4])

    def teaching(
        self, rng: random.Random, area: dict, styles: list[str], title: str, seniority: int, n: int
    ) -> list[str]:
        """Up to n things I can help with; a seniority-7 specialist may offer one about their career track."""
        teach: list[str] = []
        if area["group"] == "specialist" and seniority == 7 and styles != ["flash"] and rng.random() < 0.3:
            track = "manager" if title == area["titles"]["level_7"][0] else "individual"
            teach = [
                x.format(n=rng.choice(self.t["numbers"]), team=area["team"], topic=area["topic"])
                for x in self.draw(("mentor_track", track), self.t["mentor_track"][track], 1)
            ]
        return teach + self.draw((area["key"], "teaching"), area["teaching"], n - len(teach))

    def how_i_mentor(
        self,
        rng: random.Random,
        area: dict,
        styles: list[str],
        loc: dict,
        langs: list[str],
        flash_topic: str | None,
        goal_topic: str | None,
    ) -> list[str]:
        """Most mentors say how they work in one of their styles: that sentence, or nothing."""
        style = self.style_for(rng, styles, flash_topic, goal_topic)
        if style is None:
            return []
        values: dict[str, str] = {}
        if style == "flash":
            values = {"flash_topic": flash_topic}
        elif style == "e_mentoring":
            names = [self.t["language_names"][code] for code in langs]
            langs_text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            values = {"city": loc["city"], "langs": langs_text}
        elif style == "two_way":
            values = {"goal_topic": goal_topic}
        text = self.style_sentence(rng, style, area, **values)
        return [text] if text else []

    @staticmethod
    def style_for(rng: random.Random, styles: list[str], flash_topic: str | None, goal_topic: str | None) -> str | None:
        """Which style, if any, the bio describes: the first whose band the roll lands in."""
        roll = rng.random()
        if styles == ["flash"]:
            roll = roll * 0.45 + 0.35  # lands in the flash band most of the time
        if "reverse" in styles and roll < 0.35:
            return "reverse"
        if "flash" in styles and flash_topic and roll < 0.62:
            return "flash"
        if "e-mentoring" in styles and roll < 0.78:
            return "e_mentoring"
        if "two-way" in styles and goal_topic and roll < 0.9:
            return "two_way"
        if "traditional" in styles and roll < 0.97:
            return "traditional"
        return None

    def write_bios(self) -> None:
        """Write everyone's bio, in the order people were made, keeping a sentence in reserve in each
        deck for every bio still to come."""
        self.reserved.clear()
        for person in self.people:
            if "_bio_facts" in person:
                self.reserved[(person["_area"], "experience")] += 1
                self.reserved[(person["_area"], "teaching")] += bool(person["styles"])
        for index, person in enumerate(self.people):
            facts = person.pop("_bio_facts", None)
            if facts is None:
                continue
            self.reserved[(person["_area"], "experience")] -= 1
            self.reserved[(person["_area"], "teaching")] -= bool(person["styles"])
            # Its own generator, so that editing a sentence changes bios but never who the people are.
            rng = random.Random(f"{self.seed}:bio:{index}")
            person["bio"] = self.bio(
                rng,
                self.areas[person["_area"]],
                person["styles"],
                person["title"],
                person["seniority"],
                facts["loc"],
                person["languages"],
                facts["flash_topic"],
                facts["goal_topic"],
            )

    def formats(self, virtual_only: bool = False) -> list[str]:
        if virtual_only:
            return ["virtual"]
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice([["in-person", "virtual"], ["virtual", "in-person"]])
        if r < 0.85:
            return ["virtual"]
        return ["in-person"]

    def skills(self, area: dict, extra_area: dict | None = None) -> list[str]:
        rng = self.rng
        tags = rng.sample(area["skills"], k=min(len(area["skills"]), rng.randint(2, 4)))
        if extra_area is not None:
            tag = rng.choice(extra_area["skills"])
            if tag not in tags:
                tags.append(tag)
        return tags

    def add(
        self,
        *,
        category: str,
        area_key: str,
        seniority: int,
        styles: list[str],
        goal_areas: list[str] | None,
        capacity: int,
        flash_hours: float,
        virtual_only: bool = False,
        loc: dict | None = None,
        extra_skill_area: str | None = None,
        with_bio: bool = True,
        goal_first: str | None = None,
    ) -> dict:
        """Make one person and append them to self.people (private "_" keys say how they were made)."""
        rng = self.rng
        area = self.areas[area_key]
        loc = loc or self.pick_location()
        name, culture = self.make_name(loc)
        langs = self.languages(loc, culture)
        title, seniority = self.title(area, seniority)
        flash_topic = rng.choice(area["flash"]) if ("flash" in styles and area.get("flash")) else None
        if "flash" in styles and flash_topic is None:
            flash_topic = area["topic"]
        person: dict = {
            "name": name,
            "title": title,
            "seniority": seniority,
            "department": area["department"],
        }
        goal_text, goal_used = self.goal(goal_areas, exclude=area_key, first=goal_first) if goal_areas else (None, [])
        goal_topic = self.areas[goal_used[0]]["topic"] if goal_used else None
        if with_bio:  # written by write_bios once everyone exists
            person["_bio_facts"] = {"loc": loc, "flash_topic": flash_topic, "goal_topic": goal_topic}
        person["skills"] = self.skills(area, self.areas[extra_skill_area] if extra_skill_area else None)
        if goal_text:
            person["goals"] = goal_text
        person["styles"] = styles
        person["formats"] = self.formats(virtual_only)
        person["location"] = loc["city"]
        person["timezone"] = loc["timezone"]
        person["languages"] = langs
        person["capacity"] = capacity
        person["flash_hours_per_month"] = float(flash_hours)
        person["_category"] = category
        person["_area"] = area_key
        person["_goal_areas"] = goal_used
        self.people.append(person)
        return person


def build(tables: dict) -> tuple[list[dict], Counter[tuple[str, str]]]:
    """All demo people, in their final order, with ids, managers and a few inactive or hidden; and, by
    deck, how many sentences bios asked for beyond what the tables hold."""
    b = Builder(tables)
    rng = b.rng
    areas = tables["areas"]
    reverse_keys = list(areas["reverse"])
    senior_keys = list(areas["senior"])
    spec_keys = list(areas["specialist"])
    locations = tables["locations"]
    # Independent shuffled rotations so every category covers every specialist area evenly.
    rotations = {name: rng.sample(spec_keys, k=len(spec_keys)) for name in ("senior", "flash", "e", "two", "mid")}
    flash_hours_options = [1.0, 1.5, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 8.0]

    # What seniors want to learn: social platforms, AI tools, data literacy.
    senior_goal_areas = reverse_keys + ["data_leader", "ml", "sql", "bi_dashboards", "pandas"]
    # What juniors want to learn: the leadership and business topics seniors teach.
    junior_goal_areas = senior_keys + ["excel", "public_speaking", "recruiting", "okrs", "sql", "product_mgmt"]

    # Two-way reverse mentors waiting for a senior who wants to learn their topic:
    # (junior's area, senior area the junior wants to learn).
    pending_pairs: list[tuple[str, str]] = []

    # 1) Reverse mentors: seniority 1-4, social media / AI / new platforms.
    for i in range(72):
        key = reverse_keys[i % len(reverse_keys)]
        seniority = rng.choices([1, 2, 3, 4], weights=[15, 30, 30, 25])[0]
        styles = ["reverse"]
        if rng.random() < 0.30:
            styles.append("flash")
        if rng.random() < 0.40:
            styles.append("two-way")
        emt = rng.random() < 0.15
        if emt:
            styles.append("e-mentoring")
        goal = junior_goal_areas if ("two-way" in styles or rng.random() < 0.85) else None
        goal_first = None
        if "two-way" in styles:
            goal_first = rng.choice(senior_keys)
            pending_pairs.append((key, goal_first))
        other = rng.choice(reverse_keys)
        b.add(
            category="reverse",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=goal,
            goal_first=goal_first,
            capacity=rng.randint(1, 3),
            flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
            virtual_only=emt and rng.random() < 0.6,
            extra_skill_area=other if other != key else None,
        )

    # 2) Senior mentors: seniority 7-10, traditional mentoring in leadership and business.
    for i in range(64):
        if i < 44:
            key = senior_keys[i % len(senior_keys)]
            seniority = rng.choices([8, 9, 10], weights=[45, 35, 20])[0]
        else:
            key = rotations["senior"][i % len(spec_keys)]
            seniority = 7
        styles = ["traditional"]
        if rng.random() < 0.35:
            styles.append("two-way")
        if rng.random() < 0.12:
            styles.append("flash")
        if rng.random() < 0.12:
            styles.append("e-mentoring")
        flash_hours = rng.choice([1.0, 1.5, 2.0]) if "flash" in styles else 0.0
        goal_first = None
        if "two-way" in styles:
            # Reciprocal pair: learn the topic of a two-way junior who wants to learn this senior's topic.
            match = next((pair for pair in pending_pairs if pair[1] == key), None)
            if match is not None:
                pending_pairs.remove(match)
                goal_first = match[0]
        b.add(
            category="senior",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=senior_goal_areas,
            capacity=rng.randint(1, 4),
            flash_hours=flash_hours,
            goal_first=goal_first,
        )

    # 3) Flash mentors: focused topics, some flash-only (capacity 0).
    for i in range(70):
        key = rotations["flash"][i % len(spec_keys)]
        seniority = rng.choices([3, 4, 5, 6, 7], weights=[20, 30, 25, 15, 10])[0]
        flash_only = rng.random() < 0.35
        styles = ["flash"]
        capacity = 0
        if not flash_only:
            capacity = rng.randint(1, 3)
            if rng.random() < 0.2:
                styles.append("e-mentoring")
            if seniority >= 5 and rng.random() < 0.3:
                styles.append("traditional")
            if rng.random() < 0.2:
                styles.append("two-way")
        goal = spec_keys + senior_keys if ("two-way" in styles or rng.random() < 0.7) else None
        b.add(
            category="flash",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=goal,
            capacity=capacity,
            flash_hours=rng.choice(flash_hours_options),
        )

    # 4) Virtual-only e-mentors spread across every time zone.
    loc_order = sorted(range(len(locations)), key=lambda j: rng.random())
    for i in range(50):
        seniority = rng.choices([3, 4, 5, 6, 7, 8, 9], weights=[12, 18, 22, 18, 14, 10, 6])[0]
        key = senior_keys[i % len(senior_keys)] if seniority >= 8 else rotations["e"][i % len(spec_keys)]
        styles = ["e-mentoring"]
        if seniority >= 5 and rng.random() < 0.35:
            styles.append("traditional")
        if rng.random() < 0.2:
            styles.append("flash")
        if rng.random() < 0.15:
            styles.append("two-way")
        goal_pool = senior_goal_areas if seniority >= 8 else spec_keys + senior_keys
        goal = goal_pool if ("two-way" in styles or rng.random() < 0.75) else None
        b.add(
            category="e-mentoring",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=goal,
            capacity=rng.randint(1, 4),
            flash_hours=rng.choice([1.0, 2.0, 3.0]) if "flash" in styles else 0.0,
            virtual_only=True,
            loc=locations[loc_order[i % len(loc_order)]],
        )

    # 5) Two-way mentors: have goals and offers; goals are things other mentors teach.
    for i in range(42):
        # Generated in pairs that want to learn each other's topic.
        key = rotations["two"][i % len(spec_keys)]
        partner = rotations["two"][(i + 1 if i % 2 == 0 else i - 1) % len(spec_keys)]
        seniority = rng.choices([3, 4, 5, 6, 7], weights=[20, 25, 25, 20, 10])[0]
        styles = ["two-way"]
        if seniority >= 5 and rng.random() < 0.3:
            styles.append("traditional")
        if rng.random() < 0.3:
            styles.append("flash")
        if rng.random() < 0.15:
            styles.append("e-mentoring")
        b.add(
            category="two-way",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=spec_keys + reverse_keys[:4] + ["careers", "negotiation", "budgeting"],
            goal_first=partner,
            capacity=rng.randint(1, 3),
            flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
        )

    # 6) Mid-level specialists (4-7) across functions.
    for i in range(46):
        key = rotations["mid"][i % len(spec_keys)]
        seniority = rng.choices([4, 5, 6, 7], weights=[25, 30, 30, 15])[0]
        pool = ["traditional", "flash", "e-mentoring", "two-way"]
        styles = rng.sample(pool, k=rng.choice([1, 1, 2]))
        styles.sort(key=pool.index)
        goal = spec_keys + senior_keys if ("two-way" in styles or rng.random() < 0.8) else None
        b.add(
            category="mid",
            area_key=key,
            seniority=seniority,
            styles=styles,
            goal_areas=goal,
            capacity=rng.randint(1, 3),
            flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
            virtual_only="e-mentoring" in styles and rng.random() < 0.5,
        )

    # 7) People who are not mentors (yet): goals only.
    for _ in range(38):
        seniority = rng.choices([1, 2, 3, 4, 5, 6, 7, 8, 9], weights=[12, 18, 18, 15, 12, 9, 6, 6, 4])[0]
        if seniority >= 8:
            key = rng.choice(senior_keys)
            goal_pool = senior_goal_areas
        elif seniority <= 4 and rng.random() < 0.35:
            key = rng.choice(reverse_keys)
            goal_pool = junior_goal_areas
        else:
            key = rng.choice(spec_keys)
            goal_pool = spec_keys + senior_keys + reverse_keys
        b.add(
            category="mentee",
            area_key=key,
            seniority=seniority,
            styles=[],
            goal_areas=goal_pool,
            capacity=0,
            flash_hours=0.0,
            with_bio=rng.random() < 0.6,
        )

    b.write_bios()
    people = b.people
    rng.shuffle(people)
    for n, person in enumerate(people, start=1):
        person["id"] = f"demo-{n:03d}"

    # Managers: ~30% get a more senior person in the same department (strictly higher
    # seniority, so no cycle is possible).
    for person in people:
        if person["seniority"] >= 10 or rng.random() >= 0.32:
            continue
        s = person["seniority"]
        candidates = [p for p in people if p["department"] == person["department"] and s < p["seniority"] <= s + 3]
        if not candidates:
            candidates = [p for p in people if p["department"] == person["department"] and p["seniority"] > s]
        if candidates:
            person["manager_id"] = rng.choice(candidates)["id"]

    # A few inactive and a few hidden profiles.
    for person in rng.sample(people, k=max(1, round(len(people) * 0.03))):
        person["active"] = False
    for person in rng.sample(people, k=max(1, round(len(people) * 0.03))):
        person["discoverable"] = False
    return people, b.shortfalls


def public(person: dict) -> dict:
    """The profile as imported: the schema's fields in a fixed order, without the generator's notes."""
    return {k: person[k] for k in KEY_ORDER if k in person}


def render(people: list[dict]) -> str:
    """The JSON Lines text of the profiles (one object a line, UTF-8 as is)."""
    for person in people:
        assert not FORBIDDEN_KEYS & set(public(person)), person["id"]
    return "".join(json.dumps(public(person), ensure_ascii=False) + "\n" for person in people)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default: {OUT.relative_to(ROOT)})")
    parser.add_argument("--tables", type=Path, default=TABLES, help="the word tables (TOML)")
    args = parser.parse_args(argv)
    people, shortfalls = build(load_tables(args.tables))
    args.out.write_text(render(people), encoding="utf-8", newline="\n")
    print(f"wrote {len(people)} profiles to {args.out}")
    if shortfalls:
        short = ", ".join(f"{area} {kind} {n}" for (area, kind), n in sorted(shortfalls.items()))
        print(f"bios that got fewer sentences than they asked for (add sentences to these): {short}", file=sys.stderr)


if __name__ == "__main__":
    main()
