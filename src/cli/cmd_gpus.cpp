// tsize gpus — the GPU catalog: memory, bandwidth, dense peaks.
#include "commands.hpp"
#include "tsize/gpu_list.hpp"

namespace tsize::cli {

void add_gpus_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("gpus", "the GPU catalog: memory, bandwidth, dense peak TFLOP/s");
  auto output = std::make_shared<OutputOptions>();  // owned by the callback
  add_output_options(cmd, *output);
  cmd->footer("Every figure's datasheet source is in gpus/gpus.json.\nExample:\n  tsize gpus");
  reset_before_each_parse(cmd, output);
  cmd->callback([&out, output] { out = render_gpu_list(gpu_catalog(), render_options(*output)); });
}

}  // namespace tsize::cli
