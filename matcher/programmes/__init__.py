"""Programmes: pair a whole cohort at once, and plan each pair's sessions.

The pure core of issue 15. Nothing here imports Flask, SQLite, FAISS or the model: the service asks the
match pipeline for each mentee's top K candidates (same rules, scores and evidence as one match), turns
profile ids into indices, and hands plain arrays to these modules.

- `edges`: `CandidateEdges`, the sparse candidates (mentee index, mentor index, score), canonicalised.
- `result`: `Pair`, `Unmatched`, `Assignment`, and the reasons a mentee is left without a mentor.
- `assignment`: `assign`, the globally optimal pairing of mentees with mentors under capacities
  (min-cost flow), for the objectives `score` and `participation`, with a minimum score, pins and bans.
- `two_way`: `pair_within`, the same for one pool whose members pair with each other (general matching).
- `baselines`: `greedy_first_come` and `independent_top1`, what the optimum is measured against.
- `plan`: `need_topics`, `plan_sessions`, `two_way_plan`, `plan_text`: a plan of sessions for each pair.
"""
