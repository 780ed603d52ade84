// tsize checkpoint MODEL — checkpoint size, and an actual file against the estimate.
#include <filesystem>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/checkpoint_files.hpp"
#include "tsize/error.hpp"

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
  add_choice<Dtype>(cmd, f->dtype, "dtype of the stored weights", "Checkpoint");
  cmd->add_flag("--with-optimizer", f->with_optimizer, "include optimizer states (to resume)")
      ->group("Checkpoint");
  add_choice<Optimizer>(cmd, f->optimizer, "optimizer whose states are stored", "Checkpoint");
  cmd->add_option("--compare", f->compare,
                  "an actual checkpoint to compare with: any file by its size; a .safetensors "
                  "or .gguf file or a model folder also by its tensors (headers only)");
  cmd->footer(
      "Examples:\n  tsize checkpoint gpt2-xl --with-optimizer\n"
      "  tsize checkpoint gpt2 --with-optimizer --compare out/ckpt.pt");
  reset_before_each_parse(cmd, model, output, f);
  cmd->callback([&out, model, output, f] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    CheckpointRequest q;
    q.dtype = parse_choice<Dtype>(f->dtype);
    q.with_optimizer = f->with_optimizer;
    q.optimizer = parse_choice<Optimizer>(f->optimizer);
    if (!f->compare.empty()) {
      std::error_code ec;
      const bool folder = std::filesystem::is_directory(f->compare, ec);
      const auto size = folder ? 0 : std::filesystem::file_size(f->compare, ec);
      if (ec) throw Error(f->compare + ": cannot read the file's size (" + ec.message() + ")");
      if (!std::filesystem::is_directory(f->compare))
        q.actual_bytes = static_cast<std::uint64_t>(size);
      q.stored = read_checkpoint(f->compare);  // .safetensors, .gguf or a model folder
      if (folder && !q.stored) {
        throw Error(f->compare + ": a folder without .safetensors files or their index");
      }
    }
    out = render(answer_checkpoint(graph, q), ro);
  });
}

}  // namespace tsize::cli
