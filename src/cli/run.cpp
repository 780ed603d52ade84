// The whole command line as a function: parse, run one command, collect its output. The one
// place that catches errors. Exit status: 0 success, 1 bad input, 2 bad usage, 70 internal.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/presets.hpp"

namespace tsize::cli {

namespace {

thread_local Terminal g_terminal;  // this run's terminal, after --no-color (one per thread)

// A control character in a message would act on the terminal: write it as \xNN.
std::string printable(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && c != '\n') || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out += c;
    }
  }
  return out;
}

// Problems CLI11 reports badly, found before it parses: an empty value ("--batch ''") and an
// unknown command. Returns the message, or "" when the arguments are fine so far.
std::string early_usage_error(const std::vector<std::string>& args, CLI::App& app) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty()) {
      return i > 0 && args[i - 1].rfind("--", 0) == 0
                 ? args[i - 1] + ": an empty value; give one"
                 : "an empty argument: give a model, a command or a flag";
    }
    if (a.rfind("--", 0) == 0 && a.back() == '=') return a + ": an empty value; give one";
  }
  if (args.empty() || args.front().rfind('-', 0) == 0) return "";
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == args.front()) return "";
    commands.push_back(sub->get_name());
  }
  const std::vector<std::string> near = nearest_names(args.front(), commands);
  return "unknown command \"" + args.front() + "\"" +
         (near.empty() ? "" : " (did you mean " + near.front() + "?)") +
         "; `tsize --help` lists the commands";
}

// Every command by the name it registers.
struct NamedCommand {
  std::string_view name;
  void (*add)(CLI::App&, std::string&);
};
constexpr std::array<NamedCommand, 15> kCommands{{
    {"models", add_models_command},
    {"params", add_params_command},
    {"flops", add_flops_command},
    {"memory", add_memory_command},
    {"checkpoint", add_checkpoint_command},
    {"mfu", add_mfu_command},
    {"train", add_train_command},
    {"gpus", add_gpus_command},
    {"clusters", add_clusters_command},
    {"step", add_step_command},
    {"plan", add_plan_command},
    {"infer", add_infer_command},
    {"compare", add_compare_command},
    {"report", add_report_command},
    {"completion", add_completion_command},
}};

bool is_command(std::string_view name) {
  return std::any_of(kCommands.begin(), kCommands.end(),
                     [&](const NamedCommand& c) { return c.name == name; });
}

// The application, its output into `result`: every command, or only the one named `only` (a
// command line runs one; registering all fifteen takes a millisecond, most of a call from
// Python).
void build_app(CLI::App& app, std::string& result, std::string_view only = {}) {
  app.require_subcommand(1);
  app.set_version_flag("--version", "tsize 0.1.0");
  app.footer("Run `tsize COMMAND --help` for a command's options and examples.");
  app.add_flag_callback(
      "--no-color", [] { g_terminal.is_tty = false; },
      "plain output even on a terminal (also: NO_COLOR)");
  for (const NamedCommand& c : kCommands) {
    if (only.empty() || c.name == only) c.add(app, result);
  }
}

constexpr const char* kAppDescription =
    "tsize: parameters, FLOPs, memory, time and cost of transformer models";

// An application and the string its command writes to (the callbacks hold its address).
struct BuiltApp {
  CLI::App app{kAppDescription};
  std::string result;
};

// This thread's applications by command, each built once and parsed again for each call (its
// options reset as each parse starts): building one takes most of an in-process call.
std::map<std::string, std::unique_ptr<BuiltApp>, std::less<>>& built_apps() {
  thread_local std::map<std::string, std::unique_ptr<BuiltApp>, std::less<>> built;
  return built;
}

// The command a line runs alone, or "" when it needs every command (`completion` lists them;
// a line naming none gets the root's help or an error listing them).
std::string_view sole_command(const std::vector<std::string>& args) {
  if (args.empty() || !is_command(args.front()) || args.front() == "completion") return {};
  return args.front();
}

// The application for a command line: this thread's one for its command, else a new one in
// `fresh` with every command.
BuiltApp& app_for(std::string_view command, std::unique_ptr<BuiltApp>& fresh) {
  if (command.empty()) {
    fresh = std::make_unique<BuiltApp>();
    build_app(fresh->app, fresh->result);
    return *fresh;
  }
  std::unique_ptr<BuiltApp>& slot = built_apps()[std::string(command)];
  if (!slot) {
    slot = std::make_unique<BuiltApp>();
    build_app(slot->app, slot->result, command);
  }
  return *slot;
}

// The values an option allows, when it allows a set (add_choice, --sp true|false): its
// validator describes the set as "{a,b,c}". Empty for an option that takes any value.
std::vector<std::string> choices_of(CLI::Option& o) {
  std::string set;
  try {
    set = o.get_validator()->get_description();
  } catch (const CLI::OptionNotFound&) {  // no validator
    return {};
  }
  if (set.size() < 2 || set.front() != '{' || set.back() != '}') return {};
  std::vector<std::string> out;
  std::istringstream items(set.substr(1, set.size() - 2));
  for (std::string item; std::getline(items, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

const Terminal& terminal() { return g_terminal; }

std::vector<CommandHelp> command_help() {
  CLI::App app{kAppDescription};
  std::string unused;
  build_app(app, unused);
  std::vector<CommandHelp> out;
  for (CLI::App* sub : app.get_subcommands({})) {
    CommandHelp c;
    c.name = sub->get_name();
    c.description = sub->get_description();
    for (CLI::Option* o : sub->get_options()) {
      if (o->get_lnames().empty() && !o->get_positional()) continue;  // -h
      if (o->get_positional()) {
        c.positional = o->get_name();
        c.positional_description = o->get_description();
        continue;
      }
      if (o->get_lnames().front() == "help") continue;
      c.options.push_back({o->get_lnames().front(), o->get_description(), o->get_default_str(),
                           o->get_expected_min() > 0, o->get_group(), choices_of(*o)});
    }
    out.push_back(std::move(c));
  }
  return out;
}

int run(std::vector<std::string> args, std::string& out, std::string& err, const Terminal& term) {
  g_terminal = term;
  const std::string command(sole_command(args));
  std::unique_ptr<BuiltApp> fresh;
  BuiltApp& built = app_for(command, fresh);
  CLI::App& app = built.app;
  // Kept for the next call only when this one ends in its command's output.
  struct ForgetUnlessKept {
    const std::string& command;
    bool keep = false;
    ~ForgetUnlessKept() {
      if (!keep && !command.empty()) built_apps().erase(command);
    }
  } forget{command};
  std::ostringstream help_out, help_err;
  if (const std::string early = early_usage_error(args, app); !early.empty()) {
    err = printable("tsize: usage error: " + early + "\n");
    return 2;
  }
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
    err = printable(std::string("tsize: usage error: ") + e.what() + "\n(run `tsize --help`)\n");
    return 2;
  } catch (const tsize::Error& e) {
    err = printable(std::string("tsize: error: ") + e.what() + "\n");
    return 1;
  } catch (const std::exception& e) {
    err = printable(std::string("tsize: internal error: ") + e.what() + "\n");
    return 70;
  }
  out = std::move(built.result);
  forget.keep = true;
  return 0;
}

}  // namespace tsize::cli
