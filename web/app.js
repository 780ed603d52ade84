// The page: inputs → tsize command lines → the library (WebAssembly, the same cli::run as the
// `tsize` binary) → the numbers, tables and charts tsize prints. No arithmetic of its own: every
// figure shown is a field of a command's JSON, or a chart tsize drew.
import createTsize from "./tsize.js";

const CONFIG_PATH = "/config.json"; // a pasted config, in the module's in-memory files
const FOLDER_PATH = "/model"; // an opened model folder: config.json and safetensors headers
const CUSTOM = "(config.json)";
let customPath = CONFIG_PATH;
const INPUTS = ["model", "batch", "seq", "precision", "optimizer", "runtime", "recompute",
  "attention", "gpu", "gpus", "tp", "pp", "cp", "ep", "zero", "tokens", "mfu", "weights",
  "kv-dtype", "context", "concurrency", "serve-tp"];

const $ = (id) => document.getElementById(id);
let tsize; // the module
let lastOutputs = {}; // command line → its JSON text, for the exports

// One command line: its output, or an Error with tsize's message.
function run(args) {
  const r = tsize.run(args);
  if (r.status !== 0) throw new Error(r.err.replace(/^tsize: (usage )?error: /, "").trim());
  return r.out;
}

// Integers beyond 2^53 stay exact: JSON.parse hands the reviver each number's source text.
function parseExact(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value) &&
    context && /^-?\d+$/.test(context.source) ? BigInt(context.source) : value);
}

function json(args) {
  const full = [...args, "--format", "json"];
  const text = run(full);
  const line = full.filter((a, i) => a !== "--chart" && full[i - 1] !== "--chart");
  lastOutputs["tsize " + line.join(" ")] = text;
  return parseExact(text);
}

const count = (v) => v.toLocaleString("en-US");
const gib = (bytes) => (Number(bytes) / 2 ** 30).toFixed(2) + " GiB";

function setValue(testid, text, raw) {
  const el = document.querySelector(`[data-testid="${testid}"]`);
  el.textContent = text;
  if (raw !== undefined) el.dataset.value = String(raw);
}

// The inputs as they stand; "" means tsize's default (the flag is left out).
function state() {
  const s = {};
  for (const id of INPUTS) s[id] = $(id).value.trim();
  return s;
}

function modelArg(s) {
  return s.model === CUSTOM ? customPath : s.model;
}

function flag(out, name, value) {
  if (value !== "" && value !== undefined) out.push("--" + name, value);
  return out;
}

// The training flags of `tsize memory`, as the inputs set them.
function trainingFlags(s, batch = s.batch) {
  const out = [];
  flag(out, "batch", batch);
  flag(out, "seq", s.seq);
  for (const name of ["precision", "optimizer", "runtime", "recompute", "attention", "gpus", "tp",
    "pp", "cp", "ep", "zero"]) {
    flag(out, name, s[name]);
  }
  return out;
}

// Powers of two up to at least twice the batch (and 8), with the batch itself: the chart's bars.
function chartBatches(batch) {
  const b = Math.max(1, parseInt(batch || "1", 10));
  const set = new Set([b]);
  for (let v = 1; v <= Math.max(8, 2 * b) && set.size < 64; v *= 2) set.add(v);
  return [...set].sort((x, y) => x - y).join(",");
}

// Runs a command line that also writes its chart (--chart), shows the chart in the figure, and
// returns the command's JSON.
function withChart(args, figureId) {
  const path = `/${figureId}.svg`;
  const result = json([...args, "--chart", path]);
  $(figureId).innerHTML = tsize.FS.readFile(path, { encoding: "utf8" });
  return result;
}

function showParams(s) {
  const p = json(["params", modelArg(s)]);
  setValue("params", count(p.total), p.total);
  setValue("params-note", "exact: every tensor the model holds, counted once");
  setValue("summary", `${p.model} (${p.family}): ${p.summary}`);
  const stored = p.checkpoint_files; // a model folder's safetensors headers against the count
  $("stored").hidden = !stored;
  if (stored) {
    setValue("stored", `Checkpoint: ${count(stored.stored_tensors)} tensors, ` +
      `${count(stored.stored_values)} values stored, ${count(stored.placed_values)} of them ` +
      `placed in the model. ${stored.assumptions.join(" ")}`, stored.stored_values);
  }
  const defaults = p.defaults_used || [];
  $("defaults-box").hidden = defaults.length === 0;
  $("defaults").replaceChildren(...defaults.map((d) => {
    const li = document.createElement("li");
    li.textContent = `${d.key} = ${JSON.stringify(d.value)}: ${d.source}`;
    return li;
  }));
}

const PARTS = [["weights", "weights"], ["gradients", "gradients"],
  ["master_weights", "master weights"], ["optimizer", "optimizer states"],
  ["autocast_weight_copies", "autocast weight copies"], ["activations", "activations"],
  ["loss_transient", "loss transient"], ["overhead", "overhead"]];

function showMemory(s) {
  const args = ["memory", modelArg(s), ...trainingFlags(s)];
  const m = json(args); // without --gpu: the fit table covers every GPU
  setValue("peak", gib(m.peak), m.peak);
  $("parts").replaceChildren(...PARTS.filter(([key]) => m[key]).map(([key, label]) => {
    const tr = document.createElement("tr");
    tr.innerHTML = `<th scope="row"></th><td data-testid="part-${key}"></td>`;
    tr.firstChild.textContent = label;
    tr.lastChild.textContent = `${gib(m[key])} (${count(m[key])} B)`;
    tr.lastChild.dataset.value = String(m[key]);
    return tr;
  }));
  const fits = m.fit.breakdown.children;
  $("fits").replaceChildren(...fits.map((g) => {
    const tr = document.createElement("tr");
    if (g.name === s.gpu) tr.className = "chosen";
    tr.innerHTML = "<th scope=\"row\"></th><td></td><td></td>";
    tr.children[0].textContent = g.name;
    tr.children[1].textContent = count(g.max_batch);
    tr.children[1].dataset.testid = `max-batch-${g.name}`;
    tr.children[1].dataset.value = String(g.max_batch);
    tr.children[2].textContent = g.note;
    return tr;
  }));
  const chosen = fits.find((g) => g.name === s.gpu);
  setValue("fit-note", chosen ? chosen.note : "");
  // A parallel layout takes one run: its chart is the one bar.
  const layout = ["tp", "pp", "cp", "ep"].some((k) => s[k] !== "");
  withChart(["memory", modelArg(s), ...trainingFlags(s, layout ? s.batch : chartBatches(s.batch)),
    "--gpu", s.gpu], "memory-chart");
  if ($("explain-box").open) {
    $("explain").textContent = run(["memory", modelArg(s), ...trainingFlags(s), "--gpu", s.gpu,
      "--explain"]);
  }
}

function showFlops(s) {
  const f = json(["flops", modelArg(s), ...flag(flag([], "batch", s.batch), "seq", s.seq)]);
  setValue("flops-per-token", count(f.per_token), f.per_token);
}

function showTraining(s) {
  const t = json(["train", modelArg(s), ...flag([], "tokens", s.tokens), "--gpu", s.gpu,
    ...flag([], "gpus", s.gpus), ...flag([], "mfu", s.mfu)]);
  setValue("train-days", `${(t.seconds / 86400).toFixed(1)} days`, t.seconds);
  setValue("train-note", `${count(t.tokens)} tokens, ${count(t.model_flops)} FLOPs, ` +
    `${count(Math.round(t.gpu_hours))} GPU-hours on ${s.gpu} at MFU ${t.mfu}`);
}

function showServing(s) {
  const args = ["infer", modelArg(s), ...flag([], "weights", s.weights),
    ...flag([], "kv-dtype", s["kv-dtype"]), ...flag([], "context", s.context),
    "--concurrency", s.concurrency || "max", "--gpu", s.gpu, ...flag([], "tp", s["serve-tp"])];
  const r = withChart(args, "serving-chart");
  setValue("serve-weights", gib(r.weights_bytes), r.weights_bytes);
  setValue("kv-per-token", `${count(r.kv_bytes_per_token)} B`, r.kv_bytes_per_token);
  setValue("max-concurrency", count(r.max_concurrency), r.max_concurrency);
  const gpus = s["serve-tp"] || "1";
  setValue("serve-note", `${r.fits ? "fits" : "does not fit"} on ${gpus} × ${s.gpu}`);
  if (r.tpot_s !== undefined) {
    setValue("tpot", `${(r.tpot_s * 1e3).toFixed(2)} ms`, r.tpot_s);
    setValue("ttft", `TTFT ${r.ttft_s.toFixed(3)} s`, r.ttft_s);
  } else {  // a GPU without a kernel model: memory only
    setValue("tpot", "—", "");
    setValue("ttft", "no kernel model for this GPU", "");
  }
}

// Each part of the results: how it is computed and what it shows (blanked when it fails, so no
// figure stays from other inputs).
const PARTS_SHOWN = [
  [showParams, ["params", "params-note", "summary"]],
  [showMemory, ["peak", "fit-note"], ["parts", "fits", "memory-chart"]],
  [showFlops, ["flops-per-token"]],
  [showTraining, ["train-days", "train-note"]],
  [showServing, ["serve-weights", "kv-per-token", "max-concurrency", "serve-note", "tpot", "ttft"],
    ["serving-chart"]],
];

// Recomputes everything from the inputs; each part shows its own error.
function update() {
  const start = performance.now();
  const s = state();
  lastOutputs = {};
  const errors = [];
  for (const [show, values, containers = []] of PARTS_SHOWN) {
    try {
      show(s);
    } catch (e) {
      errors.push(e.message);
      for (const testid of values) setValue(testid, "—", "");
      for (const id of containers) $(id).replaceChildren();
    }
  }
  $("error").hidden = errors.length === 0;
  $("error").textContent = errors.join("\n");
  setValue("timing", `computed in ${(performance.now() - start).toFixed(1)} ms`);
  saveToUrl(s);
}

// The inputs live in the URL (a pasted config in its fragment), so a link shares them.
function saveToUrl(s) {
  const q = new URLSearchParams();
  for (const id of INPUTS) if (s[id] !== $(id).dataset.initial) q.set(id, s[id]);
  const hash = s.model === CUSTOM ? "#config=" + encodeURIComponent($("config").value) : "";
  history.replaceState(null, "", "?" + q.toString() + hash);
}

function loadFromUrl() {
  const q = new URLSearchParams(location.search);
  const config = new URLSearchParams(location.hash.slice(1)).get("config");
  if (config) useConfig(config, false);
  for (const [id, value] of q) if (INPUTS.includes(id)) $(id).value = value;
}

function useConfig(text, recompute = true) {
  $("config").value = text;
  tsize.FS.writeFile(CONFIG_PATH, text);
  customPath = CONFIG_PATH;
  $("model").value = CUSTOM;
  if (recompute) update();
}

// A model folder: its config.json, its safetensors index, and of each .safetensors file the
// 8-byte length and the header it gives (all tsize reads), never the weights.
async function useFolder(files) {
  const inFolder = [...files].filter((f) => f.webkitRelativePath.split("/").length === 2);
  const config = inFolder.find((f) => f.name === "config.json");
  if (!config) throw new Error("the folder has no config.json");
  const FS = tsize.FS;
  if (FS.analyzePath(FOLDER_PATH).exists) {
    for (const name of FS.readdir(FOLDER_PATH)) {
      if (name !== "." && name !== "..") FS.unlink(`${FOLDER_PATH}/${name}`);
    }
  } else {
    FS.mkdir(FOLDER_PATH);
  }
  for (const f of inFolder) {
    if (f.name === "config.json" || f.name.endsWith(".safetensors.index.json")) {
      FS.writeFile(`${FOLDER_PATH}/${f.name}`, new Uint8Array(await f.arrayBuffer()));
    } else if (f.name.endsWith(".safetensors")) {
      const length = new DataView(await f.slice(0, 8).arrayBuffer()).getBigUint64(0, true);
      const header = await f.slice(0, 8 + Number(length)).arrayBuffer();
      FS.writeFile(`${FOLDER_PATH}/${f.name}`, new Uint8Array(header));
    }
  }
  $("config").value = await config.text();
  customPath = FOLDER_PATH;
  $("model").value = CUSTOM;
  update();
}

function fillSelect(id, values, withDefault = true) {
  const options = withDefault ? [["", "(tsize's default)"]] : [];
  for (const v of values) options.push([v, v]);
  $(id).replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

function download(name, text, type) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

async function main() {
  tsize = await createTsize();
  window.tsize = tsize; // for the console: tsize.run(["params", "gpt2"]).out
  const presets = json(["models"]).map((m) => m.name);
  fillSelect("model", [...presets, CUSTOM], false);
  $("model").value = "llama-3-8b";
  fillSelect("gpu", json(["gpus"]).map((g) => g.name), false);
  $("gpu").value = "H100-SXM";
  const memory = tsize.commands().find((c) => c.name === "memory");
  const choicesOf = (cmd, name) => cmd.options.find((o) => o.name === name).choices;
  for (const id of ["precision", "optimizer", "runtime", "recompute", "attention"]) {
    fillSelect(id, choicesOf(memory, id));
  }
  fillSelect("zero", ["0", "1", "2", "3"]);
  const infer = tsize.commands().find((c) => c.name === "infer");
  fillSelect("kv-dtype", choicesOf(infer, "kv-dtype"));
  $("formats").replaceChildren(...["bf16", "fp16", "fp8", "fp8-block", "int8", "w8a8",
    "gptq-int4-g128", "awq-int4-g128", "nf4", "gguf-q8_0", "gguf-q4_k_m"].map((f) => new Option(f)));
  for (const id of INPUTS) $(id).dataset.initial = $(id).value;

  loadFromUrl();
  $("inputs").addEventListener("input", (e) => {
    if (e.target.id === "config") return; // applied with its button
    requestAnimationFrame(update);
  });
  $("inputs").addEventListener("submit", (e) => e.preventDefault());
  $("use-config").addEventListener("click", () => useConfig($("config").value));
  $("config-file").addEventListener("change", async (e) => {
    if (e.target.files[0]) useConfig(await e.target.files[0].text());
  });
  $("model-folder").addEventListener("change", (e) => {
    useFolder(e.target.files).catch((err) => {
      $("error").hidden = false;
      $("error").textContent = err.message;
    });
  });
  $("config").addEventListener("dragover", (e) => e.preventDefault());
  $("config").addEventListener("drop", async (e) => {
    e.preventDefault();
    if (e.dataTransfer.files[0]) useConfig(await e.dataTransfer.files[0].text());
  });
  $("explain-box").addEventListener("toggle", update);
  $("export-json").addEventListener("click", () =>
    download("tsize.json", "{\n" + Object.entries(lastOutputs).map(([cmd, out]) =>
      `${JSON.stringify(cmd)}: ${out.trim()}`).join(",\n") + "\n}\n", "application/json"));
  $("export-csv").addEventListener("click", () => {
    const s = state();
    download("tsize-memory.csv", run(["memory", modelArg(s), ...trainingFlags(s), "--gpu", s.gpu,
      "--format", "csv"]), "text/csv");
  });
  $("copy-link").addEventListener("click", () => navigator.clipboard.writeText(location.href));

  $("loading").hidden = true;
  $("app").hidden = false;
  update();
  document.body.dataset.ready = "true"; // for the page's test
}

main().catch((e) => {
  $("loading").textContent = "tsize could not start: " + e.message;
});
