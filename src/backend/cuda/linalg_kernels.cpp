// The CUDA backend's linalg kernels (cuSOLVER, cuBLAS and small kernels of nabla's own), one
// family per file; register_linalg_kernels is the family's entry in register_kernels.cpp.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/linalg_common.hpp"

namespace nabla::cuda {

void register_linalg_kernels(KernelTable& table) {
  linalg::register_lu_kernels(table);        // lu_factor, lu_permutation, lu_solve, det, inv, solve
  linalg::register_factor_kernels(table);    // cholesky, qr, solve_triangular
  linalg::register_spectral_kernels(table);  // eigh, svd, lstsq
  linalg::register_eig_kernels(table);       // eig, eigvals (on the host)
}

}  // namespace nabla::cuda
#endif
