// tsize in the browser: the command line as a WebAssembly function, in-process, with the same
// parsing, checks, library calls and outputs as `tsize COMMAND ...`. The page (web/app.js) calls
// run(["memory", "llama-3-8b", "--batch", "8", "--format", "json"]); a config.json pasted or
// dropped on the page is written to the module's in-memory files and passed by its path.
#include <emscripten/bind.h>

#include <string>
#include <vector>

#include "../../src/cli/commands.hpp"

namespace {

// {status, out, err}: 0 success, 1 bad input, 2 bad usage, 70 internal error.
emscripten::val run(const emscripten::val& js_args) {
  std::vector<std::string> args = emscripten::vecFromJSArray<std::string>(js_args);
  std::string out, err;
  const int status = tsize::cli::run(std::move(args), out, err, tsize::cli::Terminal{});
  emscripten::val result = emscripten::val::object();
  result.set("status", status);
  result.set("out", out);
  result.set("err", err);
  return result;
}

// Every command with its options (name, description, default, choices), as `--help` lists them.
emscripten::val commands() {
  emscripten::val list = emscripten::val::array();
  for (const tsize::cli::CommandHelp& c : tsize::cli::command_help()) {
    emscripten::val options = emscripten::val::array();
    for (const tsize::cli::OptionHelp& o : c.options) {
      emscripten::val d = emscripten::val::object();
      d.set("name", o.name);
      d.set("description", o.description);
      d.set("default", o.default_value);
      d.set("takes_value", o.takes_value);
      d.set("group", o.group);
      emscripten::val choices = emscripten::val::array();
      for (const std::string& choice : o.choices) choices.call<void>("push", choice);
      d.set("choices", choices);
      options.call<void>("push", d);
    }
    emscripten::val d = emscripten::val::object();
    d.set("name", c.name);
    d.set("description", c.description);
    d.set("options", options);
    list.call<void>("push", d);
  }
  return list;
}

}  // namespace

EMSCRIPTEN_BINDINGS(tsize) {
  emscripten::function("run", &run);
  emscripten::function("commands", &commands);
}
