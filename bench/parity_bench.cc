// bazel run //bench:parity -- reference and parity forward passes of a
// base-size fine-tuned model (12 layers, width 768; --family, default the
// first registered) on a batch of 4 utterances of 5, 4, 3 and 2 seconds,
// with 1 and 2 threads: wall time per forward pass (median of --repeats,
// after one untimed), GFLOP/s on the valid (unpadded) frames' matrix
// products and convolutions, and that against the LibTorch matmul peak
// measured in the same run just before each timed pass (the fastest of 3
// square 2048 products; the median of the per-pass ratios is reported,
// so that the machine's drifting speed cancels), what one encoder layer's
// matrix products alone reach on the batch's valid frames (the model's own
// shapes, fastest of 10), and peak RSS. Prints a Markdown table and writes
// JSON; --trace=FILE also records where one more, untimed 1-thread pass
// spends its time (with 2 threads each thread runs its own utterances the
// same way, on threads the profiler does not follow).
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "ATen/core/Tensor.h"
#include "ATen/ops/from_blob.h"
#include "ATen/ops/linear.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/randn.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "base/cli.h"
#include "base/files.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "base/user_path.h"
#include "converter/conversion.h"
#include "datasets/audio.h"
#include "datasets/synthetic.h"
#include "fairseq/checkpoint.h"
#include "families/forward_family.h"
#include "families/registry.h"
#include "nlohmann/json.hpp"
#include "ops/openmp.h"
#include "ops/threads.h"
#include "torch/csrc/autograd/profiler_legacy.h"

ABSL_FLAG(std::string, json, "", "also write the results here (JSON)");
ABSL_FLAG(std::string, family, "",
          "model family to measure (default: the first registered)");
ABSL_FLAG(
    std::string, trace, "",
    "also write a Chrome trace (chrome://tracing, Perfetto) of each "
    "pass's untimed extra run with 1 thread, to <trace>.reference.json and "
    "<trace>.parity.json: LibTorch's time per operator");
ABSL_FLAG(int, repeats, 5,
          "forward passes timed per setting (the median is reported)");

namespace fairport {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// A ceiling is the best of its runs: a slow run is the machine (other
// tenants, frequency), not the ceiling.
double Fastest(const std::vector<double>& runs) {
  return *std::min_element(runs.begin(), runs.end());
}

// The fastest of `repeats` square 2048 products.
double MatmulPeakGflops(int repeats) {
  const int64_t n = 2048;
  at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::matmul(a, b);  // warm up
  std::vector<double> runs;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = Clock::now();
    at::Tensor c = at::matmul(a, b);
    runs.push_back(Seconds(t0, Clock::now()));
  }
  return 2.0 * n * n * n / Fastest(runs) / 1e9;
}

// One encoder layer's matrix products alone, on `frames` packed valid
// frames of width 768 with a 3072-wide feed-forward (q, k, v and output
// projections, both feed-forward products, each with its bias): what the
// BLAS reaches on the model's own shapes, a ceiling for the forward pass.
double LayerMatmulGflops(int64_t frames) {
  const int64_t c = 768, f = 3072;
  const at::Tensor x = at::randn({frames, c});
  const at::Tensor h = at::randn({frames, f});
  const at::Tensor square = at::randn({c, c}), up = at::randn({f, c}),
                   down = at::randn({c, f});
  const at::Tensor bias_c = at::randn({c}), bias_f = at::randn({f});
  auto layer = [&] {
    for (int i = 0; i < 4; ++i) at::linear(x, square, bias_c);
    at::linear(x, up, bias_f);
    at::linear(h, down, bias_c);
  };
  layer();  // warm up
  std::vector<double> runs;
  for (int i = 0; i < 10; ++i) {
    auto t0 = Clock::now();
    layer();
    runs.push_back(Seconds(t0, Clock::now()));
  }
  const double flops = 2.0 * frames * (4 * c * c + 2 * c * f);
  return flops / Fastest(runs) / 1e9;
}

std::string BlasLibrary() {
  char target[PATH_MAX] = {};
  ssize_t n = ::readlink("/etc/alternatives/libblas.so.3-x86_64-linux-gnu",
                         target, sizeof(target) - 1);
  return n > 0 ? std::string(target, n) : "unknown";
}

absl::Status Run() {
  std::string dir = "/tmp/fairport-parity-bench-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr)
    return absl::InternalError("cannot create a temporary directory");
  std::string family_name = absl::GetFlag(FLAGS_family);
  if (family_name.empty()) family_name = FamilyNames().front();
  const ModelFamily* family = FamilyByName(family_name);
  if (family == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--family=", family_name, ": no such family"));
  }
  SyntheticOptions spec;
  spec.size = "base";
  spec.ctc = true;
  const std::string checkpoint_path = dir + "/checkpoint.pt";
  RETURN_IF_ERROR(family->WriteSyntheticCheckpoint(spec, checkpoint_path));
  std::ofstream(dir + "/dict.ltr.txt") << family->SyntheticDictionary();
  ConversionOptions options;
  options.checkpoint_path = checkpoint_path;
  options.dict_path = dir + "/dict.ltr.txt";
  options.output_dir = dir + "/hf";
  options.overwrite = true;
  RETURN_IF_ERROR(Convert(options).status());
  ASSIGN_OR_RETURN(FairseqCheckpoint checkpoint,
                   FairseqCheckpoint::Load(checkpoint_path));
  ASSIGN_OR_RETURN(LoadedModel original, LoadFairseqModel(checkpoint));
  ASSIGN_OR_RETURN(LoadedModel converted, LoadHfModel(options.output_dir));
  RemoveTree(dir);

  // 5, 4, 3 and 2 seconds cut from the synthetic noise and chirp.
  std::vector<std::vector<float>> utterances;
  std::vector<int64_t> samples;
  auto synthetic = SyntheticUtterances();
  for (int seconds : {5, 4, 3, 2}) {
    std::vector<float> u(seconds * kSampleRate);
    const auto& source = synthetic[seconds % 2].second;
    for (size_t i = 0; i < u.size(); ++i) u[i] = source[i % source.size()];
    utterances.push_back(u);
    samples.push_back(static_cast<int64_t>(u.size()));
  }
  AudioBatch batch = MakeBatch(utterances, true);
  at::Tensor values =
      at::from_blob(batch.values.data(), {batch.batch, batch.max_length})
          .clone();
  at::Tensor mask = at::from_blob(batch.attention_mask.data(),
                                  {batch.batch, batch.max_length}, at::kLong)
                        .clone();
  const double flops = converted.pass->ValidFrameFlops(samples);
  const ForwardPass& fairseq = *original.pass;
  const ForwardPass& hf = *converted.pass;
  int64_t valid_frames = 0;
  for (int64_t n : samples) valid_frames += hf.FramesForSamples(n);
  nlohmann::json results = nlohmann::json::array();
  const std::string trace_path = ResolveUserPath(absl::GetFlag(FLAGS_trace));
  const std::string blas_threading =
      ops::BlasThreadingName(ops::LoadedBlasThreading());
  std::printf("BLAS: libblas.so.3 -> %s (%s)\n", BlasLibrary().c_str(),
              blas_threading.c_str());
  std::printf(
      "model: %s base fine-tuned (12 layers, width 768, FFN 3072), batch 4 x "
      "(5, 4, 3, 2) s, %.1f GFLOP on valid frames\n\n",
      family_name.c_str(), flops / 1e9);
  std::printf(
      "| threads | pass | seconds per forward | GFLOP/s (valid frames) | "
      "matmul peak GFLOP/s | of peak | layer matmuls GFLOP/s | of peak |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int threads : {1, 2}) {
    ops::SetComputeThreads(threads);
    const double layer = LayerMatmulGflops(valid_frames);
    for (const char* pass : {"reference (fairseq)", "parity (HF)"}) {
      const bool reference = pass[0] == 'r';
      auto forward = [&] {
        if (reference) {
          fairseq.Forward(values, mask, /*with_stages=*/false);
        } else {
          hf.Forward(values, mask, /*with_stages=*/false);
        }
      };
      // Untimed: oneDNN builds its convolution primitives, the allocator
      // and the page tables fill, as in the first batch of a dataset.
      forward();
      // The machine's speed drifts (other tenants, clock): each timed pass
      // is held against a peak measured just before it, and the median of
      // those ratios is reported.
      std::vector<double> runs, peaks, ratios;
      for (int i = 0; i < absl::GetFlag(FLAGS_repeats); ++i) {
        peaks.push_back(MatmulPeakGflops(3));
        auto t0 = Clock::now();
        forward();
        runs.push_back(Seconds(t0, Clock::now()));
        ratios.push_back(flops / runs.back() / 1e9 / peaks.back());
      }
      if (!trace_path.empty() && threads == 1) {  // one more, untimed
        torch::autograd::profiler::RecordProfile trace(
            trace_path + (reference ? ".reference.json" : ".parity.json"));
        forward();
      }
      const double seconds = Median(runs);
      const double gflops = flops / seconds / 1e9;
      const double peak = Median(peaks);
      const double of_peak = Median(ratios);
      std::printf("| %d | %s | %.2f | %.1f | %.1f | %.0f%% | %.1f | %.0f%% |\n",
                  threads, pass, seconds, gflops, peak, 100 * of_peak, layer,
                  100 * layer / peak);
      results.push_back({{"threads", threads},
                         {"pass", pass},
                         {"seconds", seconds},
                         {"gflops", gflops},
                         {"matmul_peak_gflops", peak},
                         {"of_peak", of_peak},
                         {"layer_matmul_gflops", layer}});
    }
  }
  std::printf("\npeak RSS: %.0f MB\n", PeakRssMb());
  const std::string json_path = ResolveUserPath(absl::GetFlag(FLAGS_json));
  if (!json_path.empty()) {
    nlohmann::json out = {{"blas", BlasLibrary()},
                          {"blas_threading", blas_threading},
                          {"valid_frame_gflop", flops / 1e9},
                          {"valid_frames", valid_frames},
                          {"peak_rss_mb", PeakRssMb()},
                          {"runs", results}};
    std::ofstream(json_path) << DumpJson(out, 2) << "\n";
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace fairport

namespace {

int Main(int argc, char** argv) {
  fairport::ops::UsePassiveOpenMpWaits(argv);
  fairport::ParseFlagsOrExit(argc, argv, "bazel run //bench:parity");
  absl::Status status = fairport::Run();
  return status.ok() ? 0 : fairport::ReportError(status);
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
