// save_npz / load_npz: a zip archive with one NAME.npy member per tensor, as np.savez writes it
// (stored members); reading also takes np.savez_compressed's deflated members.
#include <span>

#include "io/npy_format.hpp"
#include "io/zip.hpp"
#include "nabla/io/npy.hpp"

namespace nabla {

void save_npz(const std::filesystem::path& path, const std::map<std::string, Tensor>& tensors) {
  // Every tensor is checked (and made contiguous) before the file is touched.
  std::vector<std::pair<std::string, Tensor>> members;
  for (const auto& [name, t] : tensors) {
    members.emplace_back(name + ".npy", io::contiguous_for_writing(t, "save_npz"));
  }
  try {
    io::AtomicWriter out(path);
    io::ZipWriter zip(out);
    for (const auto& [name, t] : members) {
      const std::string header = io::format_npy_header(t.shape(), t.dtype());
      const size_t bytes = static_cast<size_t>(t.numel()) * t.itemsize();
      const std::span<const unsigned char> pieces[] = {
          {reinterpret_cast<const unsigned char*>(header.data()), header.size()},
          {bytes > 0 ? static_cast<const unsigned char*>(t.data_ptr()) : nullptr, bytes}};
      zip.add_stored(name, pieces);
    }
    zip.finish();
    out.commit();
  } catch (const IOError& e) {
    throw IOError(detail::str_cat("save_npz: ", path, ": ", e.what()));
  }
}

std::map<std::string, Tensor> load_npz(const std::filesystem::path& path) {
  try {
    const io::File file(path);
    const io::ZipReader zip(file);
    std::map<std::string, Tensor> tensors;
    for (const io::ZipEntry& entry : zip.entries()) {
      const std::string& name = entry.name;
      NABLA_CHECK(name.size() >= 4 && name.ends_with(".npy"), IOError, "member '", name,
                  "' is not a .npy file");
      Tensor t;
      try {
        const auto source = zip.open(entry);
        t = io::read_npy(*source);
        source->finish();
      } catch (const IOError& e) {
        throw IOError(detail::str_cat("member '", name, "': ", e.what()));
      }
      NABLA_CHECK(tensors.emplace(name.substr(0, name.size() - 4), t).second, IOError,
                  "duplicate member '", name, "'");
    }
    return tensors;
  } catch (const IOError& e) {
    throw IOError(detail::str_cat("load_npz: ", path, ": ", e.what()));
  }
}

}  // namespace nabla
