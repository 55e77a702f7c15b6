// Model configs in Keras's serialization schema: writing (Keras 3 dialect) and reading (Keras 3,
// tf.keras 2.x and Keras 2.1 dialects). See Note [Config dialects].
#include "nn/saving/keras_model_config.hpp"

#include <charconv>
#include <map>
#include <set>

#include "nabla/graph/symbolic.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/nn/sequential.hpp"
#include "ops/op.hpp"

// Note [Config dialects]
// Keras has written three shapes of model config over the versions the shared test files span.
// Reading normalises each layer's config before handing it to the layer's from_config:
//   - Input shapes: Keras 3 declares inputs with InputLayer{batch_shape}; tf.keras 2.x with
//     InputLayer{batch_input_shape}, or, in a Sequential without InputLayer, a batch_input_shape
//     key on the first layer. Both become nn::Input. An unknown (None) dimension other than the
//     batch becomes 1 for building: weights never depend on it (Keras cannot build a layer whose
//     weights do), and nabla's layers take any length when called.
//   - hard_sigmoid changed meaning in Keras 3 (x/6 + 1/2 instead of 0.2x + 1/2): files written
//     by Keras 2 get "legacy_hard_sigmoid" wherever they name "hard_sigmoid".
//   - Functional inbound nodes: Keras 3 {"args": [...], "kwargs": {...}} with __keras_tensor__
//     objects, tf.keras 2.x [[layer, node, tensor, kwargs], ...]. Both name the producer of each
//     input by (layer, node index, tensor index); node indices count the layer's calls inside
//     this model, in the order of its inbound_nodes list.

namespace nabla::nn::saving {

using json = nlohmann::json;

KerasVersion KerasVersion::parse(std::string_view text) {
  KerasVersion v;
  int major = 0;
  int minor = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, major);
  if (ec != std::errc() || p == end || *p != '.') return v;
  auto [q, ec2] = std::from_chars(p + 1, end, minor);
  if (ec2 != std::errc()) return v;
  v.major = major;
  v.minor = minor;
  return v;
}

namespace {

constexpr const char* kNestedLayerKeys[] = {"layer", "backward_layer", "cell"};

[[noreturn]] void malformed(std::string_view who, const std::string& what) {
  throw IOError(nabla::detail::str_cat(who, ": malformed model config: ", what));
}

const json& member(const json& object, const char* key, std::string_view who) {
  if (!object.is_object())
    malformed(who, "expected an object, got " + object.dump().substr(0, 200));
  const auto it = object.find(key);
  if (it == object.end())
    malformed(who, std::string("no '") + key + "' in " + object.dump().substr(0, 200));
  return *it;
}

std::string string_member(const json& object, const char* key, std::string_view who) {
  const json& value = member(object, key, who);
  if (!value.is_string()) malformed(who, std::string("'") + key + "' must be a string");
  return value.get<std::string>();
}

bool is_model_class(const std::string& class_name) {
  return class_name == "Sequential" || class_name == "Functional" || class_name == "Model";
}

/// A Sequential's layer list: the config itself (Keras 2.1) or its "layers".
const json& sequential_layers(const json& config, std::string_view who) {
  const json& layers = config.is_array() ? config : member(config, "layers", who);
  if (!layers.is_array()) malformed(who, "'layers' must be a list");
  return layers;
}

const json& functional_layers(const json& config, std::string_view who) {
  const json& layers = member(config, "layers", who);
  if (!layers.is_array()) malformed(who, "'layers' must be a list");
  return layers;
}

/// Every layer class the config names that nabla has no factory for.
void collect_unknown(const json& serialized, std::set<std::string>& unknown, std::string_view who,
                     int depth = 0) {
  if (depth > 64) malformed(who, "layers nested more than 64 deep");
  const std::string class_name = string_member(serialized, "class_name", who);
  const json& config = member(serialized, "config", who);
  if (class_name == "Sequential") {
    for (const json& layer : sequential_layers(config, who))
      collect_unknown(layer, unknown, who, depth + 1);
    return;
  }
  if (class_name == "Functional" || class_name == "Model") {
    for (const json& layer : functional_layers(config, who))
      collect_unknown(layer, unknown, who, depth + 1);
    return;
  }
  if (class_name != "InputLayer" && !is_registered_layer(class_name)) unknown.insert(class_name);
  if (!config.is_object()) return;
  for (const char* key : kNestedLayerKeys) {
    const auto nested = config.find(key);
    if (nested != config.end() && nested->is_object() && nested->contains("class_name"))
      collect_unknown(*nested, unknown, who, depth + 1);
  }
}

/// A Keras shape list ([null, 28, 28, 1]) without its batch dimension; None becomes -1,
/// nn::Input's unknown dimension (Note [Config dialects]).
Shape shape_without_batch(const json& batch_shape, std::string_view who) {
  if (!batch_shape.is_array() || batch_shape.empty())
    malformed(who, "an input shape must be a non-empty list, got " + batch_shape.dump());
  std::vector<int64_t> dims;
  for (size_t i = 1; i < batch_shape.size(); ++i) {
    const json& d = batch_shape[i];
    if (d.is_null()) {
      dims.push_back(-1);  // nn::Input's unknown dimension
    } else if (d.is_number_integer() && d.get<int64_t>() >= 0 && d.get<int64_t>() < (1LL << 40)) {
      dims.push_back(d.get<int64_t>());
    } else {
      malformed(who, "bad dimension " + d.dump() + " in input shape " + batch_shape.dump());
    }
  }
  return Shape(std::move(dims));
}

DType input_dtype(const json& config, std::string_view who) {
  const auto it = config.find("dtype");
  if (it == config.end() || it->is_null()) return float32;
  const json& name =
      it->is_object() && it->contains("config") ? it->at("config").value("name", json()) : *it;
  if (!name.is_string()) malformed(who, "bad input dtype " + it->dump());
  const std::string text = name.get<std::string>();
  for (DType t : {float32, float64, int32, int64, uint8, bool_})
    if (dtype_name(t) == text) return t;
  throw ValueError(nabla::detail::str_cat(who, ": unsupported input dtype '", text, "'"));
}

/// The Input an InputLayer config declares.
Tensor input_from_config(const json& config, std::string_view who) {
  const json* shape = nullptr;
  for (const char* key : {"batch_shape", "batch_input_shape"}) {
    if (config.contains(key) && !config.at(key).is_null()) shape = &config.at(key);
  }
  if (shape == nullptr) malformed(who, "an InputLayer without batch_shape: " + config.dump());
  std::string name;
  if (config.contains("name") && config.at("name").is_string()) name = config.at("name");
  return Input(shape_without_batch(*shape, who), input_dtype(config, who), name);
}

/// A layer's config in the dialect its from_config reads (Note [Config dialects]).
void normalize_layer_config(json& serialized, KerasVersion version) {
  json& config = serialized["config"];
  if (!config.is_object()) return;
  for (const char* key : {"batch_input_shape", "batch_shape", "input_shape"}) config.erase(key);
  if (version.major < 3) {
    for (const char* key : {"activation", "recurrent_activation"}) {
      const auto it = config.find(key);
      if (it != config.end() && *it == "hard_sigmoid") *it = "legacy_hard_sigmoid";
    }
  }
  for (const char* key : kNestedLayerKeys) {
    const auto nested = config.find(key);
    if (nested != config.end() && nested->is_object() && nested->contains("config"))
      normalize_layer_config(*nested, version);
  }
}

std::shared_ptr<Layer> layer_from_serialized(const json& serialized, KerasVersion version,
                                             std::string_view who) {
  const std::string class_name = string_member(serialized, "class_name", who);
  if (is_model_class(class_name)) return deserialize_model(serialized, version, who);
  json normalized = serialized;
  normalize_layer_config(normalized, version);
  try {
    return layer_from_config(class_name, normalized.at("config"));
  } catch (const nlohmann::json::exception& e) {
    malformed(who, class_name + ": " + e.what());
  }
}

std::shared_ptr<Model> sequential_from_config(const json& serialized, KerasVersion version,
                                              std::string_view who) {
  const json& config = member(serialized, "config", who);
  const json& layers = sequential_layers(config, who);
  std::string name;
  if (config.is_object() && config.contains("name") && config.at("name").is_string())
    name = config.at("name");
  auto model = std::make_shared<Sequential>(std::vector<LayerRef>{}, name);
  bool have_input = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    const json& layer = layers[i];
    const std::string class_name = string_member(layer, "class_name", who);
    const json& layer_config = member(layer, "config", who);
    if (class_name == "InputLayer") {
      if (i != 0) malformed(who, "an InputLayer that is not the first layer of a Sequential");
      model->add(input_from_config(layer_config, who));
      have_input = true;
      continue;
    }
    if (i == 0 && layer_config.is_object() && layer_config.contains("batch_input_shape")) {
      model->add(Input(shape_without_batch(layer_config.at("batch_input_shape"), who),
                       input_dtype(layer_config, who)));
      have_input = true;
    }
    model->add(LayerRef(layer_from_serialized(layer, version, who)));
  }
  // Keras 3 writes a build_config when the model was built without an InputLayer.
  const auto build = serialized.find("build_config");
  if (!have_input && build != serialized.end() && build->is_object() &&
      build->contains("input_shape") && !build->at("input_shape").is_null() &&
      !model->stack().empty()) {
    Shape shape = shape_without_batch(build->at("input_shape"), who);
    std::vector<int64_t> dims{1};
    dims.insert(dims.end(), shape.begin(), shape.end());
    for (int64_t& d : dims) d = d < 0 ? 1 : d;
    (void)(*model)(graph::input(Shape(std::move(dims))));
  }
  return model;
}

/// One input reference of an inbound node: (layer name, node index, tensor index).
struct TensorRef {
  std::string layer;
  int64_t node = 0;
  int64_t tensor = 0;
};

TensorRef tensor_ref_from_history(const json& history, std::string_view who) {
  if (!history.is_array() || history.size() < 3 || !history[0].is_string() ||
      !history[1].is_number_integer() || !history[2].is_number_integer())
    malformed(who, "bad tensor reference " + history.dump().substr(0, 200));
  return {history[0].get<std::string>(), history[1].get<int64_t>(), history[2].get<int64_t>()};
}

bool is_keras_tensor(const json& arg) {
  return arg.is_object() && arg.value("class_name", "") == "__keras_tensor__";
}

/// A node's inputs and whether they are passed as a list (merge layers) or as one tensor.
struct NodeInputs {
  std::vector<TensorRef> refs;
  bool as_list = false;
};

NodeInputs parse_inbound_node(const json& node, std::string_view who) {
  NodeInputs in;
  if (node.is_object()) {  // Keras 3
    const json& args = member(node, "args", who);
    if (!args.is_array() || args.empty()) malformed(who, "inbound node without args");
    const json& first = args[0];
    if (first.is_array()) {
      in.as_list = true;
      for (const json& t : first) {
        if (!is_keras_tensor(t)) malformed(who, "a list argument that is not tensors");
        in.refs.push_back(
            tensor_ref_from_history(member(t.at("config"), "keras_history", who), who));
      }
    } else if (is_keras_tensor(first)) {
      in.refs.push_back(
          tensor_ref_from_history(member(first.at("config"), "keras_history", who), who));
    } else {
      malformed(who, "the first argument of a layer call is not a tensor: " + first.dump());
    }
    for (size_t i = 1; i < args.size(); ++i) {
      NABLA_CHECK(!is_keras_tensor(args[i]) && !args[i].is_array(), ValueError, who,
                  ": a layer call with several tensor arguments is not supported");
    }
    const auto kwargs = node.find("kwargs");
    if (kwargs != node.end() && kwargs->is_object()) {
      for (const auto& [key, value] : kwargs->items()) {
        NABLA_CHECK(!is_keras_tensor(value) &&
                        !(value.is_array() && !value.empty() && is_keras_tensor(value[0])),
                    ValueError, who, ": a layer call passing the tensor argument '", key,
                    "' is not supported");
      }
    }
    return in;
  }
  if (!node.is_array() || node.empty()) malformed(who, "bad inbound node " + node.dump());
  for (const json& entry : node) in.refs.push_back(tensor_ref_from_history(entry, who));
  in.as_list = in.refs.size() > 1;
  return in;
}

std::vector<TensorRef> endpoint_refs(const json& list, std::string_view who) {
  if (!list.is_array()) malformed(who, "input_layers/output_layers must be lists");
  if (list.size() == 3 && list[0].is_string()) return {tensor_ref_from_history(list, who)};
  std::vector<TensorRef> refs;
  for (const json& entry : list) refs.push_back(tensor_ref_from_history(entry, who));
  return refs;
}

std::shared_ptr<Model> functional_from_config(const json& serialized, KerasVersion version,
                                              std::string_view who) {
  const json& config = member(serialized, "config", who);
  const json& layers = functional_layers(config, who);
  std::map<std::string, std::shared_ptr<Layer>> by_name;
  std::map<std::pair<std::string, int64_t>, std::vector<Tensor>> outputs;
  struct Pending {
    std::string layer;
    int64_t node;
    NodeInputs inputs;
  };
  std::vector<Pending> pending;
  for (const json& layer : layers) {
    const std::string class_name = string_member(layer, "class_name", who);
    const json& layer_config = member(layer, "config", who);
    std::string name = layer.contains("name") && layer.at("name").is_string()
                           ? layer.at("name").get<std::string>()
                           : string_member(layer_config, "name", who);
    if (by_name.contains(name) || outputs.contains({name, 0}))
      malformed(who, "two layers named '" + name + "'");
    if (class_name == "InputLayer") {
      outputs[{name, 0}] = {input_from_config(layer_config, who)};
      continue;
    }
    by_name[name] = layer_from_serialized(layer, version, who);
    const json& nodes = member(layer, "inbound_nodes", who);
    if (!nodes.is_array()) malformed(who, "inbound_nodes must be a list");
    for (size_t i = 0; i < nodes.size(); ++i)
      pending.push_back({name, static_cast<int64_t>(i), parse_inbound_node(nodes[i], who)});
  }
  auto resolve = [&](const TensorRef& ref) -> const Tensor* {
    const auto it = outputs.find({ref.layer, ref.node});
    if (it == outputs.end()) return nullptr;
    if (ref.tensor < 0 || ref.tensor >= static_cast<int64_t>(it->second.size()))
      malformed(who, nabla::detail::str_cat("tensor ", ref.tensor, " of layer '", ref.layer,
                                            "' does not exist"));
    return &it->second[static_cast<size_t>(ref.tensor)];
  };
  // Call each layer once all its inputs exist; the list need not be in topological order.
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      std::vector<Tensor> xs;
      for (const TensorRef& ref : it->inputs.refs) {
        const Tensor* t = resolve(ref);
        if (t == nullptr) break;
        xs.push_back(*t);
      }
      if (xs.size() != it->inputs.refs.size()) {
        ++it;
        continue;
      }
      Layer& layer = *by_name.at(it->layer);
      outputs[{it->layer, it->node}] = layer(xs, false);
      it = pending.erase(it);
      progress = true;
    }
    if (!progress) {
      std::string missing;
      for (const Pending& p : pending) missing += (missing.empty() ? "" : ", ") + p.layer;
      malformed(who, "the inputs of layers " + missing + " are never produced");
    }
  }
  auto collect = [&](const char* key) {
    std::vector<Tensor> tensors;
    for (const TensorRef& ref : endpoint_refs(member(config, key, who), who)) {
      const Tensor* t = resolve(ref);
      if (t == nullptr)
        malformed(who, std::string(key) + " names unknown layer '" + ref.layer + "'");
      tensors.push_back(*t);
    }
    return tensors;
  };
  std::string name;
  if (config.contains("name") && config.at("name").is_string()) name = config.at("name");
  return std::make_shared<Model>(collect("input_layers"), collect("output_layers"), name);
}

// ---- writing ----------------------------------------------------------------------------------

json batch_shape_json(const Shape& shape_with_batch) {
  json dims = json::array({nullptr});
  for (int64_t i = 1; i < shape_with_batch.rank(); ++i) dims.push_back(shape_with_batch[i]);
  return dims;
}

/// An input node's batch_shape: None for the batch and for the dimensions declared unknown.
json input_batch_shape_json(const graph::Node& node, const Shape& shape) {
  if (node.declared_dims.empty()) return batch_shape_json(shape);
  json dims = json::array();
  for (const int64_t d : node.declared_dims) dims.push_back(d < 0 ? json(nullptr) : json(d));
  return dims;
}

json input_layer_json(const json& batch_shape, DType dtype, const std::string& name) {
  return {{"module", "keras.layers"},
          {"class_name", "InputLayer"},
          {"config",
           {{"batch_shape", batch_shape},
            {"dtype", std::string(dtype_name(dtype))},
            {"sparse", false},
            {"name", name}}},
          {"registered_name", nullptr}};
}

json serialize_any_layer(const Layer& layer) {
  if (const auto* model = dynamic_cast<const Model*>(&layer)) return serialize_model(*model);
  return serialize_layer(layer);
}

/// build_config of a built layer: {"input_shape": [null, ...]} (a list of shapes for several).
json build_config(const Layer& layer, const std::vector<Shape>& input_shapes) {
  if (!layer.built() || input_shapes.empty()) return nullptr;
  if (input_shapes.size() == 1) return {{"input_shape", batch_shape_json(input_shapes[0])}};
  json shapes = json::array();
  for (const Shape& s : input_shapes) shapes.push_back(batch_shape_json(s));
  return {{"input_shape", shapes}};
}

json serialize_sequential(const Model& model) {
  json layers = json::array();
  const auto stack = model.layers();
  std::vector<Shape> first_shapes;
  if (const auto inputs = model.inputs(); !inputs.empty()) {
    first_shapes = {inputs[0].shape()};
    const graph::Node& node = *graph::producer(inputs[0]);
    layers.push_back(input_layer_json(input_batch_shape_json(node, inputs[0].shape()),
                                      inputs[0].dtype(), node.name));
  } else if (!stack.empty() && stack.front()->built_input_shapes().size() == 1) {
    first_shapes = stack.front()->built_input_shapes();
    layers.push_back(
        input_layer_json(batch_shape_json(first_shapes[0]), float32, model.name() + "_input"));
  }
  for (const auto& layer : stack) {
    json s = serialize_any_layer(*layer);
    const json b = build_config(*layer, layer->built_input_shapes());
    if (!b.is_null()) s["build_config"] = b;
    layers.push_back(std::move(s));
  }
  json out = {{"module", "keras"},
              {"class_name", "Sequential"},
              {"config",
               {{"name", model.name()},
                {"trainable", model.trainable()},
                {"dtype", std::string(dtype_name(model.dtype()))},
                {"layers", std::move(layers)}}},
              {"registered_name", nullptr}};
  if (first_shapes.size() == 1)
    out["build_config"] = {{"input_shape", batch_shape_json(first_shapes[0])}};
  return out;
}

json tensor_json(const Tensor& t, const std::string& layer, int64_t node, int64_t index) {
  return {{"class_name", "__keras_tensor__"},
          {"config",
           {{"shape", batch_shape_json(t.shape())},
            {"dtype", std::string(dtype_name(t.dtype()))},
            {"keras_history", {layer, node, index}}}}};
}

json serialize_functional(const Model& model) {
  const graph::Executor& g = *model.graph();
  // Each node's (layer name, node index within this model).
  std::map<const graph::Node*, std::pair<std::string, int64_t>> node_ids;
  std::vector<std::pair<std::shared_ptr<Layer>, size_t>> layer_entries;  // layer, its entry
  std::vector<json> entries;
  for (const auto& node : g.order()) {
    if (node->kind == graph::Node::Kind::Input) {
      node_ids[node.get()] = {node->name, 0};
      entries.push_back(
          input_layer_json(input_batch_shape_json(*node, node->output_specs.at(0).first),
                           node->output_specs.at(0).second, node->name));
      entries.back()["name"] = node->name;
      entries.back()["inbound_nodes"] = json::array();
      continue;
    }
    NABLA_CHECK(node->kind == graph::Node::Kind::Call, ValueError, model.name(),
                ": the functional model applies the op '",
                (node->op != nullptr ? std::string(node->op->name) : std::string("?")),
                "' outside any layer; a Keras config cannot describe it (wrap it in a layer, "
                "e.g. nn::Lambda, or save the weights only)");
    auto layer = std::static_pointer_cast<Layer>(node->owner);
    size_t entry_index = entries.size();
    for (const auto& [seen, index] : layer_entries)
      if (seen->is_same_layer(*layer)) entry_index = index;
    if (entry_index == entries.size()) {
      layer_entries.emplace_back(layer, entry_index);
      json s = serialize_any_layer(*layer);
      const json b = build_config(*layer, layer->built_input_shapes());
      if (!b.is_null()) s["build_config"] = b;
      s["name"] = layer->name();
      s["inbound_nodes"] = json::array();
      entries.push_back(std::move(s));
    }
    json& entry = entries[entry_index];
    const int64_t node_index = static_cast<int64_t>(entry["inbound_nodes"].size());
    node_ids[node.get()] = {layer->name(), node_index};
    json args = json::array();
    auto ref = [&](const Tensor& t) {
      const auto& producer = graph::producer(t);
      const auto& id = node_ids.at(producer.get());
      return tensor_json(t, id.first, id.second,
                         static_cast<int64_t>(t.impl().symbolic->output_index));
    };
    if (layer->multiple_inputs() || node->inputs.size() > 1) {
      json list = json::array();
      for (const Tensor& t : node->inputs) list.push_back(ref(t));
      args.push_back(std::move(list));
    } else {
      args.push_back(ref(node->inputs.at(0)));
    }
    entry["inbound_nodes"].push_back({{"args", std::move(args)}, {"kwargs", json::object()}});
  }
  auto endpoints = [&](const std::vector<Tensor>& tensors) {
    json list = json::array();
    for (const Tensor& t : tensors) {
      const auto& id = node_ids.at(graph::producer(t).get());
      list.push_back({id.first, id.second, static_cast<int64_t>(t.impl().symbolic->output_index)});
    }
    return list;
  };
  return {{"module", "keras.src.models.functional"},
          {"class_name", "Functional"},
          {"config",
           {{"name", model.name()},
            {"trainable", model.trainable()},
            {"layers", entries},
            {"input_layers", endpoints(g.inputs())},
            {"output_layers", endpoints(g.outputs())}}},
          {"registered_name", "Functional"},
          {"build_config", {{"input_shape", nullptr}}}};
}

}  // namespace

json serialize_model(const Model& model) {
  if (model.is_sequential()) return serialize_sequential(model);
  if (model.is_functional()) return serialize_functional(model);
  json s = serialize_layer(model);
  const json b = build_config(model, model.built_input_shapes());
  if (!b.is_null()) s["build_config"] = b;
  return s;
}

namespace {

std::shared_ptr<Model> deserialize(const json& serialized, KerasVersion version,
                                   std::string_view who) {
  std::set<std::string> unknown;
  collect_unknown(serialized, unknown, who);
  if (!unknown.empty()) {
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
    throw ValueError(
        nabla::detail::str_cat(who, ": the model uses layer classes nabla does not have: ", names,
                               " (register custom classes with nn::register_layer)"));
  }
  const std::string class_name = string_member(serialized, "class_name", who);
  if (class_name == "Sequential") return sequential_from_config(serialized, version, who);
  if (class_name == "Functional" || class_name == "Model")
    return functional_from_config(serialized, version, who);
  // A registered Model subclass: built from its build_config so its weights exist.
  std::shared_ptr<Layer> layer = layer_from_serialized(serialized, version, who);
  auto model = std::dynamic_pointer_cast<Model>(layer);
  NABLA_CHECK(model != nullptr, ValueError, who, ": the file holds a '", class_name,
              "', which is a layer, not a model");
  const auto build = serialized.find("build_config");
  if (!model->built() && build != serialized.end() && build->is_object() &&
      build->contains("input_shape") && build->at("input_shape").is_array()) {
    Shape shape = shape_without_batch(build->at("input_shape"), who);
    std::vector<int64_t> dims{1};
    dims.insert(dims.end(), shape.begin(), shape.end());
    (void)(*model)(graph::input(Shape(std::move(dims))));
  }
  return model;
}

}  // namespace

std::shared_ptr<Model> deserialize_model(const json& serialized, KerasVersion version,
                                         std::string_view who) {
  // The readers above check the members they depend on; a json::exception from one they do not
  // (an at() on a missing key, value() on a non-object) still means a malformed config.
  try {
    return deserialize(serialized, version, who);
  } catch (const nlohmann::json::exception& e) {
    malformed(who, e.what());
  }
}

}  // namespace nabla::nn::saving
