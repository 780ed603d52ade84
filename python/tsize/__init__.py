"""tsize: parameters, FLOPs, memory, time and cost of transformer models.

One function per command of the `tsize` command line, run in-process by the same C++ library:
``tsize.memory("llama-3-8b", batch=8, seq=4096, precision="amp-bf16")`` is
``tsize memory llama-3-8b --batch 8 --seq 4096 --precision amp-bf16``. Keyword arguments are the
command's flags with underscores for dashes (``True`` for a flag without a value, a list for a
comma-separated list); the model is a preset name, a config.json path, a checkpoint folder, or a
``dict`` holding a config. Each call returns a :class:`Result` holding exactly what
``--format json`` prints (exact counts are Python ints). Bad input raises :class:`Error` with the
command line's message; a wrong keyword or value raises ``ValueError``. Nothing prints.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any, Iterator

from . import _tsize

__all__ = ["Error", "Result", "Node", "run"]


class Error(Exception):
    """Bad input (an unknown model, a value out of range): the message `tsize` prints."""


class Node:
    """One node of a result's breakdown tree: its name, its values by column, its children."""

    def __init__(self, data: Mapping[str, Any]):
        self.name: str = data["name"]
        self.note: str = data.get("note", "")
        self.repeat: int = data.get("repeat", 1)
        self.values: dict[str, Any] = {
            k: v for k, v in data.items() if k not in ("name", "note", "repeat", "children")
        }
        self.children: list[Node] = [Node(c) for c in data.get("children", [])]

    def __iter__(self) -> Iterator["Node"]:
        return iter(self.children)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.values!r}, {len(self.children)} children)"

    def walk(self, depth: int = 0) -> Iterator[tuple[int, "Node"]]:
        """Every node under this one, depth first, with its depth."""
        yield depth, self
        for c in self.children:
            yield from c.walk(depth + 1)


def _run(args: list[str]) -> str:
    status, out, err = _tsize.run(args)
    message = err.decode("utf-8", "replace").strip()
    for prefix in ("tsize: usage error: ", "tsize: error: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    message = message.replace("\n(run `tsize --help`)", "")
    if status == 2:
        raise ValueError(message)
    if status != 0:
        raise Error(message)
    return out.decode("utf-8")


def run(*args: str) -> str:
    """Runs a whole command line (``tsize.run("params", "gpt2")``) and returns what it prints."""
    return _run([str(a) for a in args])


class Result(Mapping):
    """What a command's ``--format json`` holds, as a read-only mapping; for commands that print
    a list (``compare``, ``models``, ``gpus``, ``clusters``) indexed by position and iterated by
    record. With the tree, tables and charts."""

    def __init__(self, args: list[str], data: Any):
        self._args = args
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        """A dict result's keys; a list result's records (``for gpu in tsize.gpus()``)."""
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<tsize.Result of `tsize {' '.join(self._args)}`>"

    def to_dict(self) -> Any:
        """A deep copy of the JSON data (a dict, or a list for list commands)."""
        return json.loads(json.dumps(self._data))

    @property
    def breakdown(self) -> Node | None:
        """The first section's tree (the JSON's ``breakdown``), or None."""
        if isinstance(self._data, dict) and "breakdown" in self._data:
            return Node(self._data["breakdown"])
        return None

    @property
    def sections(self) -> dict[str, dict]:
        """The sections JSON nests under their keys (a sweep's runs, `report`'s sections, the
        sections after the first), in order."""
        if not isinstance(self._data, dict):
            return {}
        return {k: v for k, v in self._data.items() if isinstance(v, dict) and k != "breakdown"}

    def to_dataframe(self):
        """A pandas DataFrame: one row per record (a list command, a search's layouts, a
        pipeline's stages, a sweep's runs), else the breakdown's nodes, else the scalar fields.
        Needs pandas."""
        import pandas as pd  # optional: only this method needs it

        data = self._data
        if isinstance(data, list):
            return pd.DataFrame(data)
        for key in ("layouts", "stages"):
            if isinstance(data.get(key), list):
                return pd.DataFrame(data[key])
        sections = self.sections
        if len(sections) > 1 and "breakdown" not in data:  # a sweep: one row per run
            return pd.DataFrame(
                [{"run": k, **{f: v for f, v in sec.items() if not isinstance(v, (list, dict))}}
                 for k, sec in sections.items()])
        if "breakdown" in data:
            rows = [
                {"depth": d, "name": n.name, **n.values, "note": n.note}
                for d, n in Node(data["breakdown"]).walk()
            ]
            return pd.DataFrame(rows)
        return pd.DataFrame([{k: v for k, v in data.items() if not isinstance(v, (list, dict))}])

    def text(self, format: str = "table") -> str:
        """The command's output in another format: table, markdown, csv or json."""
        return _run(self._args + ["--format", format])

    def _repr_markdown_(self) -> str:
        return self.text("markdown")

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.text("table")) + "</pre>"

    def plot(self, path: str | None = None, *, svg: bool = False, **kwargs: Any):
        """The command's chart (``--chart``): drawn with matplotlib when it is installed, from the
        chart's data as tsize computes it, and returned as a ``matplotlib.figure.Figure`` (saved to
        `path` when given, in the format its name says); else, or with ``svg=True``, the SVG tsize
        draws (written to `path` when given; an IPython SVG in a notebook, else its text).
        Keyword arguments add flags (``chart_by="context"``)."""
        flags = self._args + _flags(kwargs)
        svg = svg or importlib.util.find_spec("matplotlib") is None  # matplotlib is optional
        with tempfile.TemporaryDirectory() as tmp:
            target = os.path.join(tmp, "chart.svg" if svg else "chart.json")
            _run(flags + ["--chart", target])
            with open(target, encoding="utf-8") as f:
                text = f.read()
        if not svg:
            figure = _draw(json.loads(text))
            if path:
                figure.savefig(path, bbox_inches="tight")
            _show_figures_in_ipython()
            return figure
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        try:
            from IPython.display import SVG

            return SVG(text)
        except ImportError:
            return text


def _show_figures_in_ipython() -> None:
    """In IPython or Jupyter, a Figure that no pyplot manages displays as a PNG (the inline
    backend registers this only once pyplot is imported)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
        from matplotlib.figure import Figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        png = shell.display_formatter.formatters["image/png"]
        png.for_type(Figure, lambda figure: print_figure(figure, "png", bbox_inches="tight"))


def _draw(chart: Mapping[str, Any]):
    """A matplotlib Figure of a chart's data (``--chart FILE.json``): stacked bars with the GPU's
    line, or a layout search's front. No pyplot: nothing global, safe from threads."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), layout="constrained")
    ax = figure.add_subplot()
    red = "#d62728"
    if chart["kind"] == "stacked_bars":
        x = list(range(len(chart["categories"])))
        bottom = [0.0] * len(x)
        for s in chart["series"]:
            values = [v or 0.0 for v in s["values"]]
            ax.bar(x, values, bottom=bottom, color=s["color"], label=s["name"])
            bottom = [b + v for b, v in zip(bottom, values)]
        if chart["reference"] is not None:
            ax.axhline(chart["reference"], color=red, linestyle="--",
                       label=chart["reference_label"])
        ax.set_xticks(x, chart["categories"])
        if chart["percent"]:
            ax.set_ylim(0, 100)
    else:  # "front": iteration time against memory per GPU
        memory = [p[0] for p in chart["front"]]
        seconds = [p[1] for p in chart["front"]]
        ax.step(memory, seconds, where="post", color="#4e79a7", label="Pareto front")
        ax.scatter(memory, seconds, color="#4e79a7", s=12)
        for rank, (m, t) in enumerate(chart["marked"], start=1):
            ax.scatter([m], [t], color="#f28e2b", s=40, zorder=3)
            ax.annotate(str(rank), (m, t), textcoords="offset points", xytext=(5, 5))
        if chart["capacity"]:
            ax.axvline(chart["capacity"], color=red, linestyle="--", label=chart["capacity_label"])
    ax.set_xlabel(chart["x_label"])
    ax.set_ylabel(chart["y_label"])
    ax.set_title(chart["title"] + ("\n" + chart["subtitle"] if chart["subtitle"] else ""),
                 fontsize=10)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def _flags(kwargs: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in kwargs.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            out += [flag, ",".join(str(v) for v in value)]
        else:
            out += [flag, str(value)]
    return out


def _command(spec: Mapping[str, Any]):
    name = spec["name"]
    options = {o["name"].replace("-", "_"): o for o in spec["options"]}
    takes_model = bool(spec["positional"])

    def call(*models: Any, **kwargs: Any) -> Result:
        unknown = sorted(set(kwargs) - set(options) - {"format"})
        if unknown:
            raise ValueError(f"tsize.{name}: unknown keyword {', '.join(unknown)}")
        if "format" in kwargs:
            raise ValueError(f"tsize.{name}: a Result holds the JSON; use .text(format)")
        for key, value in kwargs.items():  # True/False for a flag that takes true|false
            if isinstance(value, bool) and options[key]["takes_value"]:
                kwargs[key] = "true" if value else "false"
        if any(isinstance(m, Mapping) for m in models):  # configs as files, for this call
            with tempfile.TemporaryDirectory() as tmp:
                args = [name] + [_model_arg(m, tmp, i) for i, m in enumerate(models)]
                args += _flags(kwargs)
                return Result(args, json.loads(_run(args + ["--format", "json"])))
        args = [name] + [os.fspath(m) for m in models] + _flags(kwargs)
        return Result(args, json.loads(_run(args + ["--format", "json"])))

    params = []
    if takes_model:
        params.append(inspect.Parameter("models", inspect.Parameter.VAR_POSITIONAL))
    for key, o in options.items():
        if key == "format":
            continue
        params.append(inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None))
    call.__signature__ = inspect.Signature(params, return_annotation=Result)
    call.__name__ = call.__qualname__ = name.replace("-", "_")
    lines = [spec["description"][:1].upper() + spec["description"][1:] + ".", ""]
    if takes_model:
        lines.append(f"{spec['positional']}: {spec['positional_description']} (a preset name, a "
                     "config.json path, a checkpoint folder, or a dict holding a config)")
    lines.append("")
    lines.append("Keyword arguments (the command's flags; None: its default):")
    for key, o in options.items():
        if key in ("format", "chart"):
            continue
        default = f" [default {o['default']}]" if o["default"] else ""
        kind = "" if o["takes_value"] else " (True/False)"
        if o["choices"] and "\n  " not in o["description"]:  # unless it lists them already
            kind = " (" + " | ".join(o["choices"]) + ")"
        lines.append(f"  {key}{kind}: {o['description']}{default}")
    call.__doc__ = "\n".join(lines)
    return call


def _model_arg(model: Any, tmp: str, index: int) -> str:
    if isinstance(model, Mapping):  # a config as a dict: written where the loader reads files
        path = os.path.join(tmp, f"config{index}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(model, f)
        return path
    return os.fspath(model)


_COMMANDS = _tsize.commands()
for _spec in _COMMANDS:
    if _spec["name"] == "completion":
        continue
    _fn = _command(_spec)
    globals()[_fn.__name__] = _fn
    __all__.append(_fn.__name__)
del _spec, _fn
