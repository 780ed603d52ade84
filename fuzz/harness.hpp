// The checks each fuzz input goes through, shared by the libFuzzer targets and by
// tests/fuzz_regression_test.cpp (which replays fuzz/regressions/ on every `make test`).
// A harness returns normally for good and bad input alike; a broken invariant aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "tsize/checkpoint_files.hpp"
#include "tsize/error.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/hf_config.hpp"
#include "tsize/params.hpp"
#include "tsize/render.hpp"
#include "tsize/report.hpp"

namespace tsize::fuzz {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tsize fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// config.json text → spec → graph → params and FLOPs → JSON. Only tsize::Error may escape the
// library; a valid model's totals must agree with its tree.
inline void check_config(std::string_view text) {
  ModelSpec spec;
  try {
    spec = parse_hf_config(text, "fuzz.json");
  } catch (const Error&) {
    return;  // rejected with a message: fine
  }
  try {
    const Graph g = build_graph(spec);
    const ParamCounts p = count_params(g);
    require(p.breakdown.value() == p.total, "params tree sums to total");
    require(p.active <= p.total && p.trainable <= p.total, "active, trainable <= total");
    Workload w;
    w.seq = spec.max_positions < 64 ? spec.max_positions : 64;
    const FlopCounts f = count_flops(g, resolve_workload(spec, w), {});
    require(f.breakdown.value(2) == f.hardware, "FLOP tree sums to step");
    require(f.forward_matmul <= f.forward, "matmul part of forward");
    const Report r = full_report(g, w);
    require(!render(r, {Format::kJson}).empty(), "JSON rendered");
  } catch (const Error&) {
    // overflow of a valid-looking model: an error, never a wrapped number
  }
}

// Bytes as a safetensors header and as a GGUF header. Only tsize::Error may escape; every tensor
// read has the elements its shape says and no more bytes than its elements can need.
inline void check_checkpoint(std::string_view bytes) {
  try {  // a model folder's model.safetensors.index.json: its shards, sorted, once each
    const std::vector<std::string> shards = parse_safetensors_index(bytes, "fuzz");
    for (std::size_t i = 1; i < shards.size(); ++i) {
      require(shards[i - 1] < shards[i], "index shards sorted and unique");
    }
  } catch (const Error&) {
    // rejected with a message: fine
  }
  for (int format = 0; format < 2; ++format) {
    try {
      const std::vector<StoredTensor> tensors =
          format == 0 ? parse_safetensors_header(bytes, "fuzz") : parse_gguf_header(bytes, "fuzz");
      for (const StoredTensor& t : tensors) {
        Count elements = 1;
        for (const std::uint64_t d : t.shape) elements = mul(elements, d);
        require(elements == t.elements, "elements = product of the shape");
        require(t.values <= mul(t.bytes, 2) || t.values == t.elements, "values within bounds");
        require(t.bytes <= mul(t.elements, 8), "at most 8 bytes per element");
      }
    } catch (const Error&) {
      // rejected with a message: fine
    }
  }
}

// NUL- or newline-separated words → the command line. A failure prints nothing on stdout.
inline void check_args(std::string_view text) {
  std::vector<std::string> args(1);
  for (const char c : text) {
    if (c == '\0' || c == '\n') {
      args.emplace_back();
    } else {
      args.back() += c;
    }
  }
  if (args.size() > 24) return;
  std::string out, err;
  const int status = cli::run(args, out, err);
  require(status == 0 || status == 1 || status == 2, "exit status 0, 1 or 2 (70 is a bug)");
  if (status != 0) require(out.empty(), "no output on failure");
  if (status != 0) require(!err.empty(), "a message on failure");
}

}  // namespace tsize::fuzz
