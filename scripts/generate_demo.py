#!/usr/bin/env python3
"""Generate the demo profiles that `mentor-match import --demo` loads (matcher/demo/profiles.jsonl).

The words come from scripts/demo_tables.toml; this script decides who the ~380 people are: their
areas, seniority, mentoring styles, places, languages, managers, capacities and flash hours, and
which sentences make up each bio. Deterministic (random.Random(42)), standard library only:

    python3 scripts/generate_demo.py                  # overwrites matcher/demo/profiles.jsonl
    python3 scripts/generate_demo.py --out /tmp/p.jsonl

tests/test_demo.py checks that running it reproduces the packaged file byte for byte. Profiles never
contain (or hint at) age, gender, pronouns, ethnicity, religion or health; "junior"/"senior" refers
to seniority only.
"""

from __future__ import annotations

import argparse
import json
import random
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = Path(__file__).resolve().with_name("demo_tables.toml")
OUT = ROOT / "matcher" / "demo" / "profiles.jsonl"
SEED = 42
AREA_GROUPS = ("reverse", "senior", "specialist")

KEY_ORDER = ["id", "name", "title", "seniority", "department", "bio", "skills", "goals", "styles", "formats",
             "location", "timezone", "languages", "manager_id", "capacity", "flash_hours_per_month", "active",
             "discoverable"]
FORBIDDEN_KEYS = {"age", "gender", "pronouns", "ethnicity", "religion", "health", "birth_year", "birthyear",
                  "date_of_birth", "dob", "sex", "race"}


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
    """Makes people one at a time from the tables, keeping names, chief titles and bios unique."""

    def __init__(self, tables: dict, seed: int = SEED) -> None:
        self.t = tables
        self.areas = tables["all_areas"]
        self.rng = random.Random(seed)
        self.people: list[dict] = []
        self.used_names: set[str] = set()
        self.used_bios: set[str] = set()
        self.used_chiefs: set[str] = set()
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
        if "en" not in langs:
            # English for almost everyone; a few people work in their local language only.
            if rng.random() < 0.93:
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

    def vary(self, sentence: str, kind: str, area: dict, loc: dict) -> str:
        """Sometimes add a short lead-in so shared pool sentences read differently."""
        rng = self.rng
        leads_by_kind = self.t["lead_ins"]
        if rng.random() > 0.35 or not sentence.startswith("I "):
            return sentence
        second = sentence.split()[1]
        if kind == "exp":
            if second in ("have", "am", "sit", "chair", "own", "partner"):
                return sentence
            leads = leads_by_kind["past"] if second in leads_by_kind["past_verbs"] else leads_by_kind["present"]
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

    def style_sentence(self, style: str, **values: str) -> str:
        """One of the style's templates, its slots filled at random and the rest from `values`."""
        table = self.t["style_sentences"][style]
        slots = {k: self.rng.choice(v) for k, v in table.get("slots", {}).items()}
        return self.rng.choice(table["templates"]).format(**values, **slots)

    def bio(self, area: dict, styles: list[str], title: str, seniority: int, loc: dict, langs: list[str],
            flash_topic: str | None, goal_topic: str | None, mentor: bool = True) -> str:
        rng = self.rng
        flash_only = styles == ["flash"]
        for _ in range(200):
            exp = [self.vary(x, "exp", area, loc)
                   for x in rng.sample(area["experience"], k=1 if rng.random() < 0.55 else 2)]
            if not mentor:
                if len(exp) == 1:
                    others = [x for x in area["experience"] if not exp[0].endswith(x)]
                    exp.append(self.vary(rng.choice(others), "exp", area, loc))
                text = " ".join(exp)
                if text not in self.used_bios:
                    self.used_bios.add(text)
                    return text
                continue
            teach_pool = list(area["teaching"])
            if area["group"] == "specialist" and seniority == 7 and not flash_only:
                if title == area["titles"]["level_7"][0]:
                    teach_pool += [x.format(n=rng.choice(self.t["numbers"]), team=area["team"])
                                   for x in self.t["mentor_track"]["manager"]]
                else:
                    teach_pool += self.t["mentor_track"]["individual"]
            teach = [self.vary(x, "teach", area, loc)
                     for x in rng.sample(teach_pool, k=1 if (len(exp) == 2 or rng.random() < 0.5) else 2)]
            extra: list[str] = []
            roll = rng.random()
            if flash_only:
                roll = roll * 0.45 + 0.35  # lands in the flash band most of the time
            if "reverse" in styles and roll < 0.35:
                slots = {k: rng.choice(v) for k, v in self.t["style_sentences"]["reverse"]["slots"].items()}
                template = rng.choice(self.t["style_sentences"]["reverse"]["templates"])
                extra.append(template.format(n=rng.choice(["two", "three", "four", "five"]), **slots))
            elif "flash" in styles and flash_topic and roll < 0.62:
                slots = {k: rng.choice(v) for k, v in self.t["style_sentences"]["flash"]["slots"].items()}
                extra.append(rng.choice(self.t["style_sentences"]["flash"]["templates"]).format(topic=flash_topic,
                                                                                                **slots))
            elif "e-mentoring" in styles and roll < 0.78:
                names = [self.t["language_names"][code] for code in langs]
                lang_text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
                extra.append(self.style_sentence("e_mentoring", city=loc["city"], langs=lang_text))
            elif "two-way" in styles and goal_topic and roll < 0.9:
                extra.append(rng.choice(self.t["style_sentences"]["two_way"]["templates"]).format(
                    topic=area["topic"], goal_topic=goal_topic))
            elif "traditional" in styles and roll < 0.97:
                extra.append(self.style_sentence("traditional"))
            sentences = exp + teach + extra
            # A teaching sentence occasionally leads; mostly experience comes first.
            if rng.random() < 0.15:
                sentences = teach + exp + extra
            sentences = sentences[:4]
            if len(sentences) < 2:
                continue
            text = " ".join(sentences)
            if text not in self.used_bios:
                self.used_bios.add(text)
                return text
        raise RuntimeError(f"could not make a unique bio for {area['key']}")

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

    def add(self, *, category: str, area_key: str, seniority: int, styles: list[str], goal_areas: list[str] | None,
            capacity: int, flash_hours: float, virtual_only: bool = False, loc: dict | None = None,
            extra_skill_area: str | None = None, with_bio: bool = True, goal_first: str | None = None) -> dict:
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
        if with_bio:
            person["bio"] = self.bio(area, styles, title, seniority, loc, langs, flash_topic, goal_topic,
                                     mentor=bool(styles))
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


def build(tables: dict) -> list[dict]:
    """All demo people, in their final order, with ids, managers and a few inactive or hidden."""
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
        b.add(category="reverse", area_key=key, seniority=seniority, styles=styles, goal_areas=goal, goal_first=goal_first,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
              virtual_only=emt and rng.random() < 0.6, extra_skill_area=other if other != key else None)

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
        b.add(category="senior", area_key=key, seniority=seniority, styles=styles, goal_areas=senior_goal_areas,
              capacity=rng.randint(1, 4), flash_hours=flash_hours, goal_first=goal_first)

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
        b.add(category="flash", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=capacity, flash_hours=rng.choice(flash_hours_options))

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
        b.add(category="e-mentoring", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=rng.randint(1, 4), flash_hours=rng.choice([1.0, 2.0, 3.0]) if "flash" in styles else 0.0,
              virtual_only=True, loc=locations[loc_order[i % len(loc_order)]])

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
        b.add(category="two-way", area_key=key, seniority=seniority, styles=styles,
              goal_areas=spec_keys + reverse_keys[:4] + ["careers", "negotiation", "budgeting"], goal_first=partner,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0)

    # 6) Mid-level specialists (4-7) across functions.
    for i in range(46):
        key = rotations["mid"][i % len(spec_keys)]
        seniority = rng.choices([4, 5, 6, 7], weights=[25, 30, 30, 15])[0]
        pool = ["traditional", "flash", "e-mentoring", "two-way"]
        styles = rng.sample(pool, k=rng.choice([1, 1, 2]))
        styles.sort(key=pool.index)
        goal = spec_keys + senior_keys if ("two-way" in styles or rng.random() < 0.8) else None
        b.add(category="mid", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
              virtual_only="e-mentoring" in styles and rng.random() < 0.5)

    # 7) People who are not mentors (yet): goals only.
    for i in range(38):
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
        b.add(category="mentee", area_key=key, seniority=seniority, styles=[], goal_areas=goal_pool,
              capacity=0, flash_hours=0.0, with_bio=rng.random() < 0.6)

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
    return people


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
    people = build(load_tables(args.tables))
    args.out.write_text(render(people), encoding="utf-8", newline="\n")
    print(f"wrote {len(people)} profiles to {args.out}")


if __name__ == "__main__":
    main()
