// One source for a number and its explanation: every op's figure (parameters, forward FLOPs,
// saved bytes) on every preset and every config in tests/data has a formula that, evaluated
// exactly over its inputs, equals the value the counts use. And the dataflow every fold walks
// is whole: no op reads a tensor nobody produced.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "formula_eval.hpp"
#include "test_util.hpp"
#include "tsize/activations.hpp"
#include "tsize/explain.hpp"
#include "tsize/flops.hpp"
#include "tsize/memory.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;

// Every preset, and every real config.json in tests/data.
std::vector<ModelSpec> every_model() {
  std::vector<ModelSpec> out;
  for (const Preset& p : presets()) out.push_back(load_preset(std::string(p.name)));
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("hf-configs"))) {
    if (e.path().extension() == ".json") out.push_back(load_hf_config_file(e.path().string()));
  }
  return out;
}

// The figure's formula evaluates, over its inputs, to its value; its terms add up to it; every
// input has one value.
void expect_consistent(const Figure& f, const std::string& where) {
  std::map<std::string, test::Int> inputs;
  for (const Input& in : f.inputs()) {
    ASSERT_NE(in.name, nullptr) << where;
    EXPECT_TRUE(inputs.emplace(in.name, static_cast<test::Int>(in.value)).second)
        << where << ": input " << in.name << " twice";
  }
  for (const Term& t : f.terms()) {
    for (const Input& in : t.inputs) {
      EXPECT_EQ(inputs.at(in.name), static_cast<test::Int>(in.value))
          << where << ": input " << in.name << " has two values";
    }
  }
  test::Rational r;
  try {
    r = test::FormulaEvaluator(f.formula(), inputs).evaluate();
  } catch (const std::exception& e) {
    ADD_FAILURE() << where << ": " << e.what();
    return;
  }
  EXPECT_EQ(r.den, 1) << where << ": " << f.formula();
  EXPECT_TRUE(r.num == static_cast<test::Int>(f.value()))
      << where << ": " << f.formula() << " = " << to_string(static_cast<Count>(r.num)) << ", value "
      << to_string(f.value());
  EXPECT_FALSE(f.source().empty()) << where;
  for (const char c : f.formula()) EXPECT_LT(static_cast<unsigned char>(c), 128) << where;
}

std::string where(const ModelSpec& s, const Block& b, const Op& op) {
  return s.name + " " + op_path(b, op);
}

TEST(Explain, ParameterFormulasEqualTheCountOnEveryModel) {
  for (const ModelSpec& spec : every_model()) {
    const Graph g = build_graph(spec);
    for (const Block& b : g.blocks) {
      for (const Op& op : b.ops) {
        const Figure f = param_figure(op);
        EXPECT_EQ(f.value(), params_per_copy(op) * static_cast<std::uint64_t>(op.copies))
            << where(spec, b, op);
        expect_consistent(f, where(spec, b, op));
      }
    }
  }
}

TEST(Explain, FlopFormulasEqualTheCountOnEveryModel) {
  for (const ModelSpec& spec : every_model()) {
    const Graph g = build_graph(spec);
    const std::int64_t seq = std::min<std::int64_t>(spec.max_positions, 3000);  // > DSA top-k
    for (const AttentionFlops mode : {AttentionFlops::kFull, AttentionFlops::kCausal}) {
      for (const Block& b : g.blocks) {
        for (const Op& op : b.ops) {
          const Figure f = forward_flop_figure(op, 3, seq, mode);
          EXPECT_EQ(f.value(), op_flops(op, 3, seq, mode).forward()) << where(spec, b, op);
          expect_consistent(f, where(spec, b, op) + " " + to_string(mode));
        }
      }
    }
  }
}

TEST(Explain, SavedByteFormulasEqualTheCountOnEveryModelAndRecipe) {
  std::vector<ActivationOptions> recipes(7);
  recipes[1].precision = Precision::kAmpBf16;
  recipes[2].precision = Precision::kAmpFp16;
  recipes[2].kernels = runtime_profile(Runtime::kCompiled).knobs;
  recipes[3].precision = Precision::kBf16;
  recipes[3].kernels.attention = AttentionImpl::kFlash;
  recipes[4].dropout = 0.1;
  recipes[4].recompute = Recompute::kSelective;
  recipes[5].precision = Precision::kAmpBf16;
  recipes[5].device = Device::kCpu;
  recipes[5].dropout = 0.1;
  recipes[6].recompute = Recompute::kFull;
  recipes[6].kernels = runtime_profile(Runtime::kMegatron).knobs;
  for (const ModelSpec& spec : every_model()) {
    const Graph g = build_graph(spec);
    Workload w;
    w.batch = 2;
    w.seq = std::min<std::int64_t>(spec.max_positions, 256);
    for (const ActivationOptions& o : recipes) {
      const SavedActivations counts = saved_activations(g, w, o);
      const std::vector<Figure> figures = saved_activation_figures(g, w, o);
      ASSERT_EQ(figures.size(), counts.per_op.size());
      std::size_t i = 0;
      for (const Block& b : g.blocks) {
        for (const Op& op : b.ops) {
          EXPECT_EQ(figures[i].value(), counts.per_op[i]) << where(spec, b, op);
          if (figures[i].value() > 0) expect_consistent(figures[i], where(spec, b, op));
          ++i;
        }
      }
    }
  }
}

// The JSON contract of --explain --format json, read back as another tool would.
TEST(Explain, JsonEntriesEvaluateToTheirValue) {
  const Graph g = build_graph(load_preset("deepseek-v3.2-exp"));
  Workload w;
  w.seq = 4096;
  MemoryOptions o;
  o.precision = Precision::kAmpBf16;
  for (const Section& s : {explain_params(g), explain_flops(g, w, {}), explain_memory(g, w, o)}) {
    Report r;
    r.sections = {s};
    const auto j = nlohmann::json::parse(render(r, {Format::kJson}));
    ASSERT_TRUE(j.contains(s.key)) << s.key;
    ASSERT_GT(j[s.key].size(), 10u) << s.key;
    for (const auto& [path, e] : j[s.key].items()) {
      std::map<std::string, test::Int> inputs;
      for (const auto& [name, v] : e["inputs"].items()) inputs[name] = v.get<std::uint64_t>();
      const test::Rational value =
          test::FormulaEvaluator(e["formula"].get<std::string>(), inputs).evaluate();
      EXPECT_TRUE(value.den == 1 &&
                  value.num == static_cast<test::Int>(e["value"].get<std::uint64_t>()))
          << s.key << " " << path;
      EXPECT_TRUE(e["source"].is_string()) << path;
    }
  }
}

// The evaluator itself: the operators the contract allows, exactly.
TEST(Explain, FormulaEvaluatorIsExact) {
  auto eval = [](const std::string& f) {
    return test::FormulaEvaluator(f, {{"s", 7}, {"w", 3}}).evaluate();
  };
  EXPECT_TRUE(eval("w*(w+1)/2 + (s-w)*w").num == 18);
  EXPECT_TRUE(eval("min(s,w) + max(s, w)").num == 10);
  EXPECT_TRUE(eval("ceil(s/2) + floor(s/2)").num == 7);
  EXPECT_TRUE(eval("s/2").den == 2);
  EXPECT_THROW(eval("s*x"), std::runtime_error);
  EXPECT_THROW(eval("s*"), std::runtime_error);
}

TEST(Dataflow, EveryOpReadsOnlyWhatWasProducedOnEveryModel) {
  for (const ModelSpec& spec : every_model()) {
    const Graph g = build_graph(spec);  // build_graph checks; check again, explicitly
    EXPECT_NO_THROW(check_dataflow(g)) << spec.name;
    for (const Block& b : g.blocks) {
      for (const Op& op : b.ops) {
        for (const TensorId id : op.inputs) {
          ASSERT_GE(id, 0) << where(spec, b, op);
          EXPECT_LT(b.tensors[static_cast<std::size_t>(id)].producer,
                    static_cast<int>(&op - b.ops.data()))
              << where(spec, b, op);
        }
      }
    }
  }
}

TEST(Dataflow, AReadOfATensorNeverProducedIsAnInternalError) {
  Graph g = build_graph(load_preset("llama-3-8b"));
  Block& layers = g.blocks[1];
  Op& q = layers.ops[1];  // q_proj reads the attention norm's output
  ASSERT_EQ(q.role, Role::kQProj);
  q.inputs = {static_cast<TensorId>(layers.tensors.size() - 1)};  // the last op's output
  EXPECT_THAT([&] { check_dataflow(g); }, ::testing::ThrowsMessage<std::logic_error>(
                                              HasSubstr("layers/attention/q_proj reads tensor")));
  EXPECT_THROW(saved_activations(g, resolve_workload(g.spec, {}), {}), std::logic_error);
  q.inputs = {-1};
  EXPECT_THROW(check_dataflow(g), std::logic_error);
}

// BERT's attention reads the layer input directly (post-norm): its q projection saves it.
// Before roles, that read fell through to "no tensor" and 0 bytes.
TEST(Dataflow, BertProjectionsSaveTheLayerInput) {
  const Graph g = build_graph(load_preset("bert-base-uncased"));
  Workload w;
  w.seq = 128;
  const SavedActivations a = saved_activations(g, resolve_workload(g.spec, w), {});
  std::size_t i = g.blocks[0].ops.size();  // the layer block's first op: q_proj
  ASSERT_EQ(g.blocks[1].ops[0].role, Role::kQProj);
  EXPECT_EQ(a.per_op[i], Count{128} * 768 * 4);  // fp32 b·s·h, once for q, k and v
  EXPECT_EQ(a.per_op[i + 1], 0);
}

TEST(Roles, TheTableIsInEnumOrderWithOneKindEach) {
  for (std::size_t i = 0; i < kRoles.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kRoles[i].role), i) << kRoles[i].name;
  }
  EXPECT_EQ(static_cast<std::size_t>(Role::kLoss) + 1, kRoles.size());
  EXPECT_EQ(kComponentNames.size(), static_cast<std::size_t>(Component::kLoss) + 1);
}

// Every op's path is unique within its block: trees and --explain key on it.
TEST(Roles, OpPathsAreUniqueOnEveryModel) {
  for (const ModelSpec& spec : every_model()) {
    const Graph g = build_graph(spec);
    for (const Block& b : g.blocks) {
      std::set<std::string> paths;
      for (const Op& op : b.ops)
        EXPECT_TRUE(paths.insert(op_path(b, op)).second) << where(spec, b, op);
    }
  }
}

}  // namespace
}  // namespace tsize
