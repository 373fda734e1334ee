#include "verify/parity.h"

#include <algorithm>
#include <set>
#include <utility>

#include "ATen/TensorOperators.h"
#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "families/forward_family.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "ops/torch_errors.h"
#include "verify/batched_forward.h"
#include "verify/reference_outputs.h"
#include "verify/report_file.h"

namespace fairport {
namespace {

// How a pass runs the dataset, for messages and the report.
std::string BatchesText(int64_t batch_size, int64_t utterances) {
  return batch_size >= utterances
             ? absl::StrCat("one padded batch of ", utterances, " utterances")
             : absl::StrCat("padded batches of ", batch_size, " utterances");
}

Difference Diff(const std::string& name, const at::Tensor& a,
                const at::Tensor& b) {
  at::Tensor d = (a.to(at::kDouble) - b.to(at::kDouble)).abs();
  Difference out;
  out.set_name(name);
  out.set_max_abs_diff(d.max().item<double>());
  out.set_mean_abs_diff(d.mean().item<double>());
  return out;
}

// Greedy CTC decoding: argmax per valid frame, repeats collapsed, the blank
// (id 0, <pad>) dropped, "|" read as a space.
std::string GreedyText(const at::Tensor& logits, int64_t frames,
                       const std::vector<std::string>& id_to_token) {
  at::Tensor ids = logits.slice(0, 0, frames).argmax(-1);
  std::string text;
  int64_t previous = -1;
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t id = ids[t].item<int64_t>();
    if (id != previous && id != 0 &&
        id < static_cast<int64_t>(id_to_token.size())) {
      // Specials other than the blank carry no text.
      const std::string& token = id_to_token[id];
      if (token != "<s>" && token != "</s>" && token != "<unk>")
        text += token == "|" ? " " : token;
    }
    previous = id;
  }
  size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

// The class an utterance's logits predict, by its label ("class <i>" when
// the side names none).
std::string PredictedLabel(const at::Tensor& logits,
                           const std::vector<std::string>& labels) {
  const int64_t c = logits.argmax().item<int64_t>();
  return c < static_cast<int64_t>(labels.size()) ? labels[c]
                                                 : absl::StrCat("class ", c);
}

// vocab.json as Wav2Vec2CTCTokenizer reads it (token -> id), refusing
// what it would take silently: the ids must be distinct and 0..n-1, one
// per row of the CTC head.
absl::StatusOr<std::vector<std::string>> Vocabulary(
    const std::string& model_dir, int64_t head_rows,
    const std::string& language) {
  std::string path = model_dir + "/vocab.json";
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json vocab = ParseJson(text);
  if (!vocab.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an object"));
  // Nested by language ({lang: {token: id}}), as Wav2Vec2CTCTokenizer reads
  // it with target_lang.
  if (!language.empty() && !vocab.empty() && vocab.begin()->is_object()) {
    if (!vocab.contains(language) || !vocab[language].is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no vocabulary for '", language, "'"));
    }
    nlohmann::json nested = std::move(vocab[language]);
    vocab = std::move(nested);
    path = absl::StrCat(path, " ['", language, "']");
  }
  if (static_cast<int64_t>(vocab.size()) != head_rows) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", vocab.size(),
                                                   " tokens for a CTC head of ",
                                                   head_rows, " rows"));
  }
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size());
  for (auto& [token, id] : vocab.items()) {
    const std::string entry = DumpJson(nlohmann::json(token));
    // nlohmann parses every non-negative integer as unsigned.
    if (!id.is_number_unsigned() || id.get<uint64_t>() >= tokens.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": token ", entry, " has id ", DumpJson(id),
                       ", not one of 0..", head_rows - 1));
    }
    const size_t i = id.get<size_t>();
    if (seen[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": token ", entry, " has id ", i, " of token ",
                       DumpJson(nlohmann::json(tokens[i]))));
    }
    seen[i] = true;
    tokens[i] = token;
  }
  return tokens;
}

}  // namespace

absl::StatusOr<ReferenceOutputs> ComputeReference(
    const std::string& checkpoint_path, const Dataset& dataset,
    const PassOptions& options) {
  ASSIGN_OR_RETURN(FairseqCheckpoint checkpoint,
                   FairseqCheckpoint::Load(checkpoint_path));
  RETURN_IF_ERROR(checkpoint.archive().zip().VerifyAllCrcs());
  ASSIGN_OR_RETURN(std::string checkpoint_sha256, FileSha256(checkpoint_path));
  ASSIGN_OR_RETURN(LoadedModel original,
                   LoadFairseqModel(checkpoint, options.language));
  RETURN_IF_ERROR(CheckUtteranceLengths(dataset, original));
  const int64_t utterances = static_cast<int64_t>(dataset.utterances.size());
  const std::vector<UtteranceRange> batches =
      SplitIntoBatches(utterances, options.batch_size);
  return ops::CatchTorchErrors(
      checkpoint_path, [&]() -> absl::StatusOr<ReferenceOutputs> {
        ProgressMeter progress(options.progress, "fairseq pass", "utterances",
                               utterances);
        DatasetForward forward =
            ForwardInBatches(original, dataset, batches, /*with_stages=*/true,
                             /*mask=*/{}, &progress);
        ForwardOutput& out = forward.output;
        std::vector<std::string> ids;
        for (const Utterance& u : dataset.utterances) ids.push_back(u.id);
        ReferenceOutputs ref;
        ref.output = std::move(out.output);
        ref.valid_frames = std::move(out.valid_frames);
        ref.stages = std::move(out.stages);
        ref.metadata = {
            {"checkpoint_sha256", checkpoint_sha256},
            {"dataset_sha256", dataset.sha256},
            {"model_kind", original.description},
            {"output", original.classifier ? kClassLogits
                       : original.ctc      ? "logits"
                                           : "last_hidden_state"},
            {"frame_counting", original.frame_counting},
            {"utterances", absl::StrJoin(ids, ",")},
        };
        if (!original.language.empty()) {
          ref.metadata[kLanguageKey] = original.language;
          ref.metadata[kLanguagesKey] = absl::StrJoin(original.languages, ",");
        }
        ref.labels = original.labels;
        // Only when it matters: a file without it is one batch, so one
        // batch's file stays byte for byte what it was before batches.
        if (batches.size() > 1) {
          ref.metadata[kBatchSizeKey] =
              absl::StrCat(batches[0].end - batches[0].begin);
        }
        return ref;
      });
}

absl::StatusOr<std::string> WriteReference(const std::string& checkpoint_path,
                                           const Dataset& dataset,
                                           const std::string& output,
                                           const PassOptions& options) {
  ASSIGN_OR_RETURN(ReferenceOutputs ref,
                   ComputeReference(checkpoint_path, dataset, options));
  RETURN_IF_ERROR(WriteReferenceFile(ref, output));
  const std::string batches =
      ref.metadata.count(kBatchSizeKey)
          ? absl::StrCat(" in batches of ", ref.Meta(kBatchSizeKey))
          : "";
  const std::string language =
      ref.Meta(kLanguageKey).empty()
          ? ""
          : absl::StrCat(" with the adapters of '", ref.Meta(kLanguageKey),
                         "' (of ", ref.Meta(kLanguagesKey), ")");
  return absl::StrCat("reference: ", dataset.utterances.size(), " utterances",
                      batches, " through the original ", ref.Meta("model_kind"),
                      " model", language, " -> ", output);
}

namespace {

std::string WeightKindName(WeightFinding::Kind kind) {
  return kind == WeightFinding::Kind::kUnused ? "unused" : "missing";
}

// The report's weight findings; the names of those that change outputs.
std::vector<std::string> AddWeightFindings(
    const std::vector<WeightFinding>& findings, ParityReport& report) {
  std::vector<std::string> changing;
  for (const WeightFinding& f : findings) {
    ReportedWeight* w = report.add_weights();
    w->set_name(f.name);
    w->set_kind(WeightKindName(f.kind));
    w->set_changes_output(f.changes_output);
    w->set_consequence(f.consequence);
    if (f.changes_output) changing.push_back(f.name);
  }
  return changing;
}

// The first stage where the converted model's states part from the
// reference's (by name, by shape, or beyond `atol`), if any.
bool FindDivergence(const std::vector<ForwardStage>& reference,
                    const std::vector<ForwardStage>& converted,
                    const Dataset& dataset, double atol, ParityReport& report) {
  const size_t n = std::max(reference.size(), converted.size());
  for (size_t s = 0; s < n; ++s) {
    Divergence d;
    d.set_index(static_cast<int>(s) + 1);
    d.set_stages(static_cast<int>(n));
    if (s >= reference.size() || s >= converted.size() ||
        reference[s].name != converted[s].name ||
        reference[s].states.sizes() != converted[s].states.sizes()) {
      const ForwardStage& known =
          s < reference.size() ? reference[s] : converted[s];
      d.set_stage(known.name);
      d.set_reason(absl::StrCat(
          "the original model's stage ", s + 1, " is ",
          s < reference.size()
              ? absl::StrCat("'", reference[s].name, "' of shape [",
                             absl::StrJoin(reference[s].states.sizes(), ", "),
                             "]")
              : "missing",
          ", the converted model's ",
          s < converted.size()
              ? absl::StrCat("'", converted[s].name, "' of shape [",
                             absl::StrJoin(converted[s].states.sizes(), ", "),
                             "]")
              : "missing"));
      *report.mutable_first_divergence() = d;
      return true;
    }
    const Difference& overall = report.stages(static_cast<int>(s));
    if (overall.max_abs_diff() <= atol) continue;
    d.set_stage(reference[s].name);
    d.set_max_abs_diff(overall.max_abs_diff());
    for (int b = 0; b < report.utterances_size(); ++b) {
      if (report.utterances(b).stages(static_cast<int>(s)).max_abs_diff() ==
          overall.max_abs_diff()) {
        d.set_utterance(dataset.utterances[b].id);
        break;
      }
    }
    *report.mutable_first_divergence() = d;
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<ParityReport> CompareWithReference(
    const std::string& model_dir, const Dataset& dataset,
    const ReferenceOutputs& reference, const std::string& reference_name,
    double atol, const PassOptions& options) {
  if (reference.Meta("dataset_sha256") != dataset.sha256) {
    return absl::InvalidArgumentError(
        absl::StrCat(reference_name, ": computed on dataset ",
                     reference.Meta("dataset_sha256"), ", not on this one (",
                     dataset.sha256, ")"));
  }
  const int64_t utterances = static_cast<int64_t>(dataset.utterances.size());
  absl::StatusOr<int64_t> batch_size =
      ReferenceBatchSize(reference, utterances);
  if (!batch_size.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(reference_name, ": ", batch_size.status().message()));
  }
  if (options.batch_size != 0 &&
      std::min(options.batch_size, utterances) != *batch_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        reference_name, ": computed in ", BatchesText(*batch_size, utterances),
        ", not in ", BatchesText(options.batch_size, utterances),
        " (--batch_size=", options.batch_size,
        "); a padded batch's outputs depend on its padding, so the converted "
        "model runs the reference's batches (leave --batch_size unset)"));
  }
  const std::vector<UtteranceRange> batches =
      SplitIntoBatches(utterances, *batch_size);
  const std::string language = reference.Meta(kLanguageKey);
  ASSIGN_OR_RETURN(LoadedModel converted, LoadHfModel(model_dir, language));
  if (converted.classifier != (reference.Meta("output") == kClassLogits)) {
    return absl::InvalidArgumentError(absl::StrCat(
        reference_name, ": the reference holds ", reference.Meta("output"),
        ", the converted model (", converted.description, ") gives ",
        converted.classifier ? "class logits" : "frames"));
  }
  ParityReport report;
  report.set_classifier(converted.classifier);
  report.set_language(language);
  for (const std::string& l : converted.languages)
    report.add_converted_languages(l);
  for (const std::string& l : converted.labels) report.add_converted_labels(l);
  report.set_model_kind(reference.Meta("model_kind"));
  report.set_model_type(converted.model_type);
  report.set_hf_class(converted.description);
  report.set_ctc(converted.ctc);
  report.set_checkpoint_sha256(reference.Meta("checkpoint_sha256"));
  report.set_dataset_sha256(dataset.sha256);
  report.set_atol(atol);
  const std::vector<std::string> changing =
      AddWeightFindings(converted.weight_findings, report);
  if (converted.pass == nullptr) {
    report.set_passed(false);
    report.set_not_run_reason(absl::StrCat(
        "model.safetensors lacks ", absl::StrJoin(changing, ", "),
        ", which transformers would initialise randomly and its forward "
        "reads"));
    return report;
  }
  RETURN_IF_ERROR(CheckUtteranceLengths(dataset, converted));
  std::vector<std::string> vocab;
  if (converted.ctc) {
    ASSIGN_OR_RETURN(vocab,
                     Vocabulary(model_dir, converted.vocab_size, language));
  }
  return ops::CatchTorchErrors(
      model_dir, [&]() -> absl::StatusOr<ParityReport> {
        const at::Tensor& frames = reference.valid_frames;
        const bool one_batch = batches.size() == 1;
        const std::string fed =
            one_batch ? "the padded batch"
                      : absl::StrCat("padded batches of ", *batch_size,
                                     " utterances in the dataset's order");
        report.set_comparison(absl::StrCat(
            fed, one_batch
                     ? " with the dataset's sample mask, as both models are "
                       "fed it"
                     : ", each with its sample mask, as both models are fed "
                       "them"));
        const std::string counting = reference.Meta("frame_counting");
        std::vector<std::string> changed;
        if (counting != kConvLengthFormula) {
          for (const UtteranceRange& range : batches) {
            // The samples of the batch's longest utterance: each row's.
            size_t row = 0;
            for (int64_t b = range.begin; b < range.end; ++b)
              row = std::max(row, dataset.utterances[b].samples.size());
            for (int64_t b = range.begin; b < range.end; ++b) {
              const int64_t want = frames[b].item<int64_t>();
              const int64_t formula = converted.pass->FramesForSamples(
                  static_cast<int64_t>(dataset.utterances[b].samples.size()));
              if (want == formula) continue;
              if (want > 0 && converted.pass->SamplesForFrames(want) >
                                  static_cast<int64_t>(row)) {
                return absl::InvalidArgumentError(absl::StrCat(
                    reference_name, ": the reference counts ", want,
                    " frames for ", dataset.utterances[b].id,
                    ", more than the converted model makes of the whole "
                    "row"));
              }
              changed.push_back(absl::StrCat(dataset.utterances[b].id, ": ",
                                             want,
                                             " frames where the formula "
                                             "gives ",
                                             formula));
            }
          }
        }
        BatchMask mask;
        if (!changed.empty()) {
          // The reference model counts a padded utterance's frames its own
          // way; transformers cannot reproduce that from the same mask.
          // Compare what both can represent: each row with a sample mask
          // whose conv-length formula gives the reference's frame count
          // (the samples past the utterance are the batch's zero padding).
          mask = [&](UtteranceRange range, const at::Tensor& given) {
            return SampleMaskForFrames(*converted.pass,
                                       frames.slice(0, range.begin, range.end),
                                       given.size(1));
          };
          report.set_comparison(absl::StrCat(
              fed,
              ", each row's sample mask extended so that transformers' "
              "conv-length formula gives the reference's frame count"));
          report.set_comparison_reason(absl::StrCat(
              "the reference model counts valid frames by ", counting,
              ", not by the conv-length formula transformers uses (",
              absl::StrJoin(changed, "; "),
              "); transformers cannot reproduce that from the same mask, so "
              "the comparison gives it a mask that both models read as the "
              "same frames"));
        }
        ProgressMeter progress(options.progress, "HF pass", "utterances",
                               utterances);
        DatasetForward forward =
            ForwardInBatches(converted, dataset, batches,
                             /*with_stages=*/true, mask, &progress);
        // The comparison needs the converted model's states, not its
        // weights: release them (and their mapping) before the reference's
        // states are read, so that the two never add up.
        converted.pass.reset();
        const ForwardOutput& out = forward.output;
        const at::Tensor& expected = reference.output;
        if (expected.sizes() != out.output.sizes()) {
          return absl::InvalidArgumentError(
              absl::StrCat(reference_name, ": reference output has shape [",
                           absl::StrJoin(expected.sizes().vec(), ", "),
                           "], the converted model gives [",
                           absl::StrJoin(out.output.sizes().vec(), ", "), "]"));
        }
        // Stages are compared while both sides name the same stage of the
        // same shape; FindDivergence says where they stop doing so.
        size_t comparable = 0;
        while (comparable < reference.stages.size() &&
               comparable < out.stages.size() &&
               reference.stages[comparable].name ==
                   out.stages[comparable].name &&
               reference.stages[comparable].states.sizes() ==
                   out.stages[comparable].states.sizes()) {
          ++comparable;
        }
        for (size_t s = 0; s < comparable; ++s) {
          *report.add_stages() =
              Diff(reference.stages[s].name, out.stages[s].states,
                   reference.stages[s].states);
        }
        for (size_t b = 0; b < dataset.utterances.size(); ++b) {
          UtteranceParity* u = report.add_utterances();
          u->set_id(dataset.utterances[b].id);
          u->set_valid_frames(frames[b].item<int64_t>());
          u->set_mask_samples(forward.mask_samples[b]);
          *u->mutable_output() =
              Diff(reference.Meta("output"), out.output[b], expected[b]);
          for (size_t s = 0; s < comparable; ++s) {
            *u->add_stages() =
                Diff(reference.stages[s].name, out.stages[s].states[b],
                     reference.stages[s].states[b]);
          }
          if (converted.ctc) {
            u->set_reference_text(
                GreedyText(expected[b], u->valid_frames(), vocab));
            u->set_converted_text(GreedyText(
                out.output[b], out.valid_frames[b].item<int64_t>(), vocab));
          } else if (converted.classifier) {
            // Each side names its prediction by its own labels (the
            // checkpoint's label dictionary; config.json's id2label).
            u->set_reference_text(
                PredictedLabel(expected[b], reference.labels));
            u->set_converted_text(
                PredictedLabel(out.output[b], converted.labels));
          }
        }
        *report.mutable_overall() = Diff("overall", out.output, expected);
        bool passed = report.overall().max_abs_diff() <= atol;
        for (const Difference& d : report.stages())
          passed &= d.max_abs_diff() <= atol;
        for (const UtteranceParity& u : report.utterances())
          passed &= u.reference_text() == u.converted_text();
        if (FindDivergence(reference.stages, out.stages, dataset, atol,
                           report)) {
          passed = false;
        } else if (report.overall().max_abs_diff() > atol) {
          Divergence* d = report.mutable_first_divergence();
          d->set_stage("output");
          d->set_index(static_cast<int>(comparable) + 1);
          d->set_stages(static_cast<int>(comparable) + 1);
          d->set_max_abs_diff(report.overall().max_abs_diff());
        }
        report.set_passed(passed);
        return report;
      });
}

absl::StatusOr<ParityReport> CheckParity(const std::string& model_dir,
                                         const Dataset& dataset,
                                         const std::string& reference_path,
                                         double atol,
                                         const PassOptions& options) {
  ASSIGN_OR_RETURN(
      ReferenceOutputs reference,
      ReadReferenceFile(reference_path, dataset.sha256,
                        static_cast<int64_t>(dataset.utterances.size())));
  return CompareWithReference(model_dir, dataset, reference, reference_path,
                              atol, options);
}

absl::StatusOr<ParityReport> CheckParityOfReferences(
    const std::string& model_dir, const Dataset& dataset,
    const std::vector<std::string>& reference_paths, double atol,
    const PassOptions& options) {
  if (reference_paths.empty())
    return absl::InvalidArgumentError("no reference outputs to compare with");
  const int64_t utterances = static_cast<int64_t>(dataset.utterances.size());
  std::vector<ParityReport> reports;
  std::set<std::string> checked;
  std::string checkpoint_sha256, checkpoint_languages;
  for (const std::string& path : reference_paths) {
    // One reference at a time: its outputs are released before the next.
    ASSIGN_OR_RETURN(ReferenceOutputs reference,
                     ReadReferenceFile(path, dataset.sha256, utterances));
    const std::string language = reference.Meta(kLanguageKey);
    if (reference_paths.size() > 1 && language.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          ": the outputs of a model without languages; several "
          "reference files are one per language of an adapter model"));
    }
    if (reports.empty()) {
      checkpoint_sha256 = reference.Meta("checkpoint_sha256");
      checkpoint_languages = reference.Meta(kLanguagesKey);
    } else if (reference.Meta("checkpoint_sha256") != checkpoint_sha256 ||
               reference.Meta(kLanguagesKey) != checkpoint_languages) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": made from another checkpoint than ", reference_paths[0]));
    }
    if (!checked.insert(language).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a second reference for the language '", language, "'"));
    }
    ASSIGN_OR_RETURN(ParityReport report,
                     CompareWithReference(model_dir, dataset, reference, path,
                                          atol, options));
    reports.push_back(std::move(report));
  }
  if (reports.size() == 1 && reports[0].language().empty())
    return std::move(reports[0]);

  // Every language of the checkpoint and of the converted directory must
  // have been checked.
  const ParityReport& first = reports[0];
  std::vector<std::string> unchecked;
  for (absl::string_view l : absl::StrSplit(checkpoint_languages, ',')) {
    if (!checked.count(std::string(l)))
      unchecked.push_back(absl::StrCat(l, " (the checkpoint's)"));
  }
  for (const std::string& l : first.converted_languages()) {
    if (!checked.count(l) &&
        !absl::c_linear_search(absl::StrSplit(checkpoint_languages, ','), l)) {
      unchecked.push_back(absl::StrCat(l, " (adapter.", l, ".safetensors)"));
    }
  }
  ParityReport all;
  all.set_model_kind(first.model_kind());
  all.set_checkpoint_sha256(first.checkpoint_sha256());
  all.set_dataset_sha256(first.dataset_sha256());
  all.set_atol(atol);
  all.set_model_type(first.model_type());
  all.set_hf_class(first.hf_class());
  all.set_ctc(first.ctc());
  all.set_classifier(first.classifier());
  all.set_comparison(first.comparison());
  all.set_comparison_reason(first.comparison_reason());
  *all.mutable_converted_languages() = first.converted_languages();
  *all.mutable_converted_labels() = first.converted_labels();
  *all.mutable_weights() = first.weights();
  Difference* overall = all.mutable_overall();
  overall->set_name("overall");
  bool passed = unchecked.empty();
  double mean = 0;
  for (const ParityReport& r : reports) {
    overall->set_max_abs_diff(
        std::max(overall->max_abs_diff(), r.overall().max_abs_diff()));
    mean += r.overall().mean_abs_diff() / reports.size();
    if (!r.passed() && passed && !all.has_first_divergence() &&
        r.has_first_divergence()) {
      *all.mutable_first_divergence() = r.first_divergence();
      all.mutable_first_divergence()->set_stage(
          absl::StrCat(r.language(), ": ", r.first_divergence().stage()));
    }
    passed &= r.passed();
  }
  overall->set_mean_abs_diff(mean);
  if (!unchecked.empty()) {
    all.set_not_run_reason(absl::StrCat(
        "no reference outputs for ", absl::StrJoin(unchecked, ", "),
        ": every language's adapters must be checked"));
  }
  all.set_passed(passed);
  for (ParityReport& r : reports) *all.add_languages() = std::move(r);
  return all;
}

std::string ReportJson(const ParityReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(report, &json, options);
  return json;
}

namespace {

std::string Clip(const std::string& text) {
  return text.size() <= 48 ? text : text.substr(0, 45) + "...";
}

}  // namespace

namespace {

// A report's utterance and stage tables.
void AppendTables(const ParityReport& report, std::string& md) {
  const bool text = report.ctc() || report.classifier();
  if (!report.utterances().empty()) {
    absl::StrAppend(&md,
                    "| utterance | frames | max abs diff | mean abs diff |",
                    report.classifier() ? " label (reference / converted) |"
                    : text              ? " text (reference / converted) |"
                                        : "",
                    "\n|---|---|---|---|", text ? "---|" : "", "\n");
  }
  for (const UtteranceParity& u : report.utterances()) {
    double worst = u.output().max_abs_diff();
    for (const Difference& d : u.stages())
      worst = std::max(worst, d.max_abs_diff());
    absl::StrAppend(&md, absl::StrFormat("| %s | %d | %.3g | %.3g |", u.id(),
                                         u.valid_frames(), worst,
                                         u.output().mean_abs_diff()));
    if (text)
      absl::StrAppend(&md, " ", Clip(u.reference_text()), " / ",
                      Clip(u.converted_text()), " |");
    absl::StrAppend(&md, "\n");
  }
  if (!report.stages().empty()) {
    absl::StrAppend(&md, "\n| stage | max abs diff |\n|---|---|\n");
    for (const Difference& d : report.stages())
      absl::StrAppend(
          &md, absl::StrFormat("| %s | %.3g |\n", d.name(), d.max_abs_diff()));
    absl::StrAppend(&md, absl::StrFormat("| output (%s) | %.3g |\n",
                                         report.classifier() ? "class logits"
                                         : report.ctc()      ? "logits"
                                                        : "last hidden state",
                                         report.overall().max_abs_diff()));
  }
}

}  // namespace

std::string ReportMarkdown(const ParityReport& report) {
  std::string md = absl::StrFormat(
      "# Parity: %s\n\n%s -> %s: max abs diff %.3g (tolerance %.0e) over %d "
      "utterances%s\n\n",
      report.passed() ? "PASSED" : "FAILED", report.model_kind(),
      report.hf_class(), report.overall().max_abs_diff(), report.atol(),
      report.languages().empty() ? report.utterances_size()
                                 : report.languages(0).utterances_size(),
      report.languages().empty()
          ? ""
          : absl::StrCat(" in each of ", report.languages_size(),
                         " languages"));
  if (!report.not_run_reason().empty())
    absl::StrAppend(&md, "**Not run**: ", report.not_run_reason(), ".\n\n");
  if (report.has_first_divergence())
    absl::StrAppend(&md, "**The converted model ", DivergenceText(report),
                    ".**\n\n");
  AppendTables(report, md);
  for (const ParityReport& l : report.languages()) {
    if (!absl::EndsWith(md, "\n\n")) absl::StrAppend(&md, "\n");
    absl::StrAppend(
        &md, absl::StrFormat("## %s: %s, max abs diff %.3g (model.safetensors "
                             "with adapter.%s.safetensors)\n\n",
                             l.language(), l.passed() ? "passed" : "FAILED",
                             l.overall().max_abs_diff(), l.language()));
    if (!l.not_run_reason().empty())
      absl::StrAppend(&md, "**Not run**: ", l.not_run_reason(), ".\n\n");
    if (l.has_first_divergence())
      absl::StrAppend(&md, "**The converted model ", DivergenceText(l),
                      ".**\n\n");
    AppendTables(l, md);
  }
  if (!report.weights().empty()) {
    absl::StrAppend(&md, "\n## Weights transformers would warn about\n\n");
    for (const ReportedWeight& w : report.weights()) {
      absl::StrAppend(&md, "- `", w.name(), "` (", w.kind(),
                      "): ", w.consequence(),
                      w.changes_output() ? " **(changes outputs)**" : "", "\n");
    }
  }
  if (!report.comparison().empty())
    absl::StrAppend(&md, "\nCompared: ", report.comparison(), ".\n");
  if (!report.comparison_reason().empty())
    absl::StrAppend(&md, "Why: ", report.comparison_reason(), ".\n");
  absl::StrAppend(&md, "\ncheckpoint sha256 `", report.checkpoint_sha256(),
                  "`, dataset sha256 `", report.dataset_sha256(), "`\n");
  return md;
}

}  // namespace fairport
