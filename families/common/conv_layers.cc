#include "families/common/conv_layers.h"

#include <cctype>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

// Far beyond any real model; bounds what a hostile string can allocate.
constexpr int64_t kMaxLayers = 1024;

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<ConvLayer>> Expression() {
    std::vector<ConvLayer> layers;
    do {
      ASSIGN_OR_RETURN(std::vector<ConvLayer> term, Term());
      layers.insert(layers.end(), term.begin(), term.end());
      if (static_cast<int64_t>(layers.size()) > kMaxLayers)
        return Err("more than 1024 layers");
    } while (Accept('+'));
    Skip();
    if (pos_ != text_.size()) return Err("unexpected text");
    if (layers.empty()) return Err("no layers");
    return layers;
  }

 private:
  absl::Status Err(absl::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat("conv_feature_layers '",
                                                   text_, "': ", problem,
                                                   " at character ", pos_));
  }
  void Skip() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool Accept(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  absl::Status Expect(char c) {
    if (!Accept(c))
      return Err(absl::StrCat("expected '", std::string(1, c), "'"));
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> Int() {
    Skip();
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      v = v * 10 + (text_[pos_++] - '0');
      if (v > (int64_t{1} << 31)) return Err("integer too large");
    }
    if (pos_ == start) return Err("expected an integer");
    return v;
  }
  bool AtDigit() {
    Skip();
    return pos_ < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[pos_]));
  }
  absl::StatusOr<std::vector<ConvLayer>> Term() {
    int64_t repeat = 1;
    if (AtDigit()) {  // int * [...]
      ASSIGN_OR_RETURN(repeat, Int());
      RETURN_IF_ERROR(Expect('*'));
    }
    ASSIGN_OR_RETURN(std::vector<ConvLayer> list, List());
    while (Accept('*')) {
      ASSIGN_OR_RETURN(int64_t n, Int());
      repeat *= n;
      if (repeat > kMaxLayers) return Err("more than 1024 layers");
    }
    if (repeat > kMaxLayers) return Err("more than 1024 layers");
    std::vector<ConvLayer> out;
    for (int64_t i = 0; i < repeat; ++i)
      out.insert(out.end(), list.begin(), list.end());
    return out;
  }
  absl::StatusOr<std::vector<ConvLayer>> List() {
    RETURN_IF_ERROR(Expect('['));
    std::vector<ConvLayer> list;
    while (!Accept(']')) {
      RETURN_IF_ERROR(Expect('('));
      ConvLayer layer;
      ASSIGN_OR_RETURN(layer.dim, Int());
      RETURN_IF_ERROR(Expect(','));
      ASSIGN_OR_RETURN(layer.kernel, Int());
      RETURN_IF_ERROR(Expect(','));
      ASSIGN_OR_RETURN(layer.stride, Int());
      Accept(',');
      RETURN_IF_ERROR(Expect(')'));
      if (layer.dim <= 0 || layer.kernel <= 0 || layer.stride <= 0) {
        return Err("dims, kernels and strides must be positive");
      }
      list.push_back(layer);
      if (static_cast<int64_t>(list.size()) > kMaxLayers)
        return Err("more than 1024 layers");
      if (!Accept(',')) {
        RETURN_IF_ERROR(Expect(']'));
        break;
      }
    }
    return list;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<ConvLayer>> ParseConvFeatureLayers(
    absl::string_view text) {
  return Parser(text).Expression();
}

int64_t ConvReceptiveField(const std::vector<int64_t>& kernels,
                           const std::vector<int64_t>& strides) {
  return ConvInputSamples(kernels, strides, 1);
}

int64_t ConvOutputFrames(const std::vector<int64_t>& kernels,
                         const std::vector<int64_t>& strides, int64_t samples) {
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (samples < kernels[i]) return 0;
    samples = (samples - kernels[i]) / strides[i] + 1;
  }
  return samples;
}

int64_t ConvInputSamples(const std::vector<int64_t>& kernels,
                         const std::vector<int64_t>& strides, int64_t frames) {
  int64_t n = frames;
  for (size_t i = kernels.size(); i-- > 0;) {
    if (__builtin_mul_overflow(n - 1, strides[i], &n) ||
        __builtin_add_overflow(n, kernels[i], &n)) {
      return std::numeric_limits<int64_t>::max();
    }
  }
  return n;
}

}  // namespace fairport
