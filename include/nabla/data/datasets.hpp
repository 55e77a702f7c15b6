// Keras-style dataset loaders: `auto [train, test] = nabla::datasets::mnist::load_data();`
// Each loader looks for the IDX files locally first and downloads them (md5-verified) only when
// no copy exists.
#pragma once

#include <filesystem>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla::datasets {

/// One part of a dataset: images `x` and their labels `y` (same length along axis 0).
struct Split {
  Tensor x;
  Tensor y;
};

// Where the loaders find `<name>` ("mnist", "fashion-mnist"), first match wins:
//   1. $NABLA_DATA/<name>/ when it holds the four files (a local copy; not checksummed);
//   2. ~/.nabla/datasets/<name>/ (the download cache; files land there only once verified);
//   3. otherwise the missing files are downloaded into 2. from the dataset's public mirrors,
//      tried in order, each file checked against its published md5. A failure is an IOError
//      naming every URL tried; set NABLA_DATA to a folder holding a copy to work offline.
// NABLA_DATASETS_MIRROR (comma-separated base URLs) replaces the public mirrors: a file is then
// fetched from <base>/<name>/<file>, e.g. a local server or an internal mirror.
//
// Images are uint8 [n, 28, 28] with values 0..255, as Keras's (convert with
// .astype(float32) / 255.0f). Labels are int64 [n] with values 0..9 (Keras gives uint8; int64 is
// the index dtype of nabla's ops and losses).

namespace mnist {
/// MNIST digits: {train (60000 images), test (10000 images)}.
[[nodiscard]] std::pair<Split, Split> load_data();
}  // namespace mnist

namespace fashion_mnist {
/// Fashion-MNIST (Zalando's clothing images, folder "fashion-mnist"): {train (60000), test
/// (10000)}. Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
/// 7 Sneaker, 8 Bag, 9 Ankle boot.
[[nodiscard]] std::pair<Split, Split> load_data();
}  // namespace fashion_mnist

/// The four IDX files in `dir` under their standard names, each gzipped or not:
/// train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz),
/// t10k-labels-idx1-ubyte(.gz) -> {train, test}, with the dtypes above. IOError when a file is
/// missing or unreadable, or images and labels disagree (rank, count).
[[nodiscard]] std::pair<Split, Split> load_idx_folder(const std::filesystem::path& dir);

}  // namespace nabla::datasets
