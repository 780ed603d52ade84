// make test-web: serves the built page on 127.0.0.1, drives it in Debian's headless Chromium
// (playwright-core with the system browser), and checks that each number it shows is the one the
// `tsize` binary prints for the same inputs. Screenshots go to SITE/screenshots/.
// Usage: node web/test/page_test.mjs SITE_DIR TSIZE_BINARY
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { chromium } from "playwright-core";

const [site, binary] = process.argv.slice(2).map((p) => resolve(p));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".svg": "image/svg+xml" };

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
}

// The CLI's output for a command line (JSON), and a top-level field's exact source text.
function cli(args) {
  return execFileSync(binary, [...args, "--format", "json"], { encoding: "utf8" });
}
function field(jsonText, key) {
  const m = jsonText.match(new RegExp(`\\n  "${key}": ([^,\\n]+)`));
  if (!m) throw new Error(`no top-level "${key}" in tsize ${jsonText.slice(0, 80)}`);
  return m[1];
}

async function shown(page, testid) {
  return page.getAttribute(`[data-testid="${testid}"]`, "data-value");
}

// Every number the page shows for its inputs against the CLI run with the same flags.
async function compare(page, name, flags) {
  const f = { batch: "1", ...flags };
  const model = f.model;
  const training = [];
  for (const key of ["batch", "seq", "precision", "optimizer", "runtime", "recompute",
    "attention", "gpus", "tp", "pp", "cp", "ep", "zero"]) {
    if (f[key]) training.push(`--${key}`, f[key]);
  }
  const gpu = f.gpu || "H100-SXM";
  const params = cli(["params", model]);
  check(await shown(page, "params") === field(params, "total"), `${name}: parameters`);
  const memory = cli(["memory", model, ...training]);
  check(await shown(page, "peak") === field(memory, "peak"), `${name}: peak memory`);
  for (const part of ["weights", "optimizer", "activations"]) {
    const value = field(memory, part);
    if (value !== "0") {
      check(await shown(page, `part-${part}`) === value, `${name}: ${part}`);
    }
  }
  const fit = JSON.parse(memory).fit.breakdown.children.find((g) => g.name === gpu);
  check(await shown(page, `max-batch-${gpu}`) === String(fit.max_batch),
    `${name}: largest micro-batch on ${gpu}`);
  const flops = cli(["flops", model, "--batch", f.batch, ...(f.seq ? ["--seq", f.seq] : [])]);
  check(await shown(page, "flops-per-token") === field(flops, "per_token"),
    `${name}: FLOPs per token`);
  const train = cli(["train", model, "--tokens", f.tokens || "1T", "--gpu", gpu,
    ...(f.gpus ? ["--gpus", f.gpus] : []), "--mfu", f.mfu || "0.4"]);
  check(Number(await shown(page, "train-days")) === Number(field(train, "seconds")),
    `${name}: training time`);
  const infer = cli(["infer", model, "--weights", f.weights || "bf16",
    ...(f.context ? ["--context", f.context] : []), "--concurrency", "max", "--gpu", gpu,
    ...(f["serve-tp"] ? ["--tp", f["serve-tp"]] : [])]);
  check(await shown(page, "serve-weights") === field(infer, "weights_bytes"),
    `${name}: serving weights`);
  check(await shown(page, "kv-per-token") === field(infer, "kv_bytes_per_token"),
    `${name}: KV cache per token`);
  check(await shown(page, "max-concurrency") === field(infer, "max_concurrency"),
    `${name}: sequences that fit`);
  console.log(`     ${name}: ${await page.textContent('[data-testid="timing"]')}`);
}

// Sets inputs as a user does and waits for the page to recompute.
async function setInputs(page, values) {
  for (const [id, value] of Object.entries(values)) {
    const tag = await page.$eval(`#${id}`, (el) => el.tagName);
    if (tag === "SELECT") await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  await page.waitForTimeout(100); // one animation frame and the recompute
}

const server = createServer((req, res) => {
  const path = join(site, decodeURIComponent(new URL(req.url, "http://x").pathname));
  try {
    const body = readFileSync(path.endsWith("/") ? join(path, "index.html") : path);
    res.writeHead(200, { "content-type": TYPES[extname(path)] || "text/html" });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
}).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const shots = join(site, "screenshots");
mkdirSync(shots, { recursive: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
  check(errors.length === 0, `the page loads without errors ${errors.join("; ")}`);

  await compare(page, "llama-3-8b defaults", { model: "llama-3-8b" });
  await page.screenshot({ path: join(shots, "main.png"), fullPage: true });

  await setInputs(page, { model: "mixtral-8x7b", batch: "4", seq: "2048",
    precision: "mixed-bf16", gpus: "8", zero: "1", tokens: "300B", gpu: "A100-80GB",
    "serve-tp": "2" });
  await compare(page, "mixtral-8x7b, batch 4, seq 2048, mixed-bf16, ZeRO 1 over 8", {
    model: "mixtral-8x7b", batch: "4", seq: "2048", precision: "mixed-bf16", gpus: "8",
    zero: "1", tokens: "300B", gpu: "A100-80GB", "serve-tp": "2" });

  await setInputs(page, { model: "gpt2", batch: "16", seq: "", precision: "amp-bf16",
    runtime: "nanogpt", attention: "eager", gpus: "", zero: "", tokens: "1T", gpu: "H100-SXM",
    weights: "fp8", context: "1024", "serve-tp": "" });
  await compare(page, "gpt2, batch 16, amp-bf16, nanogpt, eager attention, fp8 weights", {
    model: "gpt2", batch: "16", precision: "amp-bf16", runtime: "nanogpt", attention: "eager",
    weights: "fp8", context: "1024" });

  // The state is in the URL: a reload shows the same numbers.
  const peak = await shown(page, "peak");
  await page.goto(page.url());
  await page.waitForSelector("body[data-ready=true]");
  check(await shown(page, "peak") === peak, "the URL keeps the inputs");

  // A pasted config.json: the count of the same file from the CLI.
  const config = JSON.stringify({ model_type: "llama", vocab_size: 32000, hidden_size: 1024,
    intermediate_size: 2816, num_hidden_layers: 8, num_attention_heads: 16,
    num_key_value_heads: 4, max_position_embeddings: 4096 });
  const file = join(tmpdir(), "tsize_page_config.json");
  writeFileSync(file, config);
  await page.click("#config-box summary");
  await page.fill("#config", config);
  await page.click("#use-config");
  await page.waitForTimeout(100);
  check(await shown(page, "params") === field(cli(["params", file]), "total"),
    "a pasted config.json: parameters");
  check(await shown(page, "peak") === field(cli(["memory", file, "--batch", "16",
    "--precision", "amp-bf16", "--runtime", "nanogpt", "--attention", "eager"]), "peak"),
  "a pasted config.json: memory");

  // A model folder: its config and, of its safetensors file, the header: the CLI's comparison.
  const folder = join(tmpdir(), "tsize_page_snapshot");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "config.json"), config);
  const header = JSON.stringify({ "vision.w": { dtype: "F32", shape: [2],
    data_offsets: [0, 8] } });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(folder, "model.safetensors"),
    Buffer.concat([length, Buffer.from(header), Buffer.alloc(8)]));
  await page.setInputFiles("#model-folder", folder);
  await page.waitForTimeout(300);
  const stored = cli(["params", folder]);
  check(await shown(page, "stored") === String(JSON.parse(stored).checkpoint_files.stored_values),
    `a model folder: the stored values of its safetensors headers (${
      await page.textContent('[data-testid="stored"]')})`);
  check(await shown(page, "params") === field(stored, "total"), "a model folder: parameters");

  // Bad input: tsize's own message, shown.
  await setInputs(page, { tp: "3" });
  const message = await page.textContent("#error");
  check(await page.isVisible("#error") && message.length > 0, `bad input shows: ${message}`);
  check(await shown(page, "peak") === "", "a failed part shows no figure from other inputs");
  await setInputs(page, { tp: "1" });
  check(!(await page.isVisible("#error")),
    `the error clears when the input is fixed ${await page.textContent("#error")}`);

  // Explain, dark, a phone.
  await page.click("#explain-box summary");
  await page.waitForTimeout(100);
  const explained = await page.textContent("#explain");
  check(explained.includes("peak"), `explain shows the figures: ${explained.slice(0, 300)}`);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(shots, "dark.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, "phone.png") });
  check(errors.length === 0, `no page errors ${errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}
console.log(failures === 0 ? "test-web: all checks passed" : `test-web: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
