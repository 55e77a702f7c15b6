// Weights in Keras 3's HDF5 layout and in the legacy one (keras_weights.hpp).
#include "nn/saving/keras_weights.hpp"

#include <bit>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <regex>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/nn/sequential.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/util/random_state.hpp"
#include "nn/saving/keras_model_config.hpp"
#include "ops/copy_into.hpp"

namespace nabla::nn::saving {

using json = nlohmann::json;

namespace {
constexpr const char* kNablaGroup = "nabla";
constexpr const char* kRandomState = "random_state";  // [seed, counter] of nabla::random
}  // namespace

std::string keras_snake_case(std::string_view class_name) {
  std::string name;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') name += c;
  static const std::regex word("(.)([A-Z][a-z]+)");
  static const std::regex case_change("([a-z])([A-Z])");
  name = std::regex_replace(name, word, "$1_$2");
  name = std::regex_replace(name, case_change, "$1_$2");
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

namespace {

/// A layer's child in the Keras 3 layout: the group path below the parent ("layers/dense_1",
/// "cell"), the layer (null for an InputLayer, which has no nabla layer) and its serialized
/// config when known.
struct Child {
  std::vector<std::string> path;
  const Layer* layer = nullptr;
  const json* serialized = nullptr;
};

const json* model_layer_list(const json* serialized) {
  if (serialized == nullptr || !serialized->is_object()) return nullptr;
  const auto config = serialized->find("config");
  if (config == serialized->end()) return nullptr;
  if (config->is_array()) return &*config;
  const auto layers = config->find("layers");
  return layers != config->end() && layers->is_array() ? &*layers : nullptr;
}

std::string entry_name(const json& entry) {
  if (entry.contains("name") && entry.at("name").is_string()) return entry.at("name");
  const json& config = entry.value("config", json::object());
  return config.is_object() ? config.value("name", std::string()) : std::string();
}

const Layer* find_sublayer(const Layer& parent, const std::string& name) {
  for (const auto& layer : parent.layers())
    if (layer->name() == name) return layer.get();
  return nullptr;
}

std::vector<Child> keras3_children(const Layer& layer, const json* serialized) {
  std::vector<Child> children;
  const std::string class_name = layer.class_name();
  if (const json* list = model_layer_list(serialized);
      list != nullptr && (class_name == "Sequential" || class_name == "Functional")) {
    std::map<std::string, int> used;
    for (const json& entry : *list) {
      const std::string entry_class = entry.value("class_name", std::string());
      if (entry_class == "InputLayer" && class_name == "Sequential") continue;
      const Layer* child = nullptr;
      if (entry_class != "InputLayer") {
        child = find_sublayer(layer, entry_name(entry));
        NABLA_CHECK(child != nullptr, InternalError, "weights: the model ", layer.name(),
                    " has no layer named '", entry_name(entry), "' from its config");
      }
      std::string key = keras_snake_case(entry_class);
      const int count = used[key]++;
      if (count > 0) key += "_" + std::to_string(count);
      children.push_back({{"layers", key}, child, &entry});
    }
    return children;
  }
  const auto subs = layer.layers();
  if (subs.empty()) return children;
  if (class_name == "Bidirectional" && subs.size() == 2) {
    children.push_back({{"forward_layer"}, subs[0].get(), nullptr});
    children.push_back({{"backward_layer"}, subs[1].get(), nullptr});
  } else if (subs.size() == 1 && (class_name == "SimpleRNN" || class_name == "LSTM" ||
                                  class_name == "GRU" || class_name == "RNN")) {
    children.push_back({{"cell"}, subs[0].get(), nullptr});
  } else if (subs.size() == 1 && class_name == "TimeDistributed") {
    children.push_back({{"layer"}, subs[0].get(), nullptr});
  } else {
    // Keras keys these by Python attribute name, which C++ cannot know; the class-based keys of
    // a container, in tracking order, are stable across instances of one C++ class.
    std::map<std::string, int> used;
    for (const auto& sub : subs) {
      std::string key = keras_snake_case(sub->class_name());
      const int count = used[key]++;
      if (count > 0) key += "_" + std::to_string(count);
      children.push_back({{key}, sub.get(), nullptr});
    }
  }
  return children;
}

/// The serialized config of a nested model that came without one.
const json* nested_config(const Child& child, std::vector<std::unique_ptr<json>>& keep) {
  if (child.serialized != nullptr || child.layer == nullptr) return child.serialized;
  const auto* model = dynamic_cast<const Model*>(child.layer);
  if (model == nullptr) return nullptr;
  keep.push_back(std::make_unique<json>(serialize_model(*model)));
  return keep.back().get();
}

std::string layer_label(const Layer* layer) {
  return layer == nullptr ? std::string("InputLayer")
                          : "'" + layer->name() + "' (" + layer->class_name() + ")";
}

void save_keras3(const Layer* layer, const json* serialized, io::h5::GroupWriter group,
                 const std::string& vars_name, std::vector<std::unique_ptr<json>>& keep) {
  io::h5::GroupWriter vars = group.create_group("vars");
  vars.set_attribute("name", vars_name);
  if (layer == nullptr) return;
  const std::vector<Tensor> own = layer->own_weights();
  for (size_t i = 0; i < own.size(); ++i) vars.write_dataset(std::to_string(i), own[i]);
  std::map<std::string, io::h5::GroupWriter> containers;
  for (const Child& child : keras3_children(*layer, serialized)) {
    io::h5::GroupWriter parent = group;
    for (size_t i = 0; i + 1 < child.path.size(); ++i) {
      auto it = containers.find(child.path[i]);
      if (it == containers.end())
        it = containers.emplace(child.path[i], parent.create_group(child.path[i])).first;
      parent = it->second;
    }
    const std::string name = child.layer != nullptr ? child.layer->name() : child.path.back();
    save_keras3(child.layer, nested_config(child, keep), parent.create_group(child.path.back()),
                name, keep);
  }
}

struct Assignment {
  Tensor weight;
  Tensor value;
};

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

void load_keras3(const Layer* layer, const json* serialized, const io::h5::Group& group,
                 std::string_view who, std::vector<Assignment>& out,
                 std::vector<std::unique_ptr<json>>& keep) {
  if (layer == nullptr) return;
  const std::vector<Tensor> own = layer->own_weights();
  const bool has_vars = group.has_group("vars");
  const std::vector<std::string> stored =
      has_vars ? group.group("vars").datasets() : std::vector<std::string>{};
  NABLA_CHECK(stored.size() == own.size(), ValueError, who, ": layer ", layer_label(layer), " has ",
              own.size(), " variables, the file has ", stored.size(), " at ", group.path(),
              "/vars");
  for (size_t i = 0; i < own.size(); ++i) {
    const io::h5::Dataset ds = group.group("vars").dataset(std::to_string(i));
    NABLA_CHECK(ds.shape() == own[i].shape(), ValueError, who, ": layer ", layer_label(layer),
                " variable ", i, " has shape ", own[i].shape(), ", the file's (", ds.path(),
                ") has shape ", ds.shape());
    NABLA_CHECK(is_floating(ds.dtype()) || ds.dtype() == own[i].dtype(), ValueError, who,
                ": layer ", layer_label(layer), " variable ", i, " is ", dtype_name(own[i].dtype()),
                ", the file's is ", dtype_name(ds.dtype()));
    out.push_back({own[i], ds.read()});
  }
  for (const Child& child : keras3_children(*layer, serialized)) {
    const std::string path = joined(child.path);
    if (!group.has_group(path)) {
      NABLA_CHECK(child.layer == nullptr || child.layer->weights().empty(), IOError, who,
                  ": the file has no weights for layer ", layer_label(child.layer),
                  " (expected at ", group.path() == "/" ? "" : group.path(), "/", path, ")");
      continue;
    }
    load_keras3(child.layer, nested_config(child, keep), group.group(path), who, out, keep);
  }
}

void assign_all(const std::vector<Assignment>& assignments) {
  NoGradGuard no_grad;
  for (const Assignment& a : assignments) {
    nabla::detail::copy_into(a.weight, a.value);
    a.weight.storage()->bump_version();
  }
}

// ---- legacy ------------------------------------------------------------------------------------

/// A string-list attribute that Keras may have split into name0, name1, ... (attributes over
/// 64 KiB do not fit an HDF5 object header).
std::vector<std::string> string_list_attribute(const io::h5::Group& g, const std::string& name,
                                               std::string_view who) {
  std::vector<std::string> out;
  auto append = [&](const io::h5::Attribute& a) {
    if (!a.is_string) {
      NABLA_CHECK(a.numbers.numel() == 0, IOError, who, ": attribute ", g.path(), "@", name,
                  " must hold strings");
      return;
    }
    out.insert(out.end(), a.strings.begin(), a.strings.end());
  };
  if (g.has_attribute(name)) {
    append(g.attribute(name));
    return out;
  }
  for (int chunk = 0; g.has_attribute(name + std::to_string(chunk)); ++chunk)
    append(g.attribute(name + std::to_string(chunk)));
  return out;
}

/// Splits `values` over name, or name0, name1, ... when one attribute would exceed the 64 KiB
/// object-header limit (Keras's save_attributes_to_hdf5_group).
void set_string_list_attribute(io::h5::GroupWriter g, const std::string& name,
                               const std::vector<std::string>& values) {
  size_t longest = 1;
  for (const auto& v : values) longest = std::max(longest, v.size());
  constexpr size_t kLimit = 64000;
  const size_t per_chunk = std::max<size_t>(1, kLimit / longest);
  if (values.size() <= per_chunk) {
    g.set_attribute(name, values);
    return;
  }
  for (size_t begin = 0, chunk = 0; begin < values.size(); begin += per_chunk, ++chunk) {
    const size_t end = std::min(values.size(), begin + per_chunk);
    g.set_attribute(name + std::to_string(chunk),
                    std::vector<std::string>(values.begin() + static_cast<std::ptrdiff_t>(begin),
                                             values.begin() + static_cast<std::ptrdiff_t>(end)));
  }
}

}  // namespace

void save_weights_keras3(const Model& model, const json& serialized, io::h5::GroupWriter root) {
  std::vector<std::unique_ptr<json>> keep;
  save_keras3(&model, &serialized, root, model.name(), keep);
  if (const auto optimizer = model.optimizer()) {
    io::h5::GroupWriter vars = root.create_group("optimizer").create_group("vars");
    vars.set_attribute("name", keras_snake_case(optimizer->name()));
    const std::vector<Tensor> values = optimizer->variables(model.trainable_weights());
    for (size_t i = 0; i < values.size(); ++i) vars.write_dataset(std::to_string(i), values[i]);
  }
  // nabla's own: the random generator's state, so that training resumed from this file draws
  // the numbers it would have drawn (Keras ignores groups it does not know).
  const random::GeneratorState state = random::get_state();
  root.create_group(kNablaGroup)
      .write_dataset(kRandomState,
                     from_vector(std::vector<int64_t>{std::bit_cast<int64_t>(state.seed),
                                                      std::bit_cast<int64_t>(state.counter)}));
}

void load_weights_keras3(const Model& model, const json& serialized, const io::h5::Group& root,
                         std::string_view who) {
  std::vector<Assignment> assignments;
  std::vector<std::unique_ptr<json>> keep;
  load_keras3(&model, &serialized, root, who, assignments, keep);
  // The optimizer's state, when the model has an optimizer and the file one of the same kind.
  std::vector<Tensor> optimizer_values;
  const auto optimizer = model.optimizer();
  if (optimizer != nullptr && root.has_group("optimizer/vars")) {
    const io::h5::Group vars = root.group("optimizer/vars");
    const size_t count = vars.datasets().size();
    for (size_t i = 0; i < count; ++i)
      optimizer_values.push_back(vars.dataset(std::to_string(i)).read());
  }
  std::optional<random::GeneratorState> random_state;
  const std::string rng_path = std::string(kNablaGroup) + "/" + kRandomState;
  if (root.has_dataset(rng_path)) {
    const Tensor state = root.dataset(rng_path).read();
    NABLA_CHECK(state.dtype() == int64 && state.shape() == Shape{2}, IOError, who, ": ", rng_path,
                " must hold two int64 values, got ", dtype_name(state.dtype()), " ", state.shape());
    const auto values = state.to_vector<int64_t>();
    random_state = random::GeneratorState{std::bit_cast<uint64_t>(values[0]),
                                          std::bit_cast<uint64_t>(values[1])};
  }
  assign_all(assignments);
  if (!optimizer_values.empty()) {
    try {
      optimizer->load_variables(optimizer_values, model.trainable_weights());
    } catch (const ValueError& e) {
      // Keras skips an optimizer state that does not fit (another optimizer) with a warning.
      std::cerr << who << ": warning: the optimizer state was not loaded: " << e.what() << "\n";
    }
  }
  if (random_state) random::set_state(*random_state);
}

void save_weights_legacy(const Model& model, io::h5::GroupWriter group) {
  std::vector<std::string> layer_names;
  for (const auto& layer : model.layers()) layer_names.push_back(layer->name());
  set_string_list_attribute(group, "layer_names", layer_names);
  group.set_attribute("backend", "tensorflow");
  group.set_attribute("keras_version", kWrittenKerasVersion);
  for (const auto& layer : model.layers()) {
    io::h5::GroupWriter g = group.create_group(layer->name());
    // Each weight at <layer>/<sub-layer>/.../<weight name>, as Keras writes variable paths.
    struct Entry {
      std::vector<std::string> parts;
      Tensor value;
    };
    std::vector<Entry> entries;
    std::function<void(const Layer&, std::vector<std::string>)> visit =
        [&](const Layer& l, std::vector<std::string> prefix) {
          const auto own = l.own_weights();
          const auto names = l.own_weight_names();
          for (size_t i = 0; i < own.size(); ++i) {
            auto parts = prefix;
            parts.push_back(names[i]);
            entries.push_back({parts, own[i]});
          }
          for (const auto& sub : l.layers()) {
            auto p = prefix;
            p.push_back(sub->name());
            visit(*sub, p);
          }
        };
    visit(*layer, {layer->name()});
    std::vector<std::string> weight_names;
    for (const Tensor& w : layer->weights()) {
      for (const Entry& e : entries) {
        if (e.value.is_same(w)) weight_names.push_back(joined(e.parts));
      }
    }
    set_string_list_attribute(g, "weight_names", weight_names);
    std::map<std::string, io::h5::GroupWriter> groups;
    for (const Entry& e : entries) {
      io::h5::GroupWriter parent = g;
      std::string path;
      for (size_t i = 0; i + 1 < e.parts.size(); ++i) {
        path += "/" + e.parts[i];
        auto it = groups.find(path);
        if (it == groups.end()) it = groups.emplace(path, parent.create_group(e.parts[i])).first;
        parent = it->second;
      }
      parent.write_dataset(e.parts.back(), e.value);
    }
  }
}

void load_weights_legacy(const Model& model, const io::h5::Group& group, std::string_view who) {
  struct FileLayer {
    std::string name;
    std::vector<std::string> weight_names;
  };
  std::vector<FileLayer> file_layers;
  for (const std::string& name : string_list_attribute(group, "layer_names", who)) {
    NABLA_CHECK(group.has_group(name), IOError, who, ": layer_names lists '", name,
                "', which has no group in ", group.path());
    auto names = string_list_attribute(group.group(name), "weight_names", who);
    if (!names.empty()) file_layers.push_back({name, std::move(names)});
  }
  std::vector<const Layer*> model_layers;
  for (const auto& layer : model.layers())
    if (!layer->weights().empty()) model_layers.push_back(layer.get());
  bool by_name = true;
  for (const FileLayer& f : file_layers) by_name = by_name && find_sublayer(model, f.name);
  NABLA_CHECK(by_name || file_layers.size() == model_layers.size(), ValueError, who,
              ": the file has weights for ", file_layers.size(), " layers, the model has ",
              model_layers.size(), " layers with weights");
  std::vector<Assignment> assignments;
  for (size_t k = 0; k < file_layers.size(); ++k) {
    const FileLayer& f = file_layers[k];
    const Layer& layer = by_name ? *find_sublayer(model, f.name) : *model_layers[k];
    const std::vector<Tensor> ws = layer.weights();
    NABLA_CHECK(ws.size() == f.weight_names.size(), ValueError, who, ": layer ",
                layer_label(&layer), " has ", ws.size(), " weights, the file's layer '", f.name,
                "' has ", f.weight_names.size());
    const io::h5::Group g = group.group(f.name);
    for (size_t i = 0; i < ws.size(); ++i) {
      const io::h5::Dataset ds = g.dataset(f.weight_names[i]);
      NABLA_CHECK(ds.shape() == ws[i].shape(), ValueError, who, ": layer ", layer_label(&layer),
                  " weight ", i, " has shape ", ws[i].shape(), ", the file's (", ds.path(),
                  ") has shape ", ds.shape());
      assignments.push_back({ws[i], ds.read()});
    }
  }
  assign_all(assignments);
}

}  // namespace nabla::nn::saving
