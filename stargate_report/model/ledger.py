"""The ledger: every number a briefing states, with its range, unit, status and derivation.

A :class:`Quantity` holds the Monte Carlo samples of one named output together with the
formula that produced it and the ids of its inputs (assumptions, facts, parameters or
other quantities), so any number can be walked back to its sources.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stargate_report.exceptions import DataError, UnknownNameError

STATUS_RANK = {"confirmed": 0, "confirmed (secondary)": 1, "secondary": 1, "parameter": 1, "derived": 2,
               "uncertain": 3}


@dataclass(frozen=True)
class Input:
    """An input of the ledger: an assumption row, a fact or a scenario parameter."""

    id: str
    kind: str  # "assumption" | "fact" | "parameter"
    value: float
    low: float
    high: float
    unit: str
    status: str
    sources: tuple[str, ...]
    note: str = ""
    #: P10, P50, P90 of the values the Monte Carlo drew (None for a fixed input or a one-sample run): what the
    #: results rest on, where ``value`` (the base) is only the mode of the distribution
    sampled: tuple[float, float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "value": self.value, "low": self.low, "high": self.high, "unit": self.unit,
               "status": self.status, "sources": list(self.sources), "note": self.note}
        if self.sampled is not None:
            out.update(zip(("p10", "p50", "p90"), self.sampled))
        return out


@dataclass
class Quantity:
    id: str
    samples: np.ndarray
    unit: str
    status: str
    sources: tuple[str, ...]
    inputs: tuple[str, ...]
    formula: str
    note: str = ""  # what the formula cannot say (a method, an accounting convention), in English

    @property
    def p10(self) -> float:
        return float(np.percentile(self.samples, 10))

    @property
    def p50(self) -> float:
        return float(np.percentile(self.samples, 50))

    @property
    def p90(self) -> float:
        return float(np.percentile(self.samples, 90))

    @property
    def width(self) -> float:
        """The relative width of the range, (P90 - P10) / P50 (0 for a median of 0)."""
        p10, p50, p90 = (float(v) for v in np.percentile(self.samples, [10, 50, 90]))
        return (p90 - p10) / p50 if p50 else 0.0

    def to_dict(self) -> dict[str, Any]:
        p10, p50, p90 = (float(v) for v in np.percentile(self.samples, [10, 50, 90]))
        return {"p10": p10, "p50": p50, "p90": p90, "width": (p90 - p10) / p50 if p50 else 0.0, "unit": self.unit, "status": self.status,
                "sources": list(self.sources), "inputs": list(self.inputs), "formula": self.formula,
                "note": self.note}


SERIES = "series:"  # prefix of the time series in the saved .npz (quantity ids never contain a colon)


@dataclass
class Results:
    """The evaluated scenario: quantities plus the inputs they were derived from."""

    scenario: dict[str, Any]
    quantities: dict[str, Quantity] = field(default_factory=dict)
    inputs: dict[str, Input] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # model role -> input id
    tables: dict[str, list[dict]] = field(default_factory=dict)  # derived tables (e.g. the cost-vs-CFE curve)
    series: dict[str, np.ndarray] = field(default_factory=dict)  # modelled time series (e.g. hourly dispatch)

    def __getitem__(self, qid: str) -> Quantity:
        if qid not in self.quantities:

            raise UnknownNameError("quantity", qid, list(self.quantities))
        return self.quantities[qid]

    def __contains__(self, qid: str) -> bool:
        return qid in self.quantities

    def add(self, qid: str, values, unit: str, formula: str, inputs: tuple[str, ...] | list[str],
            note: str = "") -> np.ndarray:
        """Record a derived quantity; status and sources follow from its inputs."""
        values = np.asarray(values, dtype=float)
        sources: list[str] = []
        rank = STATUS_RANK["derived"]
        for iid in inputs:
            item = self.quantities.get(iid) or self.inputs.get(iid)
            if item is None:
                raise KeyError(f"ledger input {iid!r} of {qid!r} is neither a quantity nor an input")
            rank = max(rank, STATUS_RANK.get(item.status, 3))
            for s in item.sources:
                if s not in sources:
                    sources.append(s)
        status = "uncertain" if rank >= STATUS_RANK["uncertain"] else "derived"
        self.quantities[qid] = Quantity(qid, values, unit, status, tuple(sources), tuple(inputs), formula, note)
        return values

    def trace(self, qid: str) -> list[str]:
        """All input ids (assumptions, facts, parameters) a quantity depends on, depth first."""
        seen: list[str] = []

        def walk(i: str) -> None:
            if i in self.quantities:
                for j in self.quantities[i].inputs:
                    walk(j)
            elif i not in seen:
                seen.append(i)

        walk(qid)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario,
                "quantities": {k: q.to_dict() for k, q in self.quantities.items()},
                "assumptions": {k: i.to_dict() for k, i in self.inputs.items()},
                "roles": dict(self.roles), "notes": list(self.notes), "tables": dict(self.tables)}

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    def to_frame(self):
        import pandas as pd  # pandas (about 0.3 s) only where a table is made

        rows = [{"id": k, **{f: v for f, v in q.to_dict().items() if f in ("p10", "p50", "p90", "unit", "status")},
                 "formula": q.formula, "inputs": ";".join(q.inputs), "sources": ";".join(q.sources)}
                for k, q in self.quantities.items()]
        return pd.DataFrame(rows)

    # -- persistence between the build and the chapters (no pickle) ---------------------------
    def save(self, stem) -> None:
        """Write ``<stem>.json`` (metadata) and ``<stem>.npz`` (samples, and the series as ``series:<name>``)."""

        stem = Path(stem)
        meta = self.to_dict()
        stem.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        np.savez_compressed(stem.with_suffix(".npz"), **{k: q.samples for k, q in self.quantities.items()},
                            **{f"{SERIES}{k}": v for k, v in self.series.items()})

    @classmethod
    def load(cls, stem) -> Results:
        """Read what :meth:`save` wrote. A file that is missing, cut short or not what ``save`` writes (an
        array or a field missing) raises :class:`~stargate_report.exceptions.DataError` naming the file."""


        stem = Path(stem)
        meta_path, npz_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(meta_path, "-", "-", f"cannot read the results ({exc}); build the run again") from None
        try:
            with np.load(npz_path, allow_pickle=False) as arrays:
                samples = {k: arrays[k] for k in arrays.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise DataError(npz_path, "-", "-", f"cannot read the samples ({exc}); build the run again") from None
        try:
            series = {k[len(SERIES):]: samples.pop(k) for k in list(samples) if k.startswith(SERIES)}
            res = cls(scenario=dict(meta["scenario"]), notes=list(meta.get("notes", [])),
                      roles=dict(meta.get("roles", {})), tables=dict(meta.get("tables", {})), series=series)
            for k, d in meta["assumptions"].items():
                res.inputs[k] = Input(k, d["kind"], d["value"], d["low"], d["high"], d["unit"], d["status"],
                                      tuple(d["sources"]), d.get("note", ""),
                                      (d["p10"], d["p50"], d["p90"]) if "p50" in d else None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(meta_path, "-", str(exc), "missing or of the wrong type; build the run again") from None
        for k, d in (meta.get("quantities") or {}).items():
            if k not in samples:
                raise DataError(npz_path, k, k, f"no array of samples for quantity {k!r} (the file does not belong "
                                "to these results); build the run again")
            try:
                res.quantities[k] = Quantity(k, samples[k], d["unit"], d["status"], tuple(d["sources"]),
                                             tuple(d["inputs"]), d["formula"], d.get("note", ""))
            except (KeyError, TypeError) as exc:
                raise DataError(meta_path, k, str(exc), "missing or of the wrong type; build the run again") from None
        return res
