// tsize checkpoint MODEL — checkpoint size, and an actual file against the estimate.
#include <filesystem>

#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/graph.hpp"
#include "tsize/report.hpp"

namespace tsize::cli {

void add_checkpoint_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("checkpoint", "checkpoint size, with or without optimizer states");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto output = std::make_shared<OutputOptions>();
  struct Flags {
    std::string dtype = "fp32", optimizer = "adamw", compare;
    bool with_optimizer = false;
  };
  auto f = std::make_shared<Flags>();
  add_model_options(cmd, *model);
  add_output_options(cmd, *output);
  cmd->add_option("--dtype", f->dtype, "dtype of the stored weights")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16", "fp8"}));
  cmd->add_flag("--with-optimizer", f->with_optimizer, "include optimizer states (to resume)");
  cmd->add_option("--optimizer", f->optimizer, "optimizer whose states are stored")
      ->check(CLI::IsMember({"adamw", "adam", "sgd", "sgd-momentum", "lion", "adam-8bit"}));
  cmd->add_option("--compare", f->compare, "an actual checkpoint file to compare with");
  cmd->footer(
      "Examples:\n  tsize checkpoint gpt2-xl --with-optimizer\n"
      "  tsize checkpoint gpt2 --with-optimizer --compare out/ckpt.pt");
  cmd->callback([&out, model, output, f] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    std::optional<Count> actual;
    if (!f->compare.empty()) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(f->compare, ec);
      if (ec) throw Error(f->compare + ": cannot read the file's size (" + ec.message() + ")");
      actual = static_cast<std::uint64_t>(size);
    }
    Report r = report_heading(graph.spec);
    r.sections.push_back(checkpoint_section(count_params(graph), parse_dtype(f->dtype),
                                            f->with_optimizer, parse_optimizer(f->optimizer),
                                            actual));
    out = render(r, ro);
  });
}

}  // namespace tsize::cli
