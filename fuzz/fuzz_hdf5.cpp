// nabla's HDF5 reader (io::h5::File) on any bytes, walking every group, dataset and attribute:
// superblock, object headers and continuations, symbol tables and compact links, datatypes,
// dataspaces, layouts, global heaps. Each object is visited under its own guard, so an error in
// one does not hide the rest of the file from the fuzzer.
#include <vector>

#include "fuzz_common.hpp"
#include "io/hdf5.hpp"

namespace {

namespace h5 = nabla::io::h5;
using nabla::fuzz::expect_nabla_errors_only;

template <class Object>
void read_attributes(const Object& object) {
  for (const std::string& name : object.attribute_names()) {
    expect_nabla_errors_only([&] {
      const h5::Attribute a = object.attribute(name);
      if (a.is_string && a.strings.size() == 1) (void)a.as_string();
    });
  }
}

void walk(const h5::Group& group) {
  expect_nabla_errors_only([&] { read_attributes(group); });
  expect_nabla_errors_only([&] {
    for (const std::string& name : group.datasets()) {
      expect_nabla_errors_only([&] {
        const h5::Dataset d = group.dataset(name);
        expect_nabla_errors_only([&] { read_attributes(d); });
        if (d.is_string()) {
          (void)d.read_strings();
        } else {
          const nabla::Tensor t = d.read();
          if (t.shape() != d.shape() || t.dtype() != d.dtype()) std::abort();
        }
      });
    }
  });
  expect_nabla_errors_only([&] {
    for (const std::string& name : group.groups())
      expect_nabla_errors_only([&] { walk(group.group(name)); });
  });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  expect_nabla_errors_only([&] {
    const h5::File file(std::vector<unsigned char>(data, data + size), "fuzz.h5");
    walk(file.root());
  });
  return 0;
}
