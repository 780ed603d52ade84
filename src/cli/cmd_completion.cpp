// tsize completion bash|zsh — a shell completion script generated from the command line itself:
// subcommands, their flags, the choices of each flag, preset and GPU names.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/gpus.hpp"
#include "tsize/presets.hpp"

namespace tsize::cli {
namespace {

// "TEXT:{gelu,relu}" → "gelu relu"; "" when the option has no fixed choices.
std::string choices_of(const CLI::Option* opt) {
  const std::string type = opt->get_type_name();
  const auto open = type.find('{'), close = type.find('}');
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string list = type.substr(open + 1, close - open - 1);
  for (char& c : list) c = c == ',' ? ' ' : c;
  return list;
}

std::string bash_script(CLI::App& app) {
  std::string commands, per_command, per_flag;
  std::map<std::string, std::string> flag_choices;
  for (CLI::App* sub : app.get_subcommands({})) {
    commands += (commands.empty() ? "" : " ") + sub->get_name();
    std::string flags;
    for (const CLI::Option* opt : sub->get_options()) {
      for (const std::string& name : opt->get_lnames()) {
        flags += (flags.empty() ? "--" : " --") + name;
        if (const std::string c = choices_of(opt); !c.empty()) flag_choices["--" + name] = c;
      }
    }
    per_command += fmt::format("    {}) opts=\"{}\" ;;\n", sub->get_name(), flags);
  }
  std::string gpus;
  for (const Gpu& g : gpu_catalog()) gpus += (gpus.empty() ? "" : " ") + g.name;
  flag_choices["--gpu"] = gpus;
  for (const auto& [flag, values] : flag_choices) {
    per_flag += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                            flag, values);
  }
  std::string models;
  for (const Preset& p : presets()) models += (models.empty() ? "" : " ") + std::string(p.name);
  return fmt::format(
      R"(# tsize bash completion. Install: tsize completion bash > /etc/bash_completion.d/tsize
_tsize() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "{} --help --version" -- "$cur")); return
  fi
  case "$prev" in
{}  esac
  case "${{COMP_WORDS[1]}}" in
{}  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "{}" -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
  fi
}}
complete -o filenames -F _tsize tsize
)",
      commands, per_flag, per_command, models);
}

}  // namespace

void add_completion_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("completion", "print a shell completion script (bash or zsh)");
  auto shell = std::make_shared<std::string>();  // owned by the callback
  cmd->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  cmd->footer(
      "Examples:\n  tsize completion bash > ~/.local/share/bash-completion/completions/tsize\n"
      "  tsize completion zsh > \"${fpath[1]}/_tsize\"");
  cmd->callback([&out, &app, shell] {
    const std::string bash = bash_script(app);
    // zsh runs the bash function through its bashcompinit layer.
    out = *shell == "bash" ? bash
                           : "#compdef tsize\nautoload -U +X bashcompinit && bashcompinit\n" + bash;
  });
}

}  // namespace tsize::cli
