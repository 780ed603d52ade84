"""The Python module against the command line it wraps and against published counts."""

import json
import threading

import pytest

import tsize


def test_params_is_the_published_count_as_an_int():
    # GPT-2 small: 124,439,808 parameters, PyTorch's count of the architecture (wte tied to
    # lm_head; shared/reference/hf-configs/PARAMS.md).
    r = tsize.params("gpt2")
    assert r["total"] == 124_439_808
    assert type(r["total"]) is int
    assert r.breakdown.name == "gpt2"
    assert r.breakdown.values["params"] == r["total"]
    assert sum(c.values["params"] for c in r.breakdown) == r["total"]


def test_keywords_are_the_command_lines_flags():
    # tsize.memory("llama-3-8b", batch=8, ...) is `tsize memory llama-3-8b --batch 8 ...`.
    r = tsize.memory("llama-3-8b", batch=8, seq=4096, precision="amp-bf16", zero=1, gpus=8)
    cli = json.loads(tsize.run("memory", "llama-3-8b", "--batch", "8", "--seq", "4096",
                               "--precision", "amp-bf16", "--zero", "1", "--gpus", "8",
                               "--format", "json"))
    assert r.to_dict() == cli
    # A list is a comma-separated list; True a flag without a value.
    sweep = tsize.memory("gpt2", batch=[1, 2, 4])
    assert [run["batch"] for run in sweep.sections.values()] == [1, 2, 4]


def test_counts_past_64_bits_stay_exact():
    # A model built from flags alone, at a workload whose FLOPs pass 2^64: the step is the
    # forward and backward passes' sum to the last FLOP, which a float would not keep.
    r = tsize.flops(layers=4096, d_model=65536, heads=512, vocab=50000, context=1048576,
                    seq=1048576, batch=4096)
    assert r["step"] > 2**64
    assert r["step"] == r["forward"] + r["backward"] + r["recompute"]


def test_a_dict_is_a_config():
    with open("models/gpt2.json", encoding="utf-8") as f:
        config = json.load(f)
    assert tsize.params(config)["total"] == 124_439_808


def test_bad_input_raises_error_and_bad_values_raise_value_error():
    with pytest.raises(tsize.Error, match="did you mean llama-3-8b"):
        tsize.params("llama-3-8")
    with pytest.raises(ValueError, match="--precision: fp7 not in"):
        tsize.memory("gpt2", precision="fp7")
    with pytest.raises(ValueError, match="unknown keyword bogus"):
        tsize.memory("gpt2", bogus=1)
    with pytest.raises(tsize.Error, match="--concurrency 0: expected a positive"):
        tsize.infer("llama-3-8b", concurrency=0)


def test_tables_and_charts_are_the_command_lines():
    r = tsize.infer("llama-3-8b", input_len=1000, output_len=200, batch=4)
    assert r["tpot_s"] > 0
    assert r._repr_markdown_() == tsize.run("infer", "llama-3-8b", "--input-len", "1000",
                                            "--output-len", "200", "--batch", "4",
                                            "--format", "markdown")
    assert r._repr_html_().startswith("<pre>")
    result = tsize.memory("gpt2", batch=[1, 2, 4], gpu="H100-SXM")
    svg = result.plot(svg=True)
    text = svg if isinstance(svg, str) else svg.data
    assert "<svg" in text
    pytest.importorskip("matplotlib")
    figure = result.plot()
    ax = figure.axes[0]
    parts = [p for p in ax.patches]  # one bar per part and micro-batch
    assert len(parts) % 3 == 0 and parts
    # Each micro-batch's bars stack up to its peak, in GiB (the JSON's exact bytes / 2^30).
    tops = {}
    for p in parts:
        x = round(p.get_x() + p.get_width() / 2)
        tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    for x, b in enumerate((1, 2, 4)):
        assert tops[x] == pytest.approx(result[f"memory_b{b}_s1024"]["peak"] / 2**30, rel=1e-12)
    assert any("H100-SXM" in t.get_text() for t in ax.get_legend().get_texts())  # the GPU's line


def test_help_lists_every_flag_with_its_meaning():
    doc = tsize.memory.__doc__
    assert "batch" in doc and "precision" in doc
    assert "zero" in str(__import__("inspect").signature(tsize.memory))


def test_calls_from_threads_agree():
    models = ["gpt2", "llama-3-8b", "mixtral-8x7b", "deepseek-v3"] * 4
    serial = [tsize.memory(m, batch=2)["peak"] for m in models]
    results = [None] * len(models)

    def work(i):
        results[i] = tsize.memory(models[i], batch=2)["peak"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(models))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == serial


def test_to_dataframe_has_a_row_per_run():
    pd = pytest.importorskip("pandas")
    df = tsize.memory("gpt2", batch=[1, 2, 4]).to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df["batch"]) == [1, 2, 4]
    assert list(tsize.compare("gpt2", "gpt2-xl").to_dataframe()["model"]) == ["gpt2", "gpt2-xl"]


def test_the_readmes_python_example_runs():
    with open("README.md", encoding="utf-8") as f:
        readme = f.read()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 (the project's own text)
    assert namespace["r"]["peak"] > 0
    assert "124439808" in block and tsize.params("gpt2")["total"] == 124439808


def test_the_stubs_are_the_commands_options():
    from tsize import _stubs

    with open("python/tsize/__init__.pyi", encoding="utf-8") as f:
        committed = f.read()
    assert committed == _stubs.stubs(), (
        "regenerate: PYTHONPATH=python python3 -m tsize._stubs > python/tsize/__init__.pyi")
    compile(committed, "__init__.pyi", "exec")  # valid Python


def test_the_example_notebook_is_stored_without_outputs():
    # examples/seed_questions.ipynb runs headlessly in `make test` (ctest's python.notebook);
    # what it prints is made there, never stored.
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "seed_questions.ipynb")
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_true_false_flags_take_python_bools():
    # --sp takes true|false: sp=True is --sp true (the same JSON as the command line's).
    args = dict(seq=4096, precision="mixed-bf16", runtime="megatron", tp=2, gpus=2)
    assert tsize.memory("llama-3-8b", sp=True, **args).to_dict() == \
        tsize.memory("llama-3-8b", sp="true", **args).to_dict()
    assert tsize.memory("llama-3-8b", sp=False, **args)["peak"] > \
        tsize.memory("llama-3-8b", sp=True, **args)["peak"]  # SP shards the norms' activations
    assert "units (binary | si):" in tsize.memory.__doc__  # a flag's values, in help()
