// The CLI's pieces: shared options and one registration function per subcommand. Commands parse,
// call the library and render; they do no arithmetic of their own.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "tsize/model.hpp"
#include "tsize/overrides.hpp"
#include "tsize/render.hpp"

namespace tsize::cli {

// MODEL plus the architecture flags that build or override it.
struct ModelOptions {
  std::string model;
  std::int64_t layers = 0, d_model = 0, heads = 0, kv_heads = 0, head_dim = 0, d_ff = 0,
               vocab = 0, context = 0;
  std::string mlp, norm, pos, bias, tied;
  std::vector<CLI::Option*> int_options;  // parallel to the integers above, to see which are set
};

struct OutputOptions {
  std::string format = "table";
  std::string units = "binary";
};

void add_model_options(CLI::App* cmd, ModelOptions& o);
void add_output_options(CLI::App* cmd, OutputOptions& o);

// The model that MODEL and the flags describe. Throws Error.
ModelSpec resolve_model(const ModelOptions& o);
RenderOptions render_options(const OutputOptions& o);

// Each registers its subcommand; the callback writes the command's output to `out`.
void add_models_command(CLI::App& app, std::string& out);
void add_params_command(CLI::App& app, std::string& out);
void add_report_command(CLI::App& app, std::string& out);

}  // namespace tsize::cli
