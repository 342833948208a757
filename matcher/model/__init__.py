"""The embedding model: loading and running it, which profile texts it embeds, exporting and adapting it.

- `embedder`: `Embedder`, a local sentence-transformers model, loaded once, encoding in batches.
- `profile_vectors`: which texts of a profile are embedded, and their vectors as the profile's Embeddings.
- `export`: the model exported to ONNX (`mentor-match export-model`).
- `adapt/`: fine-tuning on triplets, export and models/ACTIVE (`mentor-match adapt`; the triplets come from
  the outcome log in matcher/learn/finetune.py).
- `batch/`: engines that fill in the store's missing embeddings (in process, or on a Ray cluster).

May import the store, the profile schema, config and files; never the index, the search or a face.
"""
