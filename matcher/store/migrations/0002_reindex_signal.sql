-- How many re-indexes have completed on this database: a replica whose own generation predates the
-- latest one rebuilds its generation from the stored embeddings (matcher/replicas.py).
INSERT INTO meta (key, value) VALUES ('reindex', 0);
