// Quantized weights — a model's weights in a storage format (weight_format.hpp), tensor by
// tensor: which tensors the format quantizes, which it keeps in floats, and the bytes of every
// scale, zero point and index it adds. Exact for the formats' own layouts (their sources beside
// each rule in quantized_weights.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/weight_format.hpp"

namespace tsize {

struct WeightBytes {
  Count total = 0;      // every stored tensor, with scales, zeros, indices and padding
  Count quantized = 0;  // the quantized tensors' bytes (their scales and zeros included)
  Count kept = 0;       // tensors the format keeps in floats (embeddings, head, norms, routers)
  Count quantized_params = 0;  // elements of the quantized tensors
  Count kept_params = 0;
  // GGUF: bytes by block type, in kGgufTypes order (tensor data, each padded to 32 bytes).
  std::array<Count, kGgufTypes.size()> gguf_bytes{};

  // Bits per weight over every parameter.
  double bits_per_weight() const;
};

// One op's stored weights in a format: one layer's instance, or every instance of a block
// outside the layer stack (layer −1). Biases and norms count as kept.
struct OpWeights {
  const Op* op = nullptr;
  std::int64_t layer = -1;
  Count quantized_params = 0, quantized_bytes = 0;
  Count kept_params = 0, kept_bytes = 0;

  Count bytes() const { return add(quantized_bytes, kept_bytes); }
};

// Visits every op with weights: the blocks outside the layer stack, then the layers in order.
// Throws Error as weight_bytes.
void for_each_weight(const Graph& graph, const WeightFormat& format,
                     const std::function<void(const OpWeights&)>& visit);

// Throws Error when the model cannot take the format, naming the tensor and the numbers: a GPTQ
// or AWQ group size that does not divide a Linear's input features, output features the packing
// does not divide, a GGUF row that no block type of the file type (or llama.cpp's fallback) fits.
WeightBytes weight_bytes(const Graph& graph, const WeightFormat& format);

}  // namespace tsize
