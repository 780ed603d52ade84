// tsize params MODEL — parameters by component, totals and bytes per dtype.
#include <filesystem>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/checkpoint_files.hpp"

namespace tsize::cli {

void add_params_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("params", "parameter table by component, with totals and bytes");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto output = std::make_shared<OutputOptions>();
  add_model_options(cmd, *model);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->footer(
      "Examples:\n  tsize params llama-3-8b\n  tsize params path/to/config.json --format json\n"
      "  tsize params --layers 12 --d-model 768 --heads 12\n"
      "  tsize params gpt2 --bias false --context 2048");
  reset_before_each_parse(cmd, model, output);
  cmd->callback([&out, model, output] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    // A model folder's safetensors headers, compared with the count.
    std::optional<StoredCheckpoint> stored;
    std::error_code ec;
    if (std::filesystem::is_directory(model->model, ec)) stored = read_checkpoint(model->model);
    out = render(answer_params(graph, output->explain, stored), ro);
  });
}

}  // namespace tsize::cli
