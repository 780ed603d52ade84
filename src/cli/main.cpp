// tsize — transformer resource accounting. main() parses, runs one command and prints; it is the
// one place that catches errors. Exit status: 0 success, 1 bad input, 2 bad usage, 70 internal.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "tsize/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tsize: parameters, FLOPs, memory, time and cost of transformer models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tsize 0.1.0");
  app.footer("Run `tsize COMMAND --help` for a command's options and examples.");
  std::string out;
  tsize::cli::add_models_command(app, out);
  tsize::cli::add_params_command(app, out);
  tsize::cli::add_flops_command(app, out);
  tsize::cli::add_report_command(app, out);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tsize: usage error: " << e.what() << "\n(run `tsize --help`)\n";
    return 2;
  } catch (const tsize::Error& e) {
    std::cerr << "tsize: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tsize: internal error: " << e.what() << "\n";
    return 70;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
