"""What the Experiments page shows: a runs table, metric histories, a run comparison.

One module per job, imported directly by callers:

- ``filters``: which runs (``RunQuery``) and the metric condition parser;
- ``table``: the runs table, filtered, sorted and paged in SQL, and its filter options;
- ``histories``: metric histories, downsampled per run so spikes survive;
- ``compare``: runs side by side (params, tags, metrics), their labels (names) and
  each metric's best value;
- ``overfitting``: the train/test gap of each run against its threshold.
"""
