// Graphviz rendering: the DOT source goes to a temporary file, `dot -Tsvg` writes a temporary
// SVG next to the target, and a rename puts it in place.
#include "graph/render_svg.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "nabla/util/error.hpp"

extern char** environ;

namespace nabla::graph {

std::string dot_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void render_svg(const std::string& dot_source, const std::string& path, std::string_view who) {
  namespace fs = std::filesystem;
  const std::string source = path + ".dot.tmp";
  const std::string rendered = path + ".svg.tmp";
  {
    std::ofstream file(source);
    NABLA_CHECK(file.good(), IOError, who, ": cannot write next to '", path, "'");
    file << dot_source;
    NABLA_CHECK(file.good(), IOError, who, ": cannot write '", source, "'");
  }
  std::string args[] = {"dot", "-Tsvg", "-o", rendered, source};
  char* argv[] = {args[0].data(), args[1].data(), args[2].data(),
                  args[3].data(), args[4].data(), nullptr};
  pid_t pid = 0;
  int status = 0;
  const int spawned = posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ);
  const bool ran = spawned == 0 && waitpid(pid, &status, 0) == pid;
  std::error_code ignored;
  fs::remove(source, ignored);
  // posix_spawnp reports a missing program either directly or as exit status 127 of the child.
  const bool missing = spawned != 0 || (ran && WIFEXITED(status) && WEXITSTATUS(status) == 127);
  if (!ran || missing || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove(rendered, ignored);
    NABLA_CHECK(!missing, IOError, who,
                ": Graphviz 'dot' was not found on PATH (Debian: apt install graphviz); the "
                "to_dot() source can be rendered elsewhere");
    NABLA_CHECK(false, IOError, who, ": 'dot -Tsvg' failed writing '", path, "'");
  }
  std::error_code moved;
  fs::rename(rendered, path, moved);
  if (moved) fs::remove(rendered, ignored);
  NABLA_CHECK(!moved, IOError, who, ": cannot move the SVG to '", path, "': ", moved.message());
}

}  // namespace nabla::graph
