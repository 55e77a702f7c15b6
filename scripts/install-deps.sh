#!/usr/bin/env bash
# Installs the Debian packages nabla needs, and nothing when all are present (idempotent).
# Called by `make demo`, `make test`, `make sanitize` and `make bench`.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config   # toolchain (CMake >= 3.24 via Debian 12's 3.25)
  libopenblas-openmp-dev                  # BLAS; OpenMP build shares one thread pool with nabla
  libdnnl-dev                             # oneDNN: float32 convolution kernels (faster than im2col + BLAS)
  ocl-icd-opencl-dev                      # Debian's dnnl-config.cmake requires OpenCL (a Recommends of libdnnl-dev)
  liblapacke-dev                          # LAPACK(E) for nabla::linalg (OpenBLAS's LAPACK)
  zlib1g-dev                              # gzip'd IDX files, deflated .npz members
  libcurl4-openssl-dev                    # dataset downloads (keras.datasets' get_file)
  libhdf5-dev                             # HDF5 files: Keras .h5 and .weights.h5 (writing; nabla's own reader parses them)
  nlohmann-json3-dev                      # JSON (configs, later issues)
  libgtest-dev libgmock-dev               # the test suite
  libbenchmark-dev                        # bench/
  python3-numpy                           # golden files and NumPy interop tests (/usr/bin/python3)
  python3-h5py                            # tests: files nabla writes must read in h5py
  graphviz                                # `dot`: Graph::save_svg and plot_model render graphs
  clang-format                            # make format / format-check
  clang-14 libclang-rt-14-dev             # make fuzz / fuzz-smoke: libFuzzer, ASan, UBSan (fuzz/)
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
