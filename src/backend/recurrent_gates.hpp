// The per-unit math of the fused recurrences (ops/recurrent.cpp), written once for the CPU kernels
// (backend/cpu/recurrent_*_kernels.cpp) and the CUDA ones (backend/cuda/recurrent_steps.hpp):
// one unit j of one batch row at one step, forward and backward, from scalars to scalars.
// The workspaces that carry the forward's values to the backward sweep hold exactly the
// quantities these functions return, so both backends agree on what a workspace means.
//
// A .cu file defines NABLA_HOST_DEVICE as __host__ __device__ before including this (and before
// anything that includes vector_math.hpp).
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>

#include "backend/vector_math.hpp"

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::gates {

/// float32 takes vector_math's branch-free forms (the CPU loops vectorise over them); float64
/// the library functions.
template <class T>
NABLA_HOST_DEVICE inline T sigmoid(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return vector_math::sigmoid(x);
  } else {
    return T(1) / (T(1) + std::exp(-x));
  }
}

template <class T>
NABLA_HOST_DEVICE inline T tanh(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return vector_math::tanh(x);
  } else {
    return std::tanh(x);
  }
}

// ---- LSTM (Keras gate order i, f, g = the cell candidate, o) ----

/// The activated gates and the new states of one unit; i, f, g, o and c are what the workspace
/// keeps per step.
template <class T>
struct Lstm {
  T i, f, g, o, c, h;
};

/// z_*: the pre-activations (input projection + recurrent product) of one unit.
template <class T>
NABLA_HOST_DEVICE inline Lstm<T> lstm(T z_i, T z_f, T z_g, T z_o, T c_prev) {
  Lstm<T> u;
  u.i = sigmoid(z_i);
  u.f = sigmoid(z_f);
  u.g = tanh(z_g);
  u.o = sigmoid(z_o);
  u.c = u.f * c_prev + u.i * u.g;
  u.h = u.o * tanh(u.c);
  return u;
}

/// The gradients at the four pre-activations, and the part of the cell-state gradient that
/// reaches c_{t-1}.
template <class T>
struct LstmGradient {
  T i, f, g, o, c_prev;
};

/// From the saved gates, the cell states c_t and c_{t-1}, and the gradients dh, dc reaching h_t
/// and c_t.
template <class T>
NABLA_HOST_DEVICE inline LstmGradient<T> lstm_backward(T i, T f, T g, T o, T c, T c_prev, T dh,
                                                       T dc) {
  const T tc = tanh(c);
  const T d_c = dc + dh * o * (T(1) - tc * tc);
  const T d_o = dh * tc;
  LstmGradient<T> d;
  d.i = d_c * g * i * (T(1) - i);
  d.f = d_c * c_prev * f * (T(1) - f);
  d.g = d_c * i * (T(1) - g * g);
  d.o = d_o * o * (T(1) - o);
  d.c_prev = d_c * f;
  return d;
}

// ---- GRU with the reset gate after the recurrent product (Keras's reset_after, cuDNN's form;
// gate order z, r, h) ----

/// z, r, hh (the candidate) and a_h (the recurrent candidate with its bias, which r scales) are
/// what the workspace keeps per step.
template <class T>
struct Gru {
  T z, r, hh, a_h, h;
};

/// x_*: the input projections; a_*: the recurrent products h_prev @ R without bias; b_*: the
/// recurrent bias. Summed as (x + a) + b.
template <class T>
NABLA_HOST_DEVICE inline Gru<T> gru(T x_z, T x_r, T x_h, T a_z, T a_r, T a_h, T b_z, T b_r, T b_h,
                                    T h_prev) {
  Gru<T> u;
  u.a_h = a_h + b_h;
  u.z = sigmoid(x_z + a_z + b_z);
  u.r = sigmoid(x_r + a_r + b_r);
  u.hh = tanh(x_h + u.r * u.a_h);
  u.h = u.z * h_prev + (T(1) - u.z) * u.hh;
  return u;
}

/// The gradients at the pre-activations of z and r (the same for the input projection and the
/// recurrent product), at tanh's input (the input projection's h part; the recurrent product's
/// is hh * r), and the direct part of the gradient reaching h_{t-1}.
template <class T>
struct GruGradient {
  T z, r, hh, a_h, h_prev;
};

/// From the saved z, r, hh, a_h, the previous state and the gradient dh reaching h_t.
template <class T>
NABLA_HOST_DEVICE inline GruGradient<T> gru_backward(T z, T r, T hh, T a_h, T h_prev, T dh) {
  GruGradient<T> d;
  d.hh = dh * (T(1) - z) * (T(1) - hh * hh);
  d.z = dh * (h_prev - hh) * z * (T(1) - z);
  d.r = d.hh * a_h * r * (T(1) - r);
  d.a_h = d.hh * r;
  d.h_prev = dh * z;
  return d;
}

// ---- Simple RNN ----

/// The activations the fused simple RNN takes (the op's infer rule admits only these).
enum class Activation { Tanh, Relu, Sigmoid, Linear };

/// Host only: the op's "activation" attribute (its infer rule admits only these four).
inline Activation activation_named(std::string_view name) {
  if (name == "relu") return Activation::Relu;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "linear") return Activation::Linear;
  return Activation::Tanh;
}

template <Activation A, class T>
NABLA_HOST_DEVICE inline T activate(T v) {
  if constexpr (A == Activation::Tanh) {
    return tanh(v);
  } else if constexpr (A == Activation::Relu) {
    return v > T(0) ? v : T(0);
  } else if constexpr (A == Activation::Sigmoid) {
    return sigmoid(v);
  } else {
    return v;
  }
}

/// g * activation'(input), from the activation's output y: every one of the four has a
/// derivative that is a function of its output, so the hidden states are the whole workspace.
template <Activation A, class T>
NABLA_HOST_DEVICE inline T activation_backward(T y, T g) {
  if constexpr (A == Activation::Tanh) {
    return g * (T(1) - y * y);
  } else if constexpr (A == Activation::Relu) {
    return y > T(0) ? g : T(0);
  } else if constexpr (A == Activation::Sigmoid) {
    return g * y * (T(1) - y);
  } else {
    return g;
  }
}

/// The same with the activation chosen at run time (uniform over a CUDA launch, so no divergence).
template <class T>
NABLA_HOST_DEVICE inline T activate(Activation a, T v) {
  switch (a) {
    case Activation::Relu:
      return activate<Activation::Relu>(v);
    case Activation::Sigmoid:
      return activate<Activation::Sigmoid>(v);
    case Activation::Linear:
      return activate<Activation::Linear>(v);
    case Activation::Tanh:
      break;
  }
  return activate<Activation::Tanh>(v);
}

template <class T>
NABLA_HOST_DEVICE inline T activation_backward(Activation a, T y, T g) {
  switch (a) {
    case Activation::Relu:
      return activation_backward<Activation::Relu>(y, g);
    case Activation::Sigmoid:
      return activation_backward<Activation::Sigmoid>(y, g);
    case Activation::Linear:
      return activation_backward<Activation::Linear>(y, g);
    case Activation::Tanh:
      break;
  }
  return activation_backward<Activation::Tanh>(y, g);
}

}  // namespace nabla::gates
