"""A model's lineage: dataset versions → training runs → model versions → deployments.

One module per job, imported directly by callers:

- ``graph``: the graph's entities (``Node``, ``Edge``, ``LineageGraph``) and its layers;
- ``build``: the graph of a system's registered model versions, read from the store;
- ``layout``: positions for drawing it without a graph library;
- ``version_diff``: two model versions lined up, from code and data to production;
- ``datasets``: resolving ``name@version`` references to dataset versions.
"""
