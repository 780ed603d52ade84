// End-to-end: the real binary, its output to the byte, its errors and exit codes.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "../src/cli/commands.hpp"
#include "test_util.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct CliRun {
  int status = -1;
  std::string out, err;
};

// Runs build/tsize with `args` (shell words), capturing stdout, stderr and the exit status.
CliRun tsize_cli(const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const auto out = dir / ("tsize_out_" + tag), err = dir / ("tsize_err_" + tag);
  const std::string cmd =
      std::string(TSIZE_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  CliRun r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = test::read_file(out.string());
  r.err = test::read_file(err.string());
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Bad input: exit status 1, `message` on stderr, nothing on stdout.
void expect_bad_input(const std::string& args, const std::string& message) {
  const CliRun r = tsize_cli(args);
  EXPECT_EQ(r.status, 1) << args << ": " << r.err;
  EXPECT_THAT(r.out, IsEmpty()) << args;
  EXPECT_THAT(r.err, HasSubstr(message)) << args;
}

TEST(Cli, ParamsTableIsTheGoldenOutput) {
  const CliRun r = tsize_cli("params gpt2-xl");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, test::read_file(test::data_path("golden/params_gpt2-xl.txt")));
}

TEST(Cli, ModelsListIsTheGoldenOutput) {
  const CliRun r = tsize_cli("models");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, test::read_file(test::data_path("golden/models.txt")));
}

TEST(Cli, ParamsJsonContract) {
  const CliRun r = tsize_cli("params llama-3-8b --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["total"], 8'030'261'248u);
  EXPECT_EQ(j["trainable"], 8'030'261'248u);
  EXPECT_EQ(j["active"], 8'030'261'248u);
  EXPECT_EQ(j["non_embedding"], 8'030'261'248u - 2u * 128256u * 4096u);
  EXPECT_EQ(j["breakdown"]["params"], j["total"]);
  EXPECT_TRUE(j["breakdown"]["children"].is_array());
}

TEST(Cli, ConfigPathAndFlagsWork) {
  const CliRun path =
      tsize_cli("params " + test::data_path("hf-configs/Qwen__Qwen2.5-7B.json") + " --format csv");
  ASSERT_EQ(path.status, 0) << path.err;
  EXPECT_THAT(path.out, HasSubstr("params,fact,total,,7615616512,"));
  const CliRun flags = tsize_cli("params --layers 12 --d-model 768 --heads 12 --format json");
  ASSERT_EQ(flags.status, 0) << flags.err;
  EXPECT_EQ(nlohmann::json::parse(flags.out)["total"], 124'439'808u);
}

TEST(Cli, ReportHasTheParameterSection) {
  const CliRun r = tsize_cli("report mixtral-8x7b --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["params"]["active"], 12'879'925'248u);
  EXPECT_EQ(tsize_cli("report gpt2 --format markdown").status, 0);
  // Serving at report defaults: Mixtral's 93.4 GB of bf16 weights on the fewest H100s (two), its
  // KV 32 layers × 8 heads × 128 × 2 × 2 bytes a token. Each GPU holds half of the split
  // weights and all of the replicated: 65 norms and 32 routers (8 × 4,096) in bf16.
  EXPECT_EQ(j["infer"]["kv_bytes_per_token"], 131'072u);
  EXPECT_EQ(2 * j["infer"]["weights_per_gpu"].get<std::uint64_t>() -
                j["infer"]["weights_bytes"].get<std::uint64_t>(),
            2U * (65 * 4096 + 32 * 8 * 4096));
  EXPECT_GT(j["infer"]["tpot_s"].get<double>(), 0);
  EXPECT_FALSE(nlohmann::json::parse(tsize_cli("report bert-base-uncased --format json").out)
                   .contains("infer"));  // an encoder serves no tokens
}

TEST(CliErrors, UnknownPresetSuggestsAndPrintsNoNumber) {
  const CliRun r = tsize_cli("params llama-3-8");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("unknown model \"llama-3-8\""));
  EXPECT_THAT(r.err, HasSubstr("did you mean llama-3-8b"));
}

TEST(CliErrors, BadConfigFileNamesFileLineAndColumn) {
  const auto path = std::filesystem::temp_directory_path() / "tsize_bad_config.json";
  {
    std::ofstream f(path);
    // Line 3 is `  "hidden_size": 4096,,`: the second comma, column 23, is the error.
    f << "{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 4096,,\n}\n";
  }
  const CliRun r = tsize_cli("params " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr(path.string() + ": malformed JSON at line 3, column 23"));
}

// Issue 11 §2: every command that reads a config says what it assumed; --strict refuses it; a
// misspelled key is an error with the key it meant.
TEST(Cli, DefaultsUsedAreInEveryCommandsJson) {
  const auto path = std::filesystem::temp_directory_path() / "tsize_defaults.json";
  std::ofstream(path) << R"({"model_type": "llama", "num_hidden_layers": 2, "frobnicate": 1})";
  for (const char* command : {"params", "flops", "memory", "report", "checkpoint"}) {
    const CliRun r = tsize_cli(std::string(command) + " " + path.string() + " --format json");
    ASSERT_EQ(r.status, 0) << command << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j["defaults_used"].is_array()) << command;
    bool found = false;
    for (const auto& d : j["defaults_used"]) {
      if (d["key"] == "hidden_size") {  // transformers' LlamaConfig default
        EXPECT_EQ(d["value"], 4096);
        EXPECT_EQ(d["source"], "transformers LlamaConfig default");
        found = true;
      }
      EXPECT_NE(d["key"], "num_hidden_layers") << "set in the file";
    }
    EXPECT_TRUE(found) << command;
    EXPECT_EQ(j["ignored_keys"], nlohmann::json::array({"frobnicate"})) << command;
  }
  const CliRun table = tsize_cli("params " + path.string());
  EXPECT_THAT(table.out, HasSubstr("  hidden_size = 4096 (transformers LlamaConfig default)"));
  EXPECT_THAT(table.out, HasSubstr("Ignored keys (not read for this family): frobnicate"));
  const CliRun strict = tsize_cli("memory " + path.string() + " --strict");
  EXPECT_EQ(strict.status, 1);
  EXPECT_THAT(strict.out, IsEmpty());
  EXPECT_THAT(strict.err, HasSubstr("hidden_size is not set (--strict; the default would be 4096"));
  const CliRun compare = tsize_cli("compare " + path.string() + " gpt2 --strict");
  EXPECT_EQ(compare.status, 1);
  EXPECT_THAT(compare.out, IsEmpty());
  std::filesystem::remove(path);
  EXPECT_EQ(tsize_cli("params llama-3-8b --strict").status, 0);  // a complete preset
}

// Issue 11 §4: gpt2-xl's peak (27.44 GiB with transformers' gelu_new composite under CUDA
// autocast; the issue saw 23.93 GiB before it was modelled) does not fit an L4, whose process
// can allocate 22.49 GiB (nvidia-smi 23034 MiB with ECC) less the 512 MiB CUDA context =
// 21.99 GiB.
TEST(Cli, FitIsAgainstUsableMemoryWithTheMarginShown) {
  const CliRun r = tsize_cli("memory gpt2-xl --precision amp-bf16 --attention flash --gpu L4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("does not fit at batch 1: 27.44 GiB of 21.99 GiB usable"));
  EXPECT_THAT(r.out, HasSubstr("GiB short)"));
  const CliRun roomy = tsize_cli(
      "memory gpt2-xl --precision amp-bf16 --attention flash --gpu L4 --cuda-context 0 "
      "--format json");
  ASSERT_EQ(roomy.status, 0) << roomy.err;
  EXPECT_THAT(roomy.out, HasSubstr("of 22.49 GiB usable"));
  expect_bad_input("memory gpt2 --cuda-context 2048TiB", "--cuda-context 2048TiB: more than 1 PiB");
}

// Issue 11 §4: one default recipe. train assumes report's and compare's MFU and says so; memory
// trains a config as transformers does by default (amp-bf16, SDPA attention).
TEST(Cli, EveryCommandSharesTheDefaultRecipe) {
  const CliRun train = tsize_cli("train gpt2 --format json");
  ASSERT_EQ(train.status, 0) << train.err;
  EXPECT_EQ(nlohmann::json::parse(train.out)["mfu"], 0.4);
  EXPECT_THAT(tsize_cli("train gpt2").out, HasSubstr("assumed: the default; --mfu sets it"));
  EXPECT_THAT(tsize_cli("train --help").out, HasSubstr("default 0.4"));
  const auto memory = nlohmann::json::parse(tsize_cli("memory gpt2 --format json").out);
  const auto report = nlohmann::json::parse(tsize_cli("report gpt2 --format json").out);
  EXPECT_THAT(memory["assumptions"].dump(), HasSubstr("--precision amp-bf16"));
  EXPECT_EQ(memory["peak"], report["memory"]["peak"]);
}

// docs/cli.md names every unit the CSV prints (it once said `params` where the binary printed
// `count`).
TEST(Cli, CsvUnitsAreTheOnesDocumented) {
  const std::string docs = test::read_file(std::string(TSIZE_SOURCE_DIR) + "/docs/cli.md");
  const std::size_t at = docs.find("`unit` is one of");
  ASSERT_NE(at, std::string::npos);
  const std::string listed = docs.substr(at, docs.find("\n\n", at) - at);
  for (const char* args :
       {"params gpt2", "flops gpt2", "memory gpt2", "train gpt2 --price-per-gpu-hour 2",
        "mfu gpt2 --step-time 0.5 --batch 8"}) {
    const CliRun r = tsize_cli(std::string(args) + " --format csv");
    ASSERT_EQ(r.status, 0) << args << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      std::vector<std::string> cells;
      std::istringstream cell(line);
      for (std::string c; std::getline(cell, c, ',');) cells.push_back(c);
      if (cells.size() < 6 || cells[5].empty()) continue;
      EXPECT_NE(listed.find("`" + cells[5] + "`"), std::string::npos) << args << ": " << cells[5];
    }
  }
}

// A weights file is not a model; a folder without weights is not a checkpoint.
TEST(CliErrors, WeightsFilesArePointedToCheckpointCompare) {
  expect_bad_input("params /tmp/model.gguf",
                   "a weights file, not a model description; give the model's config.json");
  expect_bad_input("checkpoint gpt2 --compare " + std::string(TSIZE_SOURCE_DIR) + "/docs",
                   "a folder without .safetensors files or their index");
  const auto path = std::filesystem::temp_directory_path() / "tsize_bad.safetensors";
  std::ofstream(path, std::ios::binary) << std::string("\x0c\0\0\0\0\0\0\0{\"w\": 1}    ", 20);
  expect_bad_input("checkpoint gpt2 --compare " + path.string(), "tsize_bad.safetensors: tensor w");
  std::filesystem::remove(path);
}

// A HuggingFace snapshot folder: the config is the model; its safetensors headers are compared
// with the count (here a single-tensor file the graph has no place for).
TEST(Cli, AModelFolderComparesItsSafetensorsHeaders) {
  const auto dir = std::filesystem::temp_directory_path() / "tsize_cli_snapshot";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json")
      << test::read_file(test::data_path("hf-configs/openai-community__gpt2.json"));
  const std::string header =
      R"({"vision.w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
  std::string file(8, '\0');
  file[0] = static_cast<char>(header.size());
  std::ofstream(dir / "model.safetensors", std::ios::binary)
      << file << header << std::string(8, '\0');
  const CliRun r = tsize_cli("params " + dir.string() + " --format json");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["checkpoint_files"]["stored_tensors"], 1);
  EXPECT_EQ(j["checkpoint_files"]["stored_values"], 2);
  EXPECT_EQ(j["checkpoint_files"]["placed_values"], 0);
  EXPECT_THAT(j["checkpoint_files"]["assumptions"].dump(),
              HasSubstr("not part of the language model"));
}

// The train table over GPU counts names the model and the GPU.
TEST(Cli, TrainSweepNamesModelAndGpu) {
  const CliRun r = tsize_cli("train gpt2-xl --tokens 300B --gpus 1,8 --gpu A100-80GB");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("gpt2-xl: 300.00 B training tokens on A100-80GB GPUs"));
  const CliRun csv = tsize_cli("train gpt2-xl --tokens 300B --gpus 1,8 --format csv");
  EXPECT_THAT(csv.out, HasSubstr("model,gpu,gpus,seconds"));
  EXPECT_THAT(csv.out, HasSubstr("gpt2-xl,H100-SXM,8,"));
}

TEST(CliErrors, MisspelledConfigKeysSayWhatTheyMeant) {
  const auto path = std::filesystem::temp_directory_path() / "tsize_typo.json";
  std::ofstream(path) << R"({"model_type": "qwen2", "num_hidden_layer": 4, "vocab_sise": 8})";
  const CliRun r = tsize_cli("params " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("num_hidden_layer: unknown key; did you mean num_hidden_layers?"));
  EXPECT_THAT(r.err, HasSubstr("vocab_sise: unknown key; did you mean vocab_size?"));
}

TEST(CliErrors, InvalidShapesFromFlagsAreBadInput) {
  expect_bad_input("params gpt2 --heads 7", "--heads 7 does not divide --d-model 768");
  expect_bad_input("params gpt2 --layers 0", "n_layers=0 must be a positive integer");
}

TEST(CliErrors, BadNumbersNameTheFlag) {
  std::string sixty_five = "1";
  for (int i = 2; i <= 65; ++i) sixty_five += "," + std::to_string(i);
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"params gpt2 --layers twelve", "--layers twelve: not a number"},
           {"flops gpt2 --seq 1.5", "--seq 1.5: not a whole number"},
           {"flops gpt2 --seq 2k", "--seq 2000 exceeds the context of gpt2 (1024 positions"},
           {"flops gpt2 --batch 0", "--batch 0 must be a positive integer"},
           {"flops gpt2 --seq 512,,1024", "--seq 512,,1024: empty value in the list"},
           // 65 values: the message shows the list's first 40 characters, not all of it.
           {"memory gpt2 --batch " + sixty_five,
            "--batch 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,1...: more than 64 values (a "
            "sweep's most; make several calls)"},
           {"params gpt2 --d-model 2Gi", "--d-model 2Gi: exceeds the largest supported size"}}) {
    expect_bad_input(args, message);
  }
}

TEST(Cli, FlopsJsonContract) {
  const CliRun r = tsize_cli("flops gpt2-xl --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["forward_matmul"], 3'506'703'564'800u);  // seed 001's forward total
  EXPECT_EQ(j["backward_matmul"], 7'013'407'129'600u);
  EXPECT_EQ(j["step"].get<std::uint64_t>(),
            j["forward"].get<std::uint64_t>() + j["backward"].get<std::uint64_t>());
  EXPECT_EQ(j["breakdown"]["step"], j["step"]);
  for (const char* key : {"forward", "backward", "step"}) {
    EXPECT_TRUE(j["breakdown"][key].is_number_unsigned()) << key;
  }
}

TEST(Cli, FlopsSweepIsColumnsInATableAndSectionsInJson) {
  const CliRun table = tsize_cli("flops gpt2 --seq 256,1Ki");
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("s=256"));
  EXPECT_THAT(table.out, HasSubstr("s=1024"));
  const CliRun json = tsize_cli("flops gpt2 --seq 256,1Ki --format json");
  ASSERT_EQ(json.status, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["flops_s256"]["seq"], 256);
  EXPECT_EQ(j["flops_s1024"]["seq"], 1024);
}

TEST(Cli, MfuJsonContract) {
  const CliRun r = tsize_cli(
      "mfu gpt2 --batch 12 --grad-accum 40 --step-time 5 --gpu A100-40GB --gpus 8 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"mfu", "hfu", "tokens_per_s", "achieved_flops_per_s"}) {
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), 8.0 * 12 * 40 * 1024 / 5, 1e-6);
  // nanoGPT's estimate_mfu for this run: (6N + 12·L·H·Q·T) · T · B · G / dt / 312e12 with
  // N = 123,653,376 → 855,166,464 · 1024 · 480 / 5 / 312e12 = 0.269467...
  EXPECT_NEAR(j["mfu_palm"].get<double>(), 855'166'464.0 * 1024 * 480 / 5 / 312e12, 1e-9);
  // The exact count adds pointwise ops and counts the head's full matmul: within 1 %.
  EXPECT_NEAR(j["mfu"].get<double>() / j["mfu_palm"].get<double>(), 1.0, 0.01);
}

TEST(CliErrors, ImpossibleMfuIsRejectedWithItsLikelyCause) {
  const CliRun r =
      tsize_cli("mfu gpt2-xl --batch 20 --grad-accum 5 --step-time 0.755 --gpu H100-PCIe");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("inconsistent inputs: MFU would be 185.0 %"));
  EXPECT_THAT(r.err, HasSubstr("are per GPU"));
}

TEST(Cli, TrainAndGpus) {
  const CliRun r = tsize_cli(
      "train gpt2-xl --tokens 300B --gpus 8 --mfu 0.4 --price-per-gpu-hour 2 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens"], 300'000'000'000u);
  // 6·N·D = 6 · 1,557,611,200 · 3e11 = 2,803,700,160,000,000,000,000, above 2^64, exact.
  EXPECT_THAT(r.out, HasSubstr("\"flops_6nd\": 2803700160000000000000,"));
  EXPECT_EQ(j["cost"].get<double>(), j["gpu_hours"].get<double>() * 2);
  const CliRun gpus = tsize_cli("gpus --format csv");
  ASSERT_EQ(gpus.status, 0) << gpus.err;
  // memory, usable (torch total_memory 81089 MiB), bandwidth, fp32.
  EXPECT_THAT(gpus.out,
              HasSubstr("H100-SXM,85899345920,85027979264,3350000000000,66900000000000,"));
  const CliRun unknown = tsize_cli("train gpt2 --mfu 0.4 --gpu H100");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, HasSubstr("did you mean H100-SXM"));
  EXPECT_THAT(unknown.out, IsEmpty());
}

TEST(Cli, MemoryJsonContract) {
  const CliRun r = tsize_cli(
      "memory gpt2 --batch 4 --precision amp-bf16 --attention flash --gpu H100-SXM --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"weights", "gradients", "optimizer", "activations", "autocast_weight_copies", "peak"}) {
    EXPECT_TRUE(j[key].is_number_unsigned()) << key;
  }
  EXPECT_EQ(j["weights"], 4u * 124'439'808u);
  EXPECT_EQ(j["optimizer"], 8u * 124'439'808u);
  EXPECT_EQ(j["autocast_weight_copies"], 247'064'064u);  // the nanoGPT record's param_cast
  EXPECT_EQ(j["breakdown"]["bytes"], j["peak"]);
  EXPECT_EQ(j["fit"]["breakdown"]["children"][0]["name"], "H100-SXM");
}

// A parallel layout: the bounding stage's fields at the top level, `stage`, and every stage as
// a record whose peak the top-level peak is the largest of.
TEST(Cli, MemoryLayoutJsonContract) {
  const CliRun r = tsize_cli(
      "memory llama-3-8b --seq 4096 --precision mixed-bf16 --runtime megatron --tp 2 --sp true "
      "--pp 4 --gpus 16 --global-batch 64 --zero 1 --gpu H100-SXM --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["stages"].size(), 4u);
  EXPECT_EQ(j["grad_accum"], 32u);  // 64 sequences over D = 2 of micro-batch 1
  std::uint64_t largest = 0;
  for (const auto& stage : j["stages"]) {
    for (const char* key : {"stage", "layers", "in_flight", "weights", "gradients",
                            "master_weights", "optimizer", "activations", "peak"}) {
      EXPECT_TRUE(stage[key].is_number_unsigned()) << key;
    }
    EXPECT_EQ(stage["layers"], 8u);
    largest = std::max(largest, stage["peak"].get<std::uint64_t>());
  }
  EXPECT_EQ(j["peak"], largest);
  EXPECT_EQ(j["stages"][j["stage"].get<std::size_t>()]["peak"], j["peak"]);
  EXPECT_EQ(j["stages"][0]["in_flight"], 4u);  // 1F1B: P − 0
  EXPECT_EQ(j["stages"][3]["in_flight"], 1u);
  EXPECT_FALSE(j.contains("stages_table"));
}

TEST(Cli, MemoryLayoutTableShowsEveryStage) {
  const CliRun r = tsize_cli(
      "memory llama-3-8b --seq 4096 --runtime megatron --tp 2 --sp true --pp 2 --vpp 2 --gpus 8 "
      "--grad-accum 4 --gpu H100-SXM");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Per pipeline stage"));
  EXPECT_THAT(r.out, HasSubstr("stage 0: layers 0-7, 16-23"));
  EXPECT_THAT(r.out, HasSubstr("interleaved 1F1B, 2 chunks per stage"));
  EXPECT_THAT(r.out, HasSubstr("TP 2 (SP) · PP 2 (interleaved, V 2) · CP 1 · DP 2 = 8 GPUs"));
}

// --fsdp is --zero 3 (FSDP's full sharding: the same states and gathered layers).
TEST(Cli, FsdpIsZeroThree) {
  const CliRun fsdp = tsize_cli("memory llama-3-8b --fsdp --gpus 8 --tp 2 --format json");
  const CliRun zero = tsize_cli("memory llama-3-8b --zero 3 --gpus 8 --tp 2 --format json");
  ASSERT_EQ(fsdp.status, 0) << fsdp.err;
  EXPECT_EQ(fsdp.out, zero.out);
  EXPECT_GT(nlohmann::json::parse(fsdp.out)["breakdown"]["children"].size(), 0u);
}

// One rank per model is today's memory, to the byte.
TEST(Cli, MemoryLayoutOfOneRankIsTodaysOutput) {
  const std::string base = "memory llama-3-8b --seq 2048 --precision mixed-bf16 --zero 2 --gpus 8";
  const CliRun today = tsize_cli(base);
  const CliRun layout = tsize_cli(base + " --tp 1 --pp 1 --cp 1 --ep 1");
  ASSERT_EQ(today.status, 0) << today.err;
  EXPECT_EQ(layout.out, today.out);
}

TEST(Cli, MemoryLayoutBadInput) {
  expect_bad_input("memory llama-3-8b --tp 3", "attention heads 32 are not divisible by --tp 3");
  expect_bad_input("memory llama-3-8b --tp 2 --pp 2 --gpus 6",
                   "--gpus 6 is not a multiple of --tp × --pp × --cp = 4");
  expect_bad_input("memory llama-3-8b --sp true", "give --tp 2 or more");
  expect_bad_input("memory llama-3-8b --seq 1020 --cp 4 --attention flash",
                   "--seq 1020 is not divisible by 2 × --cp = 8");
  expect_bad_input("memory llama-3-8b --seq 1024 --cp 2 --runtime transformers",
                   "choose --attention flash");
  expect_bad_input("memory mixtral-8x7b --tp 2", "needs --sp true");
  expect_bad_input("memory llama-3-8b --gpus 4 --global-batch 6",
                   "--global-batch 6 is not divisible by --batch 1 × data-parallel ranks 4 = 4");
  expect_bad_input("memory llama-3-8b --tp 2 --seq 1k,2k", "a parallel layout takes one run");
  expect_bad_input("memory llama-3-8b --tp 2 --optimizer adafactor", "--optimizer adafactor");
  expect_bad_input("memory llama-3-8b --tp 0", "--tp 0: expected a positive integer");
  expect_bad_input("memory --layers 2000000 --d-model 64 --heads 2 --tp 2",
                   "a parallel layout of 2000000 layers: at most 1,048,576 are modelled");
  expect_bad_input("memory llama-3-8b --fsdp --zero 1 --gpus 8",
                   "--fsdp shards as --zero 3: not with --zero 1");
}

// tsize step: the issue's JSON contract; the tree sums to the iteration; the peak is tsize
// memory's for the same layout.
TEST(Cli, StepJsonContract) {
  const std::string layout =
      "llama-3-8b --seq 4096 --tp 2 --sp true --pp 2 --gpus 16 --global-batch 64 "
      "--precision mixed-bf16-fp32-grads --runtime megatron --zero 1";
  const CliRun r = tsize_cli("step " + layout + " --cluster dgx-h100 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"iteration_s", "tokens_per_s", "mfu", "hfu", "uncertain_s"}) {
    EXPECT_TRUE(j[key].is_number_float()) << key;
  }
  EXPECT_TRUE(j["peak"].is_number_unsigned());
  EXPECT_TRUE(j["fits"].is_boolean());
  EXPECT_EQ(j["micro_batches"], 16u);  // 64 / (1 · DP 4)
  const auto& tree = j["breakdown"];
  EXPECT_EQ(tree["name"], "iteration");
  EXPECT_NEAR(tree["seconds"].get<double>(), j["iteration_s"].get<double>(), 1e-6);
  double sum = 0;
  for (const auto& child : tree["children"]) sum += child["seconds"].get<double>();
  EXPECT_NEAR(sum, tree["seconds"].get<double>(), 1e-6);
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), 64.0 * 4096 / j["iteration_s"].get<double>(), 1e-3);
  const auto comm = j["communication"]["breakdown"]["children"];
  ASSERT_EQ(comm.size(), 7u);
  for (const auto& c : comm)
    EXPECT_LE(c["exposed"].get<double>(), c["total"].get<double>() + 1e-12);
  const auto memory =
      nlohmann::json::parse(tsize_cli("memory " + layout + " --gpu H100-SXM --format json").out);
  EXPECT_EQ(j["peak"], memory["peak"]);
}

TEST(Cli, StepTableNamesTheUncertainTermAndTheFit) {
  const CliRun r = tsize_cli(
      "step gpt3-175b --seq 2048 --cluster dgx-a100 --tp 8 --sp true --pp 8 --gpus 1024 "
      "--global-batch 1536 --recompute selective --zero 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Step time: TP 8 (SP) · PP 8 (1F1B) · CP 1 · DP 16 = 1024 GPUs on "
                               "dgx-a100 (1024 × A100-80GB)"));
  EXPECT_THAT(r.out, HasSubstr("pipeline bubble"));
  EXPECT_THAT(r.out, HasSubstr("largest uncertain term"));
  EXPECT_THAT(r.out, HasSubstr("Communication per iteration"));
  const CliRun wide = tsize_cli("step gpt3-175b --seq 2048 --tp 16 --gpus 16");
  ASSERT_EQ(wide.status, 0) << wide.err;
  EXPECT_THAT(wide.out,
              HasSubstr("the tensor-parallel group of 16 GPUs is larger than a node of 8"));
}

// --explain shows every figure the prediction used, each group with its source.
TEST(Cli, StepExplainNamesEveryFigureAndItsSource) {
  const CliRun r = tsize_cli("step gpt2 --cluster dgx-a100 --gpus 16 --explain --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto e = nlohmann::json::parse(r.out)["explain_step"];
  EXPECT_EQ(e["gemm_efficiency"], 0.83);
  EXPECT_EQ(e["host_op_s"], 7e-05);
  EXPECT_EQ(e["intra_node_gb_per_s"], 300.0);
  EXPECT_EQ(e["inter_node_gb_per_s"], 25.0);
  ASSERT_EQ(e["assumptions"].size(), 3u);
  EXPECT_THAT(e["assumptions"][0].get<std::string>(), HasSubstr("ND_A100_v4_results.md"));
  EXPECT_THAT(e["assumptions"][1].get<std::string>(), HasSubstr("all_reduce_perf"));
}

TEST(Cli, ClustersListsTheCatalog) {
  const CliRun r = tsize_cli("clusters --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& c : j) names.push_back(c["name"]);
  for (const char* name :
       {"dgx-a100", "dgx-h100", "dgx-b200", "gb200-nvl72", "hgx-h100-roce", "workstation-4x4090"}) {
    EXPECT_THAT(names, ::testing::Contains(name));
  }
  EXPECT_THAT(tsize_cli("clusters").out, HasSubstr("NVLink 3 + NVSwitch"));
}

// Flags override any figure of the catalog: a slower network makes data parallelism dearer.
TEST(Cli, StepClusterFlagsOverrideTheCatalog) {
  const std::string base = "step llama-3-8b --seq 4096 --gpus 32 --global-batch 32 --format json";
  const auto fast = nlohmann::json::parse(tsize_cli(base).out);
  const auto slow = nlohmann::json::parse(tsize_cli(base + " --inter-node-gbps 5").out);
  EXPECT_GT(slow["iteration_s"].get<double>(), fast["iteration_s"].get<double>());
  const auto a100 = nlohmann::json::parse(tsize_cli(base + " --gpu A100-80GB").out);
  EXPECT_GT(a100["iteration_s"].get<double>(), fast["iteration_s"].get<double>());
}

TEST(Cli, TrainUsesTheStepModelWithALayout) {
  const CliRun r = tsize_cli(
      "train llama-3-8b --tokens 1T --seq 8192 --cluster dgx-h100 --tp 2 --gpus 64 "
      "--global-batch 128 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["mfu"].get<double>(), j["step"]["mfu"].get<double>(), 1e-12);
  EXPECT_NEAR(j["seconds"].get<double>(),
              1e12 / (128.0 * 8192) * j["step"]["iteration_s"].get<double>(),
              1e-6 * j["seconds"].get<double>());
  const CliRun given = tsize_cli(
      "train llama-3-8b --tokens 1T --cluster dgx-h100 --tp 2 --gpus 64 --mfu 0.3 --format json");
  ASSERT_EQ(given.status, 0) << given.err;
  EXPECT_EQ(nlohmann::json::parse(given.out)["mfu"], 0.3);
}

// tsize mfu takes the same layout: fed the step model's own iteration time it gives the step
// model's MFU (the same exact FLOPs over the same GPUs).
TEST(Cli, MfuWithALayoutAgreesWithStep) {
  const std::string layout =
      "llama-3.1-70b --seq 4096 --tp 8 --pp 4 --gpus 256 --global-batch 512 --attention-flops "
      "causal";
  const CliRun step = tsize_cli("step " + layout + " --format json");
  ASSERT_EQ(step.status, 0) << step.err;
  const auto s = nlohmann::json::parse(step.out);
  const CliRun mfu =
      tsize_cli("mfu " + layout + " --step-time " +
                fmt::format("{}", s["iteration_s"].get<double>()) + " --format json");
  ASSERT_EQ(mfu.status, 0) << mfu.err;
  const auto m = nlohmann::json::parse(mfu.out);
  EXPECT_NEAR(m["mfu"].get<double>(), s["mfu"].get<double>(), 1e-9);
  EXPECT_NEAR(m["tokens_per_s"].get<double>(), s["tokens_per_s"].get<double>(), 1e-3);
  EXPECT_EQ(m["tokens_per_step"], 512u * 4096u);
}

TEST(Cli, StepBadInput) {
  expect_bad_input("step llama-3-8b --cluster dgx-a10",
                   "unknown cluster \"dgx-a10\" (did you mean");
  expect_bad_input("step llama-3-8b --cluster workstation-4x4090 --gpus 8",
                   "8 GPUs on workstation-4x4090: one node of 4 GPUs and no inter-node network");
  expect_bad_input("step llama-3-8b --gpus 12", "12 GPUs on dgx-h100: not a whole number of 8-GPU");
  expect_bad_input("step llama-3-8b --gpus 8192",
                   "8192 GPUs on dgx-h100: the largest such system the catalog knows has 4608");
  expect_bad_input("step llama-3-8b --intra-node-gbps 0",
                   "--intra-node-gbps 0: expected a positive");
  expect_bad_input("step llama-3-8b --inter-node-gbps -5",
                   "--inter-node-gbps -5: expected a positive");
  expect_bad_input("step llama-3-8b --intra-node-gbps fast",
                   "--intra-node-gbps fast: expected a number");
  expect_bad_input("step llama-3-8b --peak-tflops 100", "--peak-tflops describes a GPU without");
  expect_bad_input("step gpt2 --cluster dgx-a100 --precision fp8", "A100-80GB has no fp8");
  expect_bad_input("step llama-3-8b --seq 1k,2k", "tsize step takes one --batch and one --seq");
  expect_bad_input("step llama-3-8b --zero 1", "this layout has one");
  expect_bad_input("step llama-3-8b --tp 3", "attention heads 32 are not divisible by --tp 3");
}

TEST(Cli, PlanJsonContract) {
  // The issue's fields, best first; the best layout's peak is `tsize memory`'s for that layout and
  // its time `tsize step`'s.
  const CliRun r = tsize_cli(
      "plan llama-3-8b --cluster dgx-h100 --gpus 16 --global-batch 64 --seq 4096 --top 3 "
      "--format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"evaluated", "valid", "fit", "timed"}) {
    EXPECT_TRUE(j[key].is_number_unsigned()) << key;
  }
  EXPECT_TRUE(j["seconds"].is_number_float());
  EXPECT_LE(j["fit"].get<std::int64_t>(), j["evaluated"].get<std::int64_t>());
  EXPECT_LE(j["evaluated"].get<std::int64_t>(), j["valid"].get<std::int64_t>());
  const auto& layouts = j["layouts"];
  ASSERT_EQ(layouts.size(), 3u);
  for (const char* key : {"tp", "pp", "vpp", "cp", "ep", "dp", "micro_batch", "zero", "peak"}) {
    EXPECT_TRUE(layouts[0][key].is_number_unsigned()) << key;
  }
  EXPECT_TRUE(layouts[0]["sp"].is_boolean());
  EXPECT_TRUE(layouts[0]["recompute"].is_string());
  EXPECT_TRUE(layouts[0]["iteration_s"].is_number_float());
  for (std::size_t i = 1; i < layouts.size(); ++i) {
    EXPECT_LE(layouts[i - 1]["iteration_s"].get<double>(), layouts[i]["iteration_s"].get<double>());
  }
  const auto& best = layouts[0];
  EXPECT_EQ(best["tp"].get<std::int64_t>() * best["pp"].get<std::int64_t>() *
                best["cp"].get<std::int64_t>() * best["dp"].get<std::int64_t>(),
            16);
  std::string layout = fmt::format(
      "llama-3-8b --seq 4096 --gpus 16 --global-batch 64 --tp {} --sp {} --pp {} --cp {} "
      "--batch {} --recompute {} --zero {} --precision mixed-bf16-fp32-grads --runtime megatron",
      best["tp"].get<int>(), best["sp"].get<bool>(), best["pp"].get<int>(), best["cp"].get<int>(),
      best["micro_batch"].get<int>(), best["recompute"].get<std::string>(),
      best["zero"].get<int>());
  if (best["vpp"].get<int>() > 1) {
    layout += fmt::format(" --vpp {} --schedule interleaved", best["vpp"].get<int>());
  } else {
    layout += " --schedule " + best["schedule"].get<std::string>();
  }
  const auto memory = nlohmann::json::parse(tsize_cli("memory " + layout + " --format json").out);
  EXPECT_EQ(best["peak"], memory["peak"]);
  std::string overlap;
  for (const char* flag : {"overlap_grad_reduce", "overlap_param_gather", "tp_comm_overlap"}) {
    if (best[flag].get<bool>()) overlap += " --" + std::regex_replace(flag, std::regex("_"), "-");
  }
  const auto step = nlohmann::json::parse(
      tsize_cli("step " + layout + overlap + " --cluster dgx-h100 --format json").out);
  EXPECT_DOUBLE_EQ(best["iteration_s"].get<double>(), step["iteration_s"].get<double>());
}

TEST(Cli, PlanTableExplainAndChart) {
  const auto chart = std::filesystem::temp_directory_path() / "tsize_plan_chart.svg";
  const CliRun r = tsize_cli(
      "plan llama-3-8b --gpus 16 --global-batch 64 --seq 4096 --explain --chart " + chart.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Layout search: 16 GPUs of dgx-h100 (H100-SXM)"));
  EXPECT_THAT(r.out, HasSubstr("Best layouts"));
  EXPECT_THAT(r.out, HasSubstr("1. TP "));
  EXPECT_THAT(r.out, HasSubstr("Explain: why the best beats the runner-up"));
  const std::string svg = test::read_file(chart.string());
  std::filesystem::remove(chart);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("Pareto front"));
}

TEST(Cli, PlanCsvHasOneRowPerFieldOfEachLayout) {
  const CliRun r = tsize_cli("plan llama-3-8b --gpus 8 --global-batch 64 --top 2 --format csv");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("plan,record,layouts/0,rank,1,count,1,\n"));
  EXPECT_THAT(r.out, HasSubstr("plan,record,layouts/1,rank,2,count,1,\n"));
  EXPECT_THAT(r.out, HasSubstr("plan,record,layouts/0,recompute,"));
  EXPECT_THAT(r.out, HasSubstr("plan,fact,valid,,"));
}

TEST(Cli, PlanExplainComparesTheRunnerUpEvenWithTopOne) {
  const CliRun r =
      tsize_cli("plan llama-3-8b --gpus 8 --global-batch 64 --top 1 --explain --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["layouts"].size(), 1u);
  const auto& tree = j["explain_plan"]["breakdown"];
  ASSERT_FALSE(tree["children"].empty());
  // The best's terms add up to its iteration.
  EXPECT_NEAR(tree["best"].get<double>(), j["layouts"][0]["iteration_s"].get<double>(), 1e-6);
}

TEST(Cli, PlanNothingFitsSaysSo) {
  const CliRun r = tsize_cli("plan llama-3.1-405b --gpus 8 --global-batch 8 --seq 8192");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("nothing fits: the smallest peak is"));
}

TEST(Cli, PlanBadInput) {
  expect_bad_input("plan llama-3-8b --global-batch 64", "tsize plan needs --gpus");
  expect_bad_input("plan llama-3-8b --gpus 8", "tsize plan needs --global-batch");
  expect_bad_input("plan llama-3-8b --gpus 0 --global-batch 64", "--gpus 0");
  expect_bad_input("plan llama-3-8b --gpus 12 --global-batch 64",
                   "12 GPUs on dgx-h100: not a whole number of 8-GPU");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --top 0", "--top 0");
  expect_bad_input("plan llama-3-8b --gpus 24 --global-batch 64 --tp 3",
                   "attention heads 32 are not divisible by --tp 3");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --memory-margin 100GiB",
                   "--memory-margin 107374182400 leaves nothing");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --no-overlap --tp-comm-overlap",
                   "--no-overlap holds every overlap option off");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --seq 100k", "--seq");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --cluster dgx-a10",
                   "unknown cluster \"dgx-a10\"");
  expect_bad_input("plan llama-3-8b --gpus 8 --global-batch 64 --zero 5", "ZeRO stages are 0 to 3");
  expect_bad_input(
      "plan gpt3-175b --gpus 720720 --max-gpus 1000000000 --global-batch 720720",
      "the space holds up to 1.09e+08 layouts, past the 1e+08 tsize searches: fix or bound");
  const CliRun usage = tsize_cli("plan llama-3-8b --gpus 8 --global-batch 64 --objective fast");
  EXPECT_EQ(usage.status, 2);
  EXPECT_THAT(usage.out, IsEmpty());
}

TEST(Cli, InferJsonContract) {
  const CliRun r = tsize_cli(
      "infer llama-3-8b --weights gguf-q4_k_m --gpu H100-SXM --context 4096 --concurrency 8 "
      "--format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["weights_bytes"],
            4'912'898'048U);  // llama.cpp's Q4_K_M tensors (quantized_weights_test)
  EXPECT_EQ(j["kv_bytes_per_token"], 131'072U);
  EXPECT_EQ(j["kv_bytes"], 8ULL * 4096 * 131'072);
  for (const char* key : {"peak", "max_concurrency", "max_context"}) {
    EXPECT_TRUE(j[key].is_number_unsigned()) << key;
  }
  EXPECT_TRUE(j["fits"].is_boolean());
  EXPECT_EQ(j["breakdown"]["bytes"], j["peak"]);
  // The time of the load: 4,096 tokens, the last 128 generated (vLLM's benchmark default), 8
  // sequences together.
  for (const char* key : {"ttft_s", "tpot_s", "tokens_per_s", "request_s"}) {
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
  EXPECT_DOUBLE_EQ(j["tokens_per_s"].get<double>(), 8 * 128 / j["request_s"].get<double>());
  EXPECT_NEAR(j["time"]["breakdown"]["decode_step"].get<double>(), j["tpot_s"].get<double>(),
              1e-8);  // the tree in nanoseconds
}

TEST(Cli, EveryCommandRunsAloneAsItIsRegistered) {
  // run() registers only the command a line names: each name must be the one its command
  // registers, or the line would not parse.
  for (const cli::CommandHelp& c : cli::command_help()) {
    std::string out, err;
    EXPECT_EQ(cli::run({c.name, "--help"}, out, err), 0) << c.name << ": " << err;
    EXPECT_THAT(out, HasSubstr(c.description)) << c.name;
  }
  EXPECT_EQ(cli::command_help().size(), 15U);
}

TEST(Cli, CommandHelpListsEachOptionsChoices) {
  // The Python stubs and the web page's selects read an option's allowed values from here.
  const std::vector<cli::CommandHelp> help = cli::command_help();
  const auto memory = std::find_if(help.begin(), help.end(),
                                   [](const cli::CommandHelp& c) { return c.name == "memory"; });
  ASSERT_NE(memory, help.end());
  const auto option = [&](const std::string& name) {
    return *std::find_if(memory->options.begin(), memory->options.end(),
                         [&](const cli::OptionHelp& o) { return o.name == name; });
  };
  EXPECT_EQ(option("precision").choices, choice_names<Precision>());
  EXPECT_EQ(option("sp").choices, (std::vector<std::string>{"true", "false"}));
  EXPECT_TRUE(option("batch").choices.empty());  // any size
}

// Splits a command line at spaces (no quoting needed in these tests).
std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Output without the search's own wall-clock fields (`tsize plan`'s seconds and layouts/s).
std::string without_timing(const std::string& out) {
  static const std::regex timing(R"re("(seconds|layouts_per_s)": [0-9.e+-]+,)re");
  return std::regex_replace(out, timing, "");
}

// run()'s output for `line` on a thread of its own: a thread's first call builds its
// application anew.
std::string fresh_output(const std::string& line) {
  std::string out, err;
  std::thread([&] { EXPECT_EQ(cli::run(words(line), out, err), 0) << line << ": " << err; }).join();
  return without_timing(out);
}

TEST(Cli, ACommandParsedAgainForgetsThePreviousCallsFlags) {
  // run() keeps each command's application on its thread and parses it again (issue 17: most
  // of a call from Python was building it): a line after one with many flags must print what
  // it prints alone, and so must the flagged line after it, and after a failed call.
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"params gpt2 --layers 4 --d-model 256 --heads 4 --explain --format json",
       "params gpt2 --format json"},
      {"flops llama-3-8b --seq 1024 --batch 4 --explain --format json",
       "flops llama-3-8b --format json"},
      {"memory llama-3-8b --batch 8 --seq 2048 --gpu H100-SXM --precision mixed-bf16 "
       "--runtime megatron --tp 2 --sp true --zero 1 --gpus 8 --format json",
       "memory llama-3-8b --format json"},
      {"checkpoint gpt2 --with-optimizer --dtype bf16 --format json",
       "checkpoint gpt2 --format json"},
      {"mfu gpt2 --batch 12 --grad-accum 40 --step-time 5.2 --gpu A100-40GB --format json",
       "mfu gpt2 --step-time 1 --format json"},
      {"train gpt2-xl --tokens 300B --gpu H100-SXM --gpus 8 --mfu 0.3 --format json",
       "train gpt2-xl --tokens 1B --format json"},
      {"step llama-3-8b --seq 8192 --tp 2 --gpus 64 --global-batch 512 --overlap-grad-reduce "
       "--format json",
       "step llama-3-8b --gpus 8 --global-batch 8 --format json"},
      {"plan gpt2 --gpus 16 --global-batch 64 --seq 1024 --max-tp 2 --top 2 --format json",
       "plan gpt2 --gpus 8 --global-batch 8 --format json"},
      {"infer llama-3-8b --weights fp8 --tp 2 --input-len 2000 --output-len 50 --batch 8 "
       "--format json",
       "infer llama-3-8b --format json"},
      {"compare gpt2 gpt2-medium --seq 512 --tokens 1B --mfu 0.3 --format json",
       "compare gpt2 gpt2-medium --format json"},
      {"report gpt2 --seq 512 --batch 2 --format json", "report gpt2 --format json"},
      {"gpus --format csv", "gpus"},
      {"clusters --format csv", "clusters"},
      {"models --format csv", "models"},
  };
  for (const auto& [flagged, plain] : lines) {
    const std::string flagged_alone = fresh_output(flagged), plain_alone = fresh_output(plain);
    ASSERT_FALSE(plain_alone.empty()) << plain;
    std::thread([&] {
      std::string out, err;
      ASSERT_EQ(cli::run(words(flagged), out, err), 0) << flagged << ": " << err;
      ASSERT_EQ(cli::run(words(plain), out, err), 0) << plain << ": " << err;
      EXPECT_EQ(without_timing(out), plain_alone) << plain << " after " << flagged;
      ASSERT_EQ(cli::run(words(flagged), out, err), 0) << flagged << ": " << err;
      EXPECT_EQ(without_timing(out), flagged_alone) << flagged << " after " << plain;
      // A failed call (a usage error mid-parse) leaves nothing behind either.
      EXPECT_NE(cli::run(words(plain + " --batch 0 --no-such-flag"), out, err), 0);
      ASSERT_EQ(cli::run(words(plain), out, err), 0) << plain << ": " << err;
      EXPECT_EQ(without_timing(out), plain_alone) << plain << " after a failed call";
    }).join();
  }
}

TEST(Cli, InferTimesALoad) {
  const auto j = nlohmann::json::parse(
      tsize_cli("infer llama-3-8b --input-len 1000 --output-len 200 --batch 4 --format json").out);
  EXPECT_EQ(j["kv_bytes"], 4ULL * 1200 * 131'072);  // --context defaults to input + output
  EXPECT_DOUBLE_EQ(j["request_s"].get<double>(),
                   j["ttft_s"].get<double>() + 199 * j["tpot_s"].get<double>());
  const CliRun explain = tsize_cli("infer llama-3-8b --input-len 1000 --batch 4 --explain");
  ASSERT_EQ(explain.status, 0) << explain.err;
  EXPECT_THAT(explain.out, HasSubstr("One decode step, kernel by kernel (batch 4)"));
  EXPECT_THAT(explain.out, HasSubstr("mlp/gate_proj+up_proj"));
  const CliRun cheapest = tsize_cli("infer llama-3.1-70b --context 4096 --cheapest --format json");
  ASSERT_EQ(cheapest.status, 0) << cheapest.err;
  EXPECT_EQ(nlohmann::json::parse(cheapest.out)["cheapest"]["deployments"].size(),
            6U);  // bf16, fp8, w8a8, gguf-q8_0, awq-int4-g128, gguf-q4_k_m
  // --max-tpot: the most sequences within 20 ms a token; one more would be slower.
  const auto target = nlohmann::json::parse(
      tsize_cli("infer llama-3-8b --input-len 1000 --output-len 500 --max-tpot 0.02 --format json")
          .out);
  const auto most = target["batch_within_tpot"].get<std::int64_t>();
  ASSERT_GT(most, 1);
  EXPECT_LE(nlohmann::json::parse(tsize_cli("infer llama-3-8b --input-len 1000 --output-len 500 "
                                            "--format json --batch " +
                                            std::to_string(most))
                                      .out)["tpot_s"]
                .get<double>(),
            0.02);
  EXPECT_GT(nlohmann::json::parse(tsize_cli("infer llama-3-8b --input-len 1000 --output-len 500 "
                                            "--format json --concurrency 1 --batch " +
                                            std::to_string(most + 1))
                                      .out)["tpot_s"]
                .get<double>(),
            0.02);
  // A GPU without a kernel model: memory, and no time.
  const auto custom = nlohmann::json::parse(
      tsize_cli("infer llama-3-8b --peak-tflops 100 --memory-gb 80 --context 2048 --format json")
          .out);
  EXPECT_TRUE(custom.contains("peak"));
  EXPECT_FALSE(custom.contains("tpot_s"));
}

TEST(Cli, InferConcurrencyMaxFillsTheBudget) {
  const auto j = nlohmann::json::parse(
      tsize_cli("infer llama-3-8b --context 8192 --concurrency max --format json").out);
  const auto most = j["max_concurrency"].get<std::int64_t>();
  EXPECT_GT(most, 1);
  EXPECT_EQ(j["kv_bytes"].get<std::int64_t>(), most * 8192 * 131'072);  // that many sequences
  EXPECT_TRUE(j["fits"].get<bool>());
  const auto more = nlohmann::json::parse(
      tsize_cli("infer llama-3-8b --context 8192 --format json --concurrency " +
                std::to_string(most + 1))
          .out);
  EXPECT_FALSE(more["fits"].get<bool>());
  const auto chart = std::filesystem::temp_directory_path() / "tsize_infer_chart.svg";
  ASSERT_EQ(tsize_cli("infer llama-3-8b --context 8192 --chart " + chart.string()).status, 0);
  EXPECT_THAT(test::read_file(chart.string()), HasSubstr("serving memory per GPU by concurrency"));
  std::filesystem::remove(chart);
}

TEST(Cli, InferBadInput) {
  expect_bad_input("infer llama-3-8b --concurrency 0", "--concurrency 0: expected a positive");
  expect_bad_input("infer llama-3-8b --gpu-memory-utilization 1.5",
                   "--gpu-memory-utilization 1.5: expected a fraction in (0, 1]");
  expect_bad_input("infer llama-3-8b --gpu-memory-utilization 0",
                   "--gpu-memory-utilization 0: expected a fraction in (0, 1]");
  expect_bad_input("infer llama-3-8b --tp 3", "attention heads 32 are not divisible by --tp 3");
  expect_bad_input("infer llama-3-8b --weights int3", "--weights int3: expected bf16, fp16");
  expect_bad_input("infer llama-3-8b --gpus 3 --pp 2", "--gpus 3 ≠ --tp 1 × --pp 2");
  expect_bad_input("infer gpt2 --context 2048",
                   "--context 2048: gpt2 has 1024 learned positions and cannot read more");
  expect_bad_input("infer llama-3.1-405b --gpu RTX-4090 --concurrency max",
                   "--concurrency max: not one sequence of 131072 tokens fits");
  expect_bad_input("infer bert-base-uncased", "is an encoder: it generates nothing");
  expect_bad_input("infer llama-3-8b --batch 0", "--batch 0: expected a positive");
  expect_bad_input("infer llama-3-8b --input-len 4000 --output-len 200 --context 4096",
                   "--input-len 4000 + --output-len 200 exceed --context 4096");
  expect_bad_input("infer llama-3-8b --cluster dgx-z", "dgx-z");
  expect_bad_input("infer llama-3-8b --max-tpot 0", "--max-tpot 0: expected seconds above 0");
  expect_bad_input("infer mixtral-8x7b --tp 16 --ep 16",
                   "--ep 16: the 8 routed experts do not divide over it");
  expect_bad_input("infer llama-3-8b --max-tpot 50ms", "--max-tpot 50ms: expected seconds");
  const CliRun usage = tsize_cli("infer llama-3-8b --kv-dtype int2");
  EXPECT_EQ(usage.status, 2);
  EXPECT_THAT(usage.out, IsEmpty());
}

TEST(Cli, MemoryReproducesANanoGptRecordOnCpu) {
  // pytorch-nanogpt.json, GPT-2 small, b = 1, s = 1024, fp32, dropout 0.1: 2,719,518,820 bytes.
  // The record's recipe, not the default one: fp32, eager attention (PyTorch < 2.0).
  const CliRun r = tsize_cli(
      "memory gpt2 --device cpu --dropout 0.1 --precision fp32 --runtime nanogpt "
      "--format json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["activations"], 2'719'518'820u);
}

TEST(Cli, CheckpointAgainstAFile) {
  const auto path = std::filesystem::temp_directory_path() / "tsize_ckpt.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(1000, 'x');
  }
  const CliRun r = tsize_cli("checkpoint gpt2-tiny --with-optimizer --compare " + path.string() +
                             " --format json");
  std::filesystem::remove(path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["total"], 12u * 14'478'592u);  // fp32 weights + two fp32 Adam states
  EXPECT_EQ(j["actual"], 1000u);
  const CliRun missing = tsize_cli("checkpoint gpt2 --compare /nonexistent/ckpt.pt");
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/ckpt.pt: cannot read the file's size"));
  EXPECT_THAT(missing.out, IsEmpty());
}

TEST(CliErrors, BadMemoryOptions) {
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"memory gpt2 --zero 3", "--zero 3 shards states over data-parallel GPUs"},
           {"memory gpt2 --dropout 1.5", "--dropout 1.5: expected a probability"},
           {"memory gpt2 --batch 1,2 --seq 64,128", "cannot both be lists"},
           {"memory gpt2 --gpu H10", "did you mean"},
           {"memory gpt2 --overhead 1.5KiB", "--overhead 1.5Ki: not a whole number"}}) {
    expect_bad_input(args, message);
  }
  const CliRun usage = tsize_cli("memory gpt2 --optimizer adagrad");
  EXPECT_EQ(usage.status, 2);
}

TEST(Cli, CompareSideBySide) {
  const CliRun r = tsize_cli("compare gpt2 gpt2-xl mixtral-8x7b --seq 1024 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["params"], 124'439'808u);
  EXPECT_EQ(j[2]["active"], 12'879'925'248u);
  // The same per-token figure `tsize flops` gives (model FLOPs / tokens, rounded).
  const auto flops = nlohmann::json::parse(tsize_cli("flops gpt2-xl --format json").out);
  EXPECT_EQ(j[1]["flops_per_token"], flops["per_token"]);
  // Serving rows: GPT-2's KV, 12 layers × 768 × 2 × 2 bytes a token, on one H100; Mixtral's
  // 93.4 GB of bf16 weights on two.
  EXPECT_EQ(j[0]["kv_bytes_per_token"], 36'864u);
  EXPECT_EQ(j[0]["serving_gpus"], 1);
  EXPECT_EQ(j[2]["serving_gpus"], 2);
  EXPECT_GT(j[2]["decode_tokens_per_s"].get<double>(), 0);
  const CliRun table = tsize_cli("compare gpt2 gpt2-medium");
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("max micro-batch on H100-SXM"));
  const CliRun one = tsize_cli("compare gpt2");
  EXPECT_EQ(one.status, 1);
  EXPECT_THAT(one.err, HasSubstr("at least two models"));
  const CliRun too_long = tsize_cli("compare gpt2 llama-3-8b --seq 4096");
  EXPECT_EQ(too_long.status, 1);
  EXPECT_THAT(too_long.err, HasSubstr("--seq 4096 exceeds the context of gpt2"));
}

TEST(Cli, ExplainShowsFormulasWithValues) {
  const CliRun params = tsize_cli("params gpt2 --explain");
  ASSERT_EQ(params.status, 0) << params.err;
  EXPECT_THAT(params.out, HasSubstr("= in*out = 50257*768  [nn.Embedding"));
  EXPECT_THAT(params.out, HasSubstr("= in*out + out = 768*2304 + 2304  [nn.Linear"));
  const CliRun flops = tsize_cli("flops gpt2-xl --explain");
  ASSERT_EQ(flops.status, 0) << flops.err;
  // seed 001's attention/kqv line: 2·1024·1600·4800 = 15,728,640,000 (+ 4,915,200 bias adds).
  EXPECT_THAT(flops.out, HasSubstr("15,733,555,200"));
  EXPECT_THAT(flops.out,
              HasSubstr("= 2*b*s*in*out + b*s*out = 2*1*1024*1600*4800 + 1*1024*4800  [2·m·n·k"));
  const CliRun memory =
      tsize_cli("memory gpt2 --explain --precision fp32 --runtime nanogpt --format json");
  ASSERT_EQ(memory.status, 0) << memory.err;
  const auto j = nlohmann::json::parse(memory.out);
  // q, k, v storage (the c_attn output, 4·s·3h = 9,437,184), the scale (8), the mask (s²) and
  // the probabilities (4·b·a·s² = 50,331,648).
  const auto& core = j["explain_memory"]["layers/attention/core"];
  EXPECT_EQ(core["value"], 50'331'648u + 3u * 3'145'728u + 8u + 1'048'576u);
  EXPECT_EQ(core["formula"], "b*s*qkv*fp32 + fp64 + s*s*bool + b*a*s*s*fp32");
  EXPECT_EQ(core["inputs"]["qkv"], 2304);
  EXPECT_EQ(core["inputs"]["a"], 12);
  EXPECT_THAT(core["source"].get<std::string>(), HasSubstr("eager attention"));
  EXPECT_EQ(core["terms"].size(), 4u);
  // The count and its explanation are one object: without β a LayerNorm is 6 FLOPs per element
  // in both (it once printed 7 beside a count of 6).
  const CliRun no_bias = tsize_cli("flops gpt2 --bias false --explain --format json");
  ASSERT_EQ(no_bias.status, 0) << no_bias.err;
  const auto norm = nlohmann::json::parse(no_bias.out)["explain_flops"]["layers/norms/attn_norm"];
  EXPECT_EQ(norm["formula"], "6*b*s*out");
  EXPECT_EQ(norm["value"], 6u * 1024u * 768u);
  EXPECT_THAT(norm["source"].get<std::string>(), HasSubstr("= 6 FLOPs per element"));
}

// The bash completion script completes commands, flags, flag choices and presets.
TEST(Cli, BashCompletion) {
  const auto script = std::filesystem::temp_directory_path() / "tsize_completion.bash";
  const CliRun gen = tsize_cli("completion bash");
  ASSERT_EQ(gen.status, 0) << gen.err;
  std::ofstream(script) << gen.out;
  auto complete = [&](const std::string& words, int cword) {
    const std::string cmd = "bash -c 'source " + script.string() + "; COMP_WORDS=(" + words +
                            "); COMP_CWORD=" + std::to_string(cword) +
                            "; _tsize; echo \"${COMPREPLY[*]}\"'";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (pipe && fgets(buf, sizeof buf, pipe)) out += buf;
    if (pipe) pclose(pipe);
    return out;
  };
  EXPECT_EQ(complete("tsize par", 1), "params\n");
  EXPECT_EQ(complete("tsize memory gpt2 --precision amp", 4), "amp-bf16 amp-fp16\n");
  EXPECT_EQ(complete("tsize params llama-3.1", 2), "llama-3.1-405b llama-3.1-70b\n");
  EXPECT_EQ(complete("tsize train gpt2 --gpu A100", 4), "A100-40GB A100-80GB\n");
  EXPECT_THAT(complete("tsize flops gpt2 --att", 3), HasSubstr("--attention-flops"));
  std::filesystem::remove(script);
  EXPECT_THAT(tsize_cli("completion zsh").out, HasSubstr("#compdef tsize"));
}

TEST(Cli, ChartsAreWrittenAndBadPathsAreErrors) {
  const auto path = std::filesystem::temp_directory_path() / "tsize_chart.svg";
  const CliRun r = tsize_cli("memory gpt2 --batch 1,2 --chart " + path.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::read_file(path.string()), HasSubstr("gpt2: training memory per GPU"));
  std::filesystem::remove(path);
  // A name ending in .json gets the chart's data: the sweep's peaks, bar by bar, in GiB.
  const auto data = std::filesystem::temp_directory_path() / "tsize_chart.json";
  const CliRun j = tsize_cli("memory gpt2 --batch 1,2 --gpu H100-SXM --chart " + data.string() +
                             " --format json");
  ASSERT_EQ(j.status, 0) << j.err;
  const auto chart = nlohmann::json::parse(test::read_file(data.string()));
  const auto result = nlohmann::json::parse(j.out);
  std::filesystem::remove(data);
  EXPECT_EQ(chart["kind"], "stacked_bars");
  EXPECT_EQ(chart["categories"], nlohmann::json({"1", "2"}));
  for (std::size_t bar = 0; bar < 2; ++bar) {
    double stacked = 0;
    for (const auto& s : chart["series"]) stacked += s["values"][bar].get<double>();
    const std::string run = bar == 0 ? "memory_b1_s1024" : "memory_b2_s1024";
    EXPECT_NEAR(stacked, result[run]["peak"].get<double>() / (1 << 30), 1e-9) << run;
  }
  const CliRun bad = tsize_cli("flops gpt2 --seq 128,256 --chart /nonexistent/dir/c.svg");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.err, HasSubstr("/nonexistent/dir/c.svg: cannot write the file"));
  EXPECT_THAT(bad.out, IsEmpty());
}

TEST(Cli, RangesSweepInPowersOfTwo) {
  const auto j = nlohmann::json::parse(tsize_cli("flops gpt2 --seq 128..1Ki --format json").out);
  for (const char* key : {"flops_s128", "flops_s256", "flops_s512", "flops_s1024"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  const auto m = nlohmann::json::parse(tsize_cli("memory gpt2 --batch 1..4 --format json").out);
  EXPECT_TRUE(m.contains("memory_b4_s1024"));
  const CliRun backwards = tsize_cli("flops gpt2 --seq 1Ki..128");
  EXPECT_EQ(backwards.status, 1);
  EXPECT_THAT(backwards.err, HasSubstr("the range ends below its start"));
}

TEST(Cli, TrainSweepsTheGpuCountAndExplains) {
  const CliRun r = tsize_cli("train gpt2-xl --tokens 300B --gpus 8,16 --mfu 0.4 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_NEAR(j[0]["seconds"].get<double>(), 2 * j[1]["seconds"].get<double>(), 1e-6);
  EXPECT_NEAR(j[0]["gpu_hours"].get<double>(), j[1]["gpu_hours"].get<double>(), 1e-6);
  const CliRun explain = tsize_cli("train gpt2-xl --tokens 300B --gpus 8 --mfu 0.4 --explain");
  EXPECT_THAT(explain.out, HasSubstr("model FLOPs / (GPUs · peak · MFU)"));
  const CliRun mfu = tsize_cli("mfu gpt2 --step-time 1 --explain");
  EXPECT_THAT(mfu.out, HasSubstr("achieved / peak"));
}

TEST(CliErrors, BadUsageExitsTwo) {
  for (const char* args :
       {"", "params gpt2 --no-such-flag", "frobnicate", "params gpt2 --format yaml",
        "params gpt2 --mlp swish", "flops gpt2 --attention-flops half"}) {
    const CliRun r = tsize_cli(args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_THAT(r.out, IsEmpty()) << args;
    EXPECT_FALSE(r.err.empty()) << args;
  }
}

// The figures of a run that a clock measures (`tsize plan`'s search time and rate), digits masked.
std::string without_wall_clock(const std::string& text) {
  static const std::regex timed("(search time|layouts evaluated per second)[^\n]*");
  return std::regex_replace(text, timed, "$1 (timed)");
}

// README.md shows real output: each `<!-- run: ARGS -->` block must be what `tsize ARGS` prints
// (stdout, then stderr). scripts/update_readme.py regenerates them.
TEST(Cli, ReadmeExamplesAreRealOutput) {
  const std::string readme = test::read_file(std::string(TSIZE_SOURCE_DIR) + "/README.md");
  const std::string open = "<!-- run: ", close = "<!-- end -->";
  int checked = 0;
  for (std::size_t at = readme.find(open); at != std::string::npos;
       at = readme.find(open, at + 1)) {
    const std::size_t args_end = readme.find(" -->\n", at);
    const std::string args = readme.substr(at + open.size(), args_end - at - open.size());
    const std::string header = "```\n$ tsize " + args + "\n";
    const std::size_t body = args_end + 5;
    ASSERT_EQ(readme.compare(body, header.size(), header), 0) << "block for: " << args;
    const std::size_t end = readme.find("```\n" + close, body + header.size());
    ASSERT_NE(end, std::string::npos) << args;
    const std::string expected = readme.substr(body + header.size(), end - body - header.size());
    const CliRun r = tsize_cli(args);
    EXPECT_EQ(without_wall_clock(r.out + r.err), without_wall_clock(expected))
        << "README block is stale for `tsize " << args << "`: run scripts/update_readme.py";
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Cli, PipesGetPlainOutputAndNoColorIsAccepted) {
  EXPECT_THAT(tsize_cli("params gpt2").out, Not(HasSubstr("\x1b[")));
  const CliRun r = tsize_cli("--no-color params gpt2 --format json");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Cli, HelpAndVersionSucceed) {
  EXPECT_EQ(tsize_cli("--help").status, 0);
  const CliRun help = tsize_cli("params --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("tsize params llama-3-8b"));
  EXPECT_THAT(tsize_cli("--version").out, HasSubstr("tsize 0.1.0"));
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

// --units si never prints a binary unit, --units binary never an SI one, in every command.
TEST(Cli, UnitsAreTheOnesAskedForInEveryCommand) {
  const std::regex binary(R"(\d (KiB|MiB|GiB|TiB|PiB|EiB)\b)");
  const std::regex si(R"(\d (kB|MB|GB|TB|PB|EB)\b)");
  for (const std::string& args :
       {"params gpt2", "params gpt2 --explain", "flops gpt2 --explain", "memory gpt2 --explain",
        "memory gpt2 --batch 1,2", "memory llama-3-8b --zero 0,3 --gpus 8",
        "checkpoint gpt2 --with-optimizer", "mfu gpt2 --step-time 1", "train gpt2 --mfu 0.4",
        "report gpt2 --explain", "compare gpt2 gpt2-medium", "gpus", "models"}) {
    for (const char* format : {"table", "markdown", "csv"}) {
      const CliRun in_si = tsize_cli(args + " --units si --format " + format);
      ASSERT_EQ(in_si.status, 0) << args << ": " << in_si.err;
      EXPECT_FALSE(std::regex_search(in_si.out, binary)) << args << " --units si " << format;
      const CliRun in_binary = tsize_cli(args + " --units binary --format " + format);
      ASSERT_EQ(in_binary.status, 0) << args << ": " << in_binary.err;
      EXPECT_FALSE(std::regex_search(in_binary.out, si)) << args << " --units binary " << format;
    }
  }
  const auto path = std::filesystem::temp_directory_path() / "tsize_units_chart.svg";
  ASSERT_EQ(tsize_cli("memory gpt2 --batch 1,2 --units si --chart " + path.string()).status, 0);
  const std::string svg = test::read_file(path.string());
  std::filesystem::remove(path);
  EXPECT_THAT(svg, HasSubstr("GB per GPU"));
  EXPECT_THAT(svg, Not(HasSubstr("GiB")));
}

// A config.json runs under transformers, a model from flags under nanoGPT; both say so, and a
// kernel flag given apart is marked as given.
TEST(Cli, RuntimeDefaultsFollowTheModelsSourceAndAreListed) {
  const auto preset = nlohmann::json::parse(tsize_cli("memory llama-3-8b --format json").out);
  // The default recipe (docs/cli.md): amp-bf16, transformers with SDPA for a config.
  EXPECT_THAT(preset["assumptions"].dump(), HasSubstr("--runtime transformers-sdpa: "));
  EXPECT_THAT(preset["assumptions"].dump(), HasSubstr("--attention flash (set by --runtime"));
  const auto flags = nlohmann::json::parse(
      tsize_cli("memory --layers 2 --d-model 64 --heads 4 --format json").out);
  EXPECT_THAT(flags["assumptions"].dump(), HasSubstr("--runtime nanogpt: "));
  const CliRun given = tsize_cli("memory gpt2 --runtime compiled --loss eager --format json");
  ASSERT_EQ(given.status, 0) << given.err;
  const auto j = nlohmann::json::parse(given.out);
  EXPECT_THAT(j["assumptions"].dump(), HasSubstr("--loss eager (given)"));
  EXPECT_THAT(j["assumptions"].dump(), HasSubstr("--attention flash (set by --runtime compiled)"));
  EXPECT_EQ(tsize_cli("memory gpt2 --runtime torch").status, 2);
}

// Adafactor's states are factored (rows + columns per matrix), in the checkpoint as in memory.
TEST(Cli, CheckpointTakesEveryOptimizer) {
  const CliRun r =
      tsize_cli("checkpoint gpt2 --with-optimizer --optimizer adafactor --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["optimizer"].get<std::uint64_t>(), 0u);
  EXPECT_LT(j["optimizer"].get<std::uint64_t>(), 4u * 124'439'808u / 10);
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

// Inputs that once gave a silent or confusing answer: each is now bad input (exit 1) or bad
// usage (exit 2), with nothing on stdout and a message naming the problem.
TEST(CliErrors, NoSilentWrongAnswer) {
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"memory gpt2 --peak-tflops 100 --memory-gb -1", "--memory-gb -1: expected a positive"},
           {"memory gpt2 --peak-tflops 100 --memory-gb 0", "--memory-gb 0: expected a positive"},
           {"memory gpt2 --peak-tflops 100 --memory-gb nan", "--memory-gb nan: expected"},
           {"memory gpt2 --memory-gb 40", "--memory-gb 40 describes a custom GPU"},
           {"train gpt2 --mfu 0.4 --budget-flops 0", "--budget-flops 0: too small"},
           {"memory gpt2 --overhead 1e30", "--overhead 1e30: more than 1 PiB"},
           {"compare gpt2 gpt2-medium --batch 1,2", "takes one --seq and one --batch value"},
           {"flops gpt2 --batch 1Ki..", "--batch 1Ki..: a range needs a start and an end"},
           {"flops gpt2 --batch -5", "--batch -5: must not be negative"}}) {
    expect_bad_input(args, message);
  }
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"frobnicate", "unknown command \"frobnicate\""},
           {"parms gpt2", "did you mean params?"},
           {"memory gpt2 --batch ''", "--batch: an empty value"},
           {"memory gpt2 --batch=", "--batch=: an empty value"},
           {"flops gpt2 --chart ''", "--chart: an empty value"}}) {
    const CliRun r = tsize_cli(args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_THAT(r.out, IsEmpty()) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
}

// A control character in an argument is written as \xNN, never sent to the terminal.
TEST(CliErrors, ControlCharactersAreNotEchoed) {
  const CliRun r = tsize_cli("params \"$(printf 'x\\033[31m')\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("x\\x1b[31m"));
  EXPECT_THAT(r.err, Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

// Two configs compared show two names; --name overrides the folder's.
TEST(Cli, ConfigsAreNamedAfterTheirFolders) {
  const auto root = std::filesystem::temp_directory_path() / "tsize_names_test";
  for (const char* name : {"a", "b"}) {
    std::filesystem::create_directories(root / name);
    std::ofstream(root / name / "config.json")
        << test::read_file(test::data_path("hf-configs/openai-community__gpt2.json"));
  }
  const CliRun r = tsize_cli("compare " + (root / "a/config.json").string() + " " +
                             (root / "b").string() + " --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j[0]["model"], "tsize_names_test/a");
  EXPECT_EQ(j[1]["model"], "tsize_names_test/b");
  const CliRun named = tsize_cli("params " + (root / "a").string() + " --name gpt2-copy");
  EXPECT_THAT(named.out, HasSubstr("gpt2-copy (gpt2)"));
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace tsize
