// The whole command line as a function: parse, run one command, collect its output. The one
// place that catches errors. Exit status: 0 success, 1 bad input, 2 bad usage, 70 internal.
#include <CLI/CLI.hpp>

#include <sstream>

#include "commands.hpp"
#include "tsize/error.hpp"

namespace tsize::cli {

namespace {
Terminal g_terminal;  // this run's terminal, after --no-color
}  // namespace

const Terminal& terminal() { return g_terminal; }

int run(std::vector<std::string> args, std::string& out, std::string& err, const Terminal& term) {
  g_terminal = term;
  CLI::App app{"tsize: parameters, FLOPs, memory, time and cost of transformer models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tsize 0.1.0");
  app.footer("Run `tsize COMMAND --help` for a command's options and examples.");
  app.add_flag_callback(
      "--no-color", [] { g_terminal.is_tty = false; },
      "plain output even on a terminal (also: NO_COLOR)");
  std::string result;
  add_models_command(app, result);
  add_params_command(app, result);
  add_flops_command(app, result);
  add_memory_command(app, result);
  add_checkpoint_command(app, result);
  add_mfu_command(app, result);
  add_train_command(app, result);
  add_gpus_command(app, result);
  add_compare_command(app, result);
  add_report_command(app, result);
  add_completion_command(app, result);
  std::ostringstream help_out, help_err;
  try {
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector of arguments
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    const int status = app.exit(e, help_out, help_err);
    out = help_out.str();
    return status;
  } catch (const CLI::CallForAllHelp& e) {
    const int status = app.exit(e, help_out, help_err);
    out = help_out.str();
    return status;
  } catch (const CLI::CallForVersion& e) {
    const int status = app.exit(e, help_out, help_err);
    out = help_out.str();
    return status;
  } catch (const CLI::ParseError& e) {
    err = std::string("tsize: usage error: ") + e.what() + "\n(run `tsize --help`)\n";
    return 2;
  } catch (const tsize::Error& e) {
    err = std::string("tsize: error: ") + e.what() + "\n";
    return 1;
  } catch (const std::exception& e) {
    err = std::string("tsize: internal error: ") + e.what() + "\n";
    return 70;
  }
  out = std::move(result);
  return 0;
}

}  // namespace tsize::cli
