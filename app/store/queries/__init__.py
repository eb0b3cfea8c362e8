"""The read layer: queries that more than one module needs, by domain.

Each returns plain values (frozen dataclasses, tuples or DataFrames), never
live ORM rows. ``systems`` (names, the pages' data version), ``production``
(production windows and their stored results), ``models`` (the champion) and
``thresholds`` (which bounds are in force).
"""

from app.store.queries.systems import data_version, system_names

__all__ = ["data_version", "system_names"]
