// tsize — transformer resource accounting. main() hands the arguments to cli::run and prints.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  std::string out, err;
  const int status = tsize::cli::run(std::vector<std::string>(argv + 1, argv + argc), out, err);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fwrite(err.data(), 1, err.size(), stderr);
  return status;
}
