// tsize clusters — the cluster catalog: GPUs per node and the fabrics between them.
#include "commands.hpp"
#include "tsize/cluster_list.hpp"

namespace tsize::cli {

void add_clusters_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand(
      "clusters", "the cluster catalog: GPU, GPUs per node, NVLink and network per tier");
  auto output = std::make_shared<OutputOptions>();  // owned by the callback
  add_output_options(cmd, *output);
  cmd->footer("Every figure's source is in clusters/clusters.json.\nExample:\n  tsize clusters");
  reset_before_each_parse(cmd, output);
  cmd->callback(
      [&out, output] { out = render_cluster_list(cluster_catalog(), render_options(*output)); });
}

}  // namespace tsize::cli
