"""The production-window pipeline: cutting, measuring, storing and reading windows."""
