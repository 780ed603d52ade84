// tsize — transformer resource accounting. main() hands the arguments to cli::run and prints.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  tsize::cli::Terminal term;
  term.is_tty = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  winsize ws{};
  if (term.is_tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    term.columns = ws.ws_col;
  }
  std::string out, err;
  const int status =
      tsize::cli::run(std::vector<std::string>(argv + 1, argv + argc), out, err, term);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fwrite(err.data(), 1, err.size(), stderr);
  return status;
}
