// tsize._tsize — the command line as a Python function, in-process: the same parsing, checks,
// library calls and JSON as `tsize COMMAND ... --format json`, and the commands' options as data
// (docstrings and stubs). The GIL is released while a command runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "commands.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_tsize, m) {
  m.doc() = "tsize's command line, in-process (use the tsize package, not this module)";
  m.def(
      "run",
      [](std::vector<std::string> args) {
        std::string out, err;
        int status = 0;
        {
          py::gil_scoped_release release;
          status = tsize::cli::run(std::move(args), out, err, tsize::cli::Terminal{});
        }
        return py::make_tuple(status, py::bytes(out), py::bytes(err));
      },
      py::arg("args"),
      "Runs `tsize ARGS...`: (exit status, stdout bytes, stderr bytes); 0 success, 1 bad input, "
      "2 bad usage, 70 internal error.");
  m.def(
      "commands",
      [] {
        py::list out;
        for (const tsize::cli::CommandHelp& c : tsize::cli::command_help()) {
          py::list options;
          for (const tsize::cli::OptionHelp& o : c.options) {
            py::dict d;
            d["name"] = o.name;
            d["description"] = o.description;
            d["default"] = o.default_value;
            d["takes_value"] = o.takes_value;
            d["group"] = o.group;
            d["choices"] = o.choices;
            options.append(d);
          }
          py::dict d;
          d["name"] = c.name;
          d["description"] = c.description;
          d["positional"] = c.positional;
          d["positional_description"] = c.positional_description;
          d["options"] = options;
          out.append(d);
        }
        return out;
      },
      "Every command with its options, as `tsize COMMAND --help` lists them.");
}
