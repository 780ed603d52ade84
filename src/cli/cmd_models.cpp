// tsize models — the presets, one line each.
#include "commands.hpp"
#include "tsize/model_list.hpp"

namespace tsize::cli {

void add_models_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("models", "list the preset models with their parameter counts");
  auto opts = std::make_shared<OutputOptions>();  // owned by the callback
  add_output_options(cmd, *opts);
  cmd->footer("Example:\n  tsize models\n  tsize models --format json");
  reset_before_each_parse(cmd, opts);
  cmd->callback(
      [&out, opts] { out = render_model_list(preset_summaries(), render_options(*opts)); });
}

}  // namespace tsize::cli
