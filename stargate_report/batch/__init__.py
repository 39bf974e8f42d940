"""Sweeps: grid expansion, executors (local workers, dask.distributed), the index page."""
