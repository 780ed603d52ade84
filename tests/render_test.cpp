#include "tsize/render.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tsize/report.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

Report params_report(const std::string& preset) {
  const Graph g = build_graph(load_preset(preset));
  Report r = report_heading(g.spec);
  r.sections.push_back(params_section(g.spec, count_params(g)));
  return r;
}

// Sum of the children equals the node, all the way down.
void expect_sums(const nlohmann::json& node) {
  if (node["children"].empty()) return;
  std::uint64_t sum = 0;
  for (const auto& c : node["children"]) {
    expect_sums(c);
    sum += c["params"].get<std::uint64_t>();
  }
  EXPECT_EQ(sum, node["params"].get<std::uint64_t>()) << node["name"];
}

TEST(RenderJson, ParamsContractFieldsAndTreeSums) {
  for (const char* preset : {"gpt2", "mixtral-8x7b", "deepseek-v3", "bert-base-uncased"}) {
    const auto j = nlohmann::json::parse(render(params_report(preset), {Format::kJson}));
    for (const char* key : {"total", "trainable", "non_embedding", "active"}) {
      ASSERT_TRUE(j[key].is_number_unsigned()) << preset << " " << key;
    }
    EXPECT_EQ(j["breakdown"]["params"], j["total"]) << preset;
    expect_sums(j["breakdown"]);
  }
}

TEST(RenderJson, ReportNestsSections) {
  RenderOptions o{Format::kJson};
  o.nest_sections = true;
  const auto j = nlohmann::json::parse(render(full_report(build_graph(load_preset("gpt2"))), o));
  EXPECT_EQ(j["params"]["total"], 124'439'808);
  EXPECT_EQ(j["model"], "gpt2");
}

TEST(ParamsSection, SaysTheMtpModuleIsNotCounted) {
  EXPECT_THAT(
      render(params_report("deepseek-v3"), {}),
      HasSubstr("multi-token-prediction module(s) (num_nextn_predict_layers) are not counted"));
  EXPECT_THAT(render(params_report("gpt2"), {}), Not(HasSubstr("multi-token")));
}

TEST(RenderJson, EscapesStrings) {
  Report r;
  r.model = "a\"b\\c\n";
  r.family = std::string("plain \t\x01 tail\x1f\"") + "\xc3\xa9";  // escapes amid runs of text
  const std::string text = render(r, {Format::kJson});
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["model"], "a\"b\\c\n");
  EXPECT_EQ(j["family"], r.family);
  EXPECT_THAT(text, HasSubstr(R"("family": "plain \t\u0001 tail\u001f\"é")"));
}

TEST(RenderCsv, OneRowPerNodeAndFact) {
  const std::string csv = render(params_report("gpt2"), {Format::kCsv});
  EXPECT_THAT(csv, HasSubstr("section,kind,name,column,value,unit,repeat,note\n"));
  EXPECT_THAT(csv,
              HasSubstr("params,breakdown,layers/attention/qkv_proj,params,21261312,count,1,\n"));
  EXPECT_THAT(csv, HasSubstr("params,fact,total,,124439808,count,1,\n"));
}

TEST(RenderMarkdown, IsATable) {
  const std::string md = render(params_report("gpt2"), {Format::kMarkdown});
  EXPECT_THAT(md, HasSubstr("| component | params | share | note |"));
  EXPECT_THAT(md, HasSubstr("| 12 × layers | 85,054,464 | 68.3 % | layers 0-11 |"));
}

TEST(RenderTable, ShowsPerLayerFiguresInsideRepeatedBlocks) {
  const std::string t = render(params_report("gpt2"), {});
  EXPECT_THAT(t, HasSubstr("12 × layers"));
  EXPECT_THAT(t, HasSubstr("qkv_proj        1,771,776  per layer"));
  EXPECT_THAT(t, HasSubstr("474.70 MiB"));
  RenderOptions si;
  si.units = ByteUnits::kSI;
  EXPECT_THAT(render(params_report("gpt2"), si), HasSubstr("497.76 MB"));
}

TEST(RenderTable, FitsNotesToTheTerminalAndColorsOnlyWhenAsked) {
  const Report r = params_report("llama-3-8b");
  EXPECT_THAT(render(r, {}), Not(HasSubstr("\x1b[")));  // plain by default: files, pipes
  RenderOptions tty;
  tty.color = true;
  tty.width = 80;
  const std::string t = render(r, tty);
  EXPECT_THAT(t, HasSubstr("\x1b[1mParameters"));
  EXPECT_THAT(t, HasSubstr("(without token/position em…"));  // cut at column 80
  EXPECT_THAT(t, Not(HasSubstr("embeddings and lm_head)")));
}

TEST(Units, HumanFormats) {
  EXPECT_EQ(human_count(950), "950");
  EXPECT_EQ(human_count(1'557'611'200), "1.56 B");
  EXPECT_EQ(human_bytes(6'230'444'800, ByteUnits::kBinary), "5.80 GiB");
  EXPECT_EQ(human_bytes(6'230'444'800, ByteUnits::kSI), "6.23 GB");
  EXPECT_EQ(human_bytes(512, ByteUnits::kBinary), "512 B");
  EXPECT_EQ(percent(1, 3), "33.3 %");
  EXPECT_EQ(percent(1, 0), "0.0 %");
}

TEST(Units, ParsesHumanCounts) {
  EXPECT_EQ(parse_human_count("1024", "--seq"), 1024);
  EXPECT_EQ(parse_human_count("2k", "--seq"), 2000);
  EXPECT_EQ(parse_human_count("32Ki", "--seq"), 32768);
  EXPECT_EQ(parse_human_count("300B", "--tokens"), 300'000'000'000);
  EXPECT_EQ(parse_human_count("1.5T", "--tokens"), 1'500'000'000'000);
  EXPECT_EQ(parse_human_count("3e11", "--tokens"), 300'000'000'000);
  EXPECT_EQ(parse_human_count("2.5e3", "--x"), 2500);
  EXPECT_EQ(human_flops(3'506'703'564'800), "3.51 TFLOP");
  for (const char* bad : {"", "k", "1.5", "1e", "1e-1", "x12", "12x", "1..2", "1e99999", "-3"}) {
    EXPECT_THROW(parse_human_count(bad, "--seq"), Error) << bad;
  }
  EXPECT_THAT([] { parse_human_count("1.25k5", "--seq"); },
              ThrowsMessage<Error>(HasSubstr("--seq 1.25k5: unknown suffix")));
  EXPECT_THAT([] { parse_human_count("1e60", "--seq"); },
              ThrowsMessage<Error>(HasSubstr("too large")));
}

TEST(ParseOptions, BadNamesListTheChoices) {
  EXPECT_THROW(parse_choice<Format>("yaml"), Error);
  EXPECT_EQ(parse_choice<Format>("md"), Format::kMarkdown);
  EXPECT_THROW(parse_choice<ByteUnits>("metric"), Error);
}

}  // namespace
}  // namespace tsize
