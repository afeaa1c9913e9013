"""ClusterExplorer: the 2-D failure-mode map as a plotly FigureWidget, with selection and renaming.

Every action is a method (``select``, ``select_clusters``, ``summary``, ``rename``); the
figure's click and lasso callbacks only call :meth:`ClusterExplorer.select`.
"""

from __future__ import annotations

from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab.widgets._common import esc, truncate

__all__ = ["ClusterExplorer"]

_RATES = ("negative_rate", "judge_fail_rate", "mean_rating", "implicit_negative_rate")


class ClusterExplorer:
    """Explore a ClusterResult: map, selection summary (keywords, exemplars, rates), renaming.

    Parameters
    ----------
    result : ClusterResult
        Needs ``assignments`` (``trace_id``, ``cluster``, ``x``, ``y`` ...) and ``clusters``
        (``cluster``, ``name``, ``size``, ``keywords``, rates ...) frames and ``rename``.
    traces : DataFrame or TraceSet
        The traces that were clustered (``trace_id``, ``input``, ``output`` ...).

    Attributes
    ----------
    selected : polars.DataFrame
        The selected points: assignment columns joined with the traces' columns.
    result : ClusterResult
        The current result (renaming replaces it with ``result.rename(...)``).
    """

    def __init__(self, result: Any, traces: Any) -> None:
        import polars as pl

        from feedback_lab._frame import to_polars

        for attr in ("assignments", "clusters", "rename"):
            if not hasattr(result, attr):
                msg = f"ClusterExplorer needs a ClusterResult (from fl.cluster_failures); {type(result).__name__} has no {attr!r}."
                raise TypeError(msg)
        self.result = result
        t = getattr(traces, "traces", traces)
        self.traces = to_polars(t).with_columns(pl.col("trace_id").cast(pl.String))
        self.selected = self._join([])
        self._fig = None
        self._panel = None

    @property
    def assignments(self):
        import polars as pl

        from feedback_lab._frame import to_polars

        return to_polars(self.result.assignments).with_columns(pl.col("trace_id").cast(pl.String))

    @property
    def clusters(self):
        from feedback_lab._frame import to_polars

        return to_polars(self.result.clusters)

    def _join(self, ids: list[str]):
        import polars as pl

        a = self.assignments.filter(pl.col("trace_id").is_in(ids))
        extra = [c for c in self.traces.columns if c == "trace_id" or c not in a.columns]
        return a.join(self.traces.select(extra), on="trace_id", how="left", maintain_order="left")

    # ------------------------------------------------------------------ actions
    def select(self, trace_ids: Any):
        """Select points by trace id; sets and returns :attr:`selected`."""
        ids = [str(t) for t in trace_ids]
        known = set(self.assignments["trace_id"].to_list())
        unknown = [t for t in ids if t not in known]
        if unknown:
            msg = f"ClusterExplorer.select: {len(unknown)} trace ids are not in the result, e.g. {unknown[:3]}."
            raise KeyError(msg)
        self.selected = self._join(list(dict.fromkeys(ids)))
        self._update_panel()
        return self.selected

    def select_clusters(self, clusters: Any):
        """Select every point of the given cluster ids."""
        import polars as pl

        ids = self.assignments.filter(pl.col("cluster").is_in(list(clusters)))["trace_id"].to_list()
        return self.select(ids)

    def summary(self, n_examples: int = 3) -> dict[str, Any]:
        """What the selection contains: size, clusters (with keywords and rates) and exemplars.

        Returns
        -------
        dict
            ``size``, ``clusters`` (list of dicts: cluster, name, selected, keywords and the
            cluster's rates), ``exemplars`` (the ``n_examples`` selected traces with the
            lowest outlier score, as dicts with trace_id, cluster, output).
        """
        import polars as pl

        sel = self.selected
        if len(sel) == 0:
            return {"size": 0, "clusters": [], "exemplars": []}
        counts = sel.group_by("cluster").len("selected")
        info = self.clusters.join(counts, on="cluster", how="inner").sort("selected", descending=True)
        cols = [c for c in ("cluster", "name", "selected", "size", "keywords", *_RATES) if c in info.columns]
        order = "outlier_score" if "outlier_score" in sel.columns else "trace_id"
        ex = sel.sort(pl.col(order), nulls_last=True).head(n_examples)
        ex_cols = [c for c in ("trace_id", "cluster", "input", "output") if c in ex.columns]
        return {"size": len(sel), "clusters": info.select(cols).to_dicts(), "exemplars": ex.select(ex_cols).to_dicts()}

    def rename(self, cluster: Any, name: str) -> Any:
        """Rename one cluster: ``self.result`` becomes ``result.rename({cluster: name})``."""
        if cluster not in set(self.clusters["cluster"].to_list()):
            msg = f"ClusterExplorer.rename: no cluster {cluster!r}; clusters are {sorted(self.clusters['cluster'].to_list())}."
            raise KeyError(msg)
        self.result = self.result.rename({cluster: name})
        if self._fig is not None:
            for tr in self._fig.data:
                if tr.meta == cluster:
                    tr.name = truncate(f"{cluster}: {name}", 60)[0]
        self._update_panel()
        return self.result

    # ------------------------------------------------------------------ display
    def figure(self):
        """The map: a plotly FigureWidget, one scatter trace per cluster (click/lasso select)."""
        if self._fig is not None:
            return self._fig
        go = import_optional("plotly.graph_objects", feature="ClusterExplorer")
        a = self.assignments
        names = dict(zip(self.clusters["cluster"].to_list(), self.clusters["name"].to_list(), strict=True))
        out = dict(zip(self.traces["trace_id"].to_list(),
                       self.traces["output"].to_list() if "output" in self.traces.columns else [], strict=False))
        fig = go.FigureWidget(layout={"dragmode": "lasso", "height": 520, "legend": {"itemsizing": "constant"}})
        for c in sorted(a["cluster"].unique().to_list()):
            part = a.filter(a["cluster"] == c)
            ids = part["trace_id"].to_list()
            hover = [esc(truncate(out.get(t) or "", 160)[0]) for t in ids]  # plotly reads a few tags: escape
            fig.add_scattergl(x=part["x"].to_list(), y=part["y"].to_list(), mode="markers", meta=c,
                              name=truncate(f"{c}: {names.get(c, '')}", 60)[0], customdata=ids,
                              hovertext=hover, hoverinfo="text+name", marker={"size": 6})
        for tr in fig.data:
            tr.on_click(self._on_points)
            tr.on_selection(self._on_points)
        self._fig = fig
        return fig

    def _on_points(self, trace: Any, points: Any, _selector: Any = None) -> None:
        inds = list(getattr(points, "point_inds", []) or [])
        if inds:
            self.select([trace.customdata[i] for i in inds])

    def _update_panel(self) -> None:
        if self._panel is None:
            return
        s = self.summary()
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(c.get(k))}</td>" for k in ("cluster", "name", "selected", "keywords", *_RATES)) + "</tr>"
            for c in s["clusters"])
        ex = "".join(f"<li><code>{esc(e['trace_id'])}</code> {esc(truncate(e.get('output') or '', 300)[0])}</li>"
                     for e in s["exemplars"])
        self._panel.value = (f"<b>{s['size']} selected</b><table><tr><th>cluster</th><th>name</th><th>n</th>"
                             f"<th>keywords</th>{''.join(f'<th>{r}</th>' for r in _RATES)}</tr>{rows}</table>"
                             f"<b>exemplars</b><ul>{ex}</ul>")

    def widget(self):
        """Map, selection panel and a rename box."""
        w = import_optional("ipywidgets", feature="ClusterExplorer")
        if self._panel is None:
            self._panel = w.HTML()
        pick = w.Dropdown(options=sorted(self.clusters["cluster"].to_list()), description="cluster")
        name = w.Text(placeholder="new name")
        btn, err = w.Button(description="rename"), w.HTML()

        def on_rename(_):
            try:
                self.rename(pick.value, name.value)
                err.value = ""
            except (KeyError, ValueError) as exc:
                err.value = f"<span style='color:#b00020'>{esc(exc)}</span>"

        btn.on_click(on_rename)
        self._update_panel()
        return w.VBox([self.figure(), w.HBox([pick, name, btn]), err, self._panel])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)
