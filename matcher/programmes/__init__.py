"""Programmes: pair a whole cohort at once, plan each pair's sessions, review, publish, export.

The pure core (no Flask, SQLite, FAISS or model):
- `edges`: `CandidateEdges`, the sparse candidates (mentee index, mentor index, score), canonicalised.
- `result`: `Pair`, `Unmatched`, `Assignment`, and the reasons a mentee is left without a mentor.
- `assignment`: `assign`, the globally optimal pairing of mentees with mentors under capacities
  (min-cost flow), for the objectives `score` and `participation`, with a minimum score, pins and bans.
- `two_way`: `pair_within`, the same for one pool whose members pair with each other (general matching).
- `baselines`: `greedy_first_come` and `independent_top1`, what the optimum is measured against.
- `drafting`: `draft`, one function from ranked candidates, places and bans to pairs and reasons, one-way
  and two-way alike.
- `topics`: `need_topics`, a need's topics as noun phrases and skills; `plan`: the sessions of a pair.
- `review`: the review steps (approve, reject, ban, pin) as pure transitions; `views`: a programme as shown;
  `calendar`: the published sessions as iCalendar; `spec`, `cohort`: definitions and cohort files.

Around it: `match_side.MatchSide`, the narrow interface to the match side (rank, explain, encode, passages,
places), and `service.ProgrammeService`, which sequences the parts and stores what they decide.
"""
