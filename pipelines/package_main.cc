// package: the release archive of a verified conversion, deterministic to
// the byte: the HF directory, the parity report, a model card and a
// MANIFEST (Protobuf as JSON) with every file's sha256, in a .tar.gz with
// sorted entries, fixed metadata and no timestamps.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/cli.h"
#include "base/files.h"
#include "base/interrupts.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "base/user_path.h"
#include "datasets/dataset.h"
#include "formats/tar_writer.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "proto/manifest.pb.h"
#include "proto/parity_report.pb.h"
#include "verify/report_file.h"

ABSL_FLAG(std::string, name, "", "release name (the archive's top folder)");
ABSL_FLAG(std::string, model_dir, "", "converted Hugging Face directory");
ABSL_FLAG(std::string, parity_report, "",
          "parity report (JSON); its Markdown twin sits beside it");
ABSL_FLAG(std::string, version_file, "", "Fairport's VERSION file");
ABSL_FLAG(std::string, toolchain_versions, "",
          "JSON of the Debian package versions built with");
ABSL_FLAG(std::string, license, "",
          "license for the model card's front matter");
ABSL_FLAG(std::string, output, "", ".tar.gz to write");

namespace fairport {
namespace {

// An SVG plot of each utterance's max abs difference (bars) and, for
// pretrained models, each layer's (dots) against the tolerance (dashed
// line), on a log scale; an exact zero sits on the floor. Deterministic:
// the same report gives the same bytes.
std::string ParityPlot(const ParityReport& per_language) {
  // A report over languages plots each language's utterances as
  // "<lang>/<utterance>".
  ParityReport report = per_language;
  for (const ParityReport& l : per_language.languages()) {
    for (UtteranceParity u : l.utterances()) {
      u.set_id(absl::StrCat(l.language(), "/", u.id()));
      *report.add_utterances() = std::move(u);
    }
  }
  constexpr double kWidth = 640, kHeight = 280, kLeft = 64, kRight = 16,
                   kTop = 36, kBottom = 56, kFloor = -10;
  double top = std::ceil(std::log10(report.atol())) + 1;
  for (const UtteranceParity& u : report.utterances()) {
    double worst = u.output().max_abs_diff();
    for (const Difference& d : u.stages())
      worst = std::max(worst, d.max_abs_diff());
    if (worst > 0) top = std::max(top, std::ceil(std::log10(worst)));
  }
  const double plot_h = kHeight - kTop - kBottom,
               plot_w = kWidth - kLeft - kRight;
  auto y = [&](double v) {
    double e = v > 0 ? std::max(std::log10(v), kFloor) : kFloor;
    return kTop + (top - std::min(e, top)) / (top - kFloor) * plot_h;
  };
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n<text x=\"%.0f\" y=\"20\" font-size=\"13\">Parity %s: "
      "max abs difference per utterance (log scale)</text>\n",
      kWidth, kHeight, kWidth, kHeight, kLeft,
      report.passed() ? "PASSED" : "FAILED");
  for (int e = static_cast<int>(kFloor); e <= static_cast<int>(top); e += 2) {
    const double gy = y(std::pow(10.0, e));
    absl::StrAppend(
        &svg,
        absl::StrFormat("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" "
                        "y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.0f\" "
                        "y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n",
                        kLeft, gy, kWidth - kRight, gy, kLeft - 6, gy + 4, e));
  }
  const int n = std::max(report.utterances_size(), 1);
  const double slot = plot_w / n;
  for (int i = 0; i < report.utterances_size(); ++i) {
    const UtteranceParity& u = report.utterances(i);
    const double x = kLeft + slot * i;
    // At least 2 px tall, so that a zero difference still shows; its value
    // is written above it.
    const double by = std::min(y(u.output().max_abs_diff()), kTop + plot_h - 2);
    absl::StrAppend(
        &svg,
        absl::StrFormat(
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\" fill=\"%s\"><title>%s: %.3g</title>"
            "</rect>\n<text x=\"%.1f\" y=\"%.1f\" "
            "text-anchor=\"middle\">%.2g</text>\n",
            x + slot * 0.2, by, slot * 0.6, kTop + plot_h - by,
            u.output().max_abs_diff() <= report.atol() ? "#4a90d9" : "#d9534f",
            u.id(), u.output().max_abs_diff(), x + slot / 2, by - 4,
            u.output().max_abs_diff()));
    for (int l = 0; l < u.stages_size(); ++l) {
      const double lx =
          x + slot * 0.2 + slot * 0.6 * (l + 0.5) / u.stages_size();
      absl::StrAppend(
          &svg,
          absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                          "fill=\"#333\"><title>%s %s: %.3g</title>"
                          "</circle>\n",
                          lx, y(u.stages(l).max_abs_diff()), u.id(),
                          u.stages(l).name(), u.stages(l).max_abs_diff()));
    }
    absl::StrAppend(&svg,
                    absl::StrFormat("<text x=\"%.1f\" y=\"%.0f\" "
                                    "text-anchor=\"middle\">%s</text>\n",
                                    x + slot / 2, kTop + plot_h + 16, u.id()));
  }
  const double ty = y(report.atol());
  absl::StrAppend(
      &svg,
      absl::StrFormat(
          "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
          "stroke=\"#d9534f\" stroke-dasharray=\"6 4\"/>\n<text x=\"%.0f\" "
          "y=\"%.1f\" text-anchor=\"end\" fill=\"#d9534f\">tolerance "
          "%.0e</text>\n<text x=\"%.0f\" y=\"%.0f\">bars: output%s; zero "
          "differences sit on the floor</text>\n</svg>\n",
          kLeft, ty, kWidth - kRight, ty, kWidth - kRight, ty - 4,
          report.atol(), kLeft, kHeight - 12,
          report.ctc() ? " (logits)" : " (last hidden state); dots: stages"));
  return svg;
}

// What a model card says of an MMS model: its languages or labels, from
// the converted directory.
struct Mms {
  std::vector<std::string> languages;  // adapter.<lang>.safetensors
  std::string target_lang;             // model.safetensors' language
  std::vector<std::string> labels;     // id2label, by class
};

std::string HowToUseLanguages(const std::string& name, const Mms& mms) {
  const std::string other =
      mms.languages.size() > 1 && mms.languages[0] == mms.target_lang
          ? mms.languages[1]
          : mms.languages[0];
  return absl::StrCat(
      "```python\nimport torch\nfrom transformers import AutoProcessor, "
      "Wav2Vec2ForCTC\n\nlang = \"",
      other,
      "\"  # any of the languages below\nprocessor = "
      "AutoProcessor.from_pretrained(\"",
      name, "\", target_lang=lang)\nmodel = Wav2Vec2ForCTC.from_pretrained(\"",
      name,
      "\", target_lang=lang,\n    ignore_mismatched_sizes=True)  # a "
      "language's own CTC head may differ in size\n\n# audio: a 1-D float "
      "array of 16 kHz mono samples\ninputs = processor(audio, "
      "sampling_rate=16000, return_tensors=\"pt\")\nwith torch.no_grad():\n"
      "    logits = model(**inputs).logits\n"
      "print(processor.batch_decode(torch.argmax(logits, dim=-1))[0])\n\n"
      "# another language, without reloading the model:\n"
      "# processor.tokenizer.set_target_lang(\"xxx\"); "
      "model.load_adapter(\"xxx\")\n```\n\nWithout `target_lang`, "
      "transformers runs `model.safetensors` as it is: the adapters of `",
      mms.target_lang, "`.\n");
}

std::string HowToUseClassifier(const std::string& name) {
  return absl::StrCat(
      "```python\nimport torch\nfrom transformers import "
      "AutoFeatureExtractor, AutoModelForAudioClassification\n\n"
      "feature_extractor = AutoFeatureExtractor.from_pretrained(\"",
      name, "\")\nmodel = AutoModelForAudioClassification.from_pretrained(\"",
      name,
      "\")\n\n# audio: a 1-D float array of 16 kHz mono samples\ninputs = "
      "feature_extractor(audio, sampling_rate=16000, return_tensors=\"pt\")\n"
      "with torch.no_grad():\n    logits = model(**inputs).logits\n"
      "print(model.config.id2label[int(logits.argmax(-1))])\n```\n");
}

// The MMS facts: the languages and labels parity checked, and the
// tokenizer's target_lang (the language model.safetensors holds).
absl::StatusOr<Mms> ReadMms(const std::string& model_dir,
                            const ParityReport& report) {
  Mms mms;
  mms.languages.assign(report.converted_languages().begin(),
                       report.converted_languages().end());
  mms.labels.assign(report.converted_labels().begin(),
                    report.converted_labels().end());
  if (!mms.languages.empty()) {
    ASSIGN_OR_RETURN(std::string text,
                     ReadFile(model_dir + "/tokenizer_config.json"));
    nlohmann::json t = ParseJson(text);
    if (t.is_object() && t.contains("target_lang") &&
        t["target_lang"].is_string()) {
      mms.target_lang = t["target_lang"].get<std::string>();
    }
  }
  return mms;
}

// The card's section on an MMS model's languages or labels.
std::string MmsSection(const ParityReport& report, const Mms& mms) {
  std::string section;
  if (!mms.languages.empty()) {
    absl::StrAppend(
        &section, "## Languages\n\n", mms.languages.size(),
        " languages, each with its adapter file (`adapter.<lang>.safetensors`: "
        "the attention adapter of every layer and the language's CTC head); "
        "`model.safetensors` holds `",
        mms.target_lang,
        "`'s. Every language was checked against the original model running "
        "that language's adapters:\n\n| language | adapter file | parity max "
        "abs diff |\n|---|---|---|\n");
    for (const std::string& l : mms.languages) {
      std::string diff = "not checked";
      for (const ParityReport& r : report.languages()) {
        if (r.language() == l)
          diff = absl::StrFormat("%.3g", r.overall().max_abs_diff());
      }
      absl::StrAppend(&section, "| ", l, " | `adapter.", l, ".safetensors` | ",
                      diff, " |\n");
    }
    absl::StrAppend(&section, "\n");
  }
  if (!mms.labels.empty()) {
    absl::StrAppend(&section, "## Labels\n\n", mms.labels.size(),
                    " labels (`config.json` `id2label`):\n\n| id | label "
                    "|\n|---|---|\n");
    for (size_t i = 0; i < mms.labels.size(); ++i)
      absl::StrAppend(&section, "| ", i, " | ", mms.labels[i], " |\n");
    absl::StrAppend(&section, "\n");
  }
  return section;
}

std::string HowToUse(const std::string& name, bool ctc) {
  if (ctc) {
    return absl::StrCat(
        "```python\nimport torch\nfrom transformers import AutoModelForCTC, "
        "AutoProcessor\n\nprocessor = AutoProcessor.from_pretrained(\"",
        name, "\")\nmodel = AutoModelForCTC.from_pretrained(\"", name,
        "\")\n\n# audio: a 1-D float array of 16 kHz mono samples\ninputs = "
        "processor(audio, sampling_rate=16000, return_tensors=\"pt\")\nwith "
        "torch.no_grad():\n    logits = model(**inputs).logits\nids = "
        "torch.argmax(logits, dim=-1)\nprint(processor.batch_decode(ids)[0])  "
        "# greedy CTC decoding\n```\n");
  }
  return absl::StrCat(
      "```python\nimport torch\nfrom transformers import AutoFeatureExtractor, "
      "AutoModel\n\nfeature_extractor = "
      "AutoFeatureExtractor.from_pretrained(\"",
      name, "\")\nmodel = AutoModel.from_pretrained(\"", name,
      "\")\n\n# audio: a 1-D float array of 16 kHz mono samples\ninputs = "
      "feature_extractor(audio, sampling_rate=16000, return_tensors=\"pt\")\n"
      "with torch.no_grad():\n    hidden_states = "
      "model(**inputs).last_hidden_state  # (1, frames, hidden_size)\n```\n");
}

std::string ModelCard(const std::string& name, const std::string& license,
                      const ParityReport& report, const Mms& mms,
                      const std::string& parity_markdown,
                      const std::string& version) {
  // What the converted directory holds, as the parity report recorded it
  // from config.json.
  const bool ctc = report.ctc();
  std::string card = "---\nlibrary_name: transformers\n";
  if (!license.empty()) absl::StrAppend(&card, "license: ", license, "\n");
  absl::StrAppend(&card, "pipeline_tag: ",
                  ctc                   ? "automatic-speech-recognition"
                  : report.classifier() ? "audio-classification"
                                        : "feature-extraction",
                  "\ntags:\n- audio\n- ", report.model_type(),
                  "\n- fairseq\n- fairport\n---\n\n");
  absl::StrAppend(&card, "# ", name, "\n\n", "A ", report.model_type(),
                  " model (", report.model_kind(),
                  ") converted from its fairseq checkpoint to transformers' `",
                  report.hf_class(), "` by Fairport ", version,
                  ", and checked against the original model's outputs.\n\n");
  absl::StrAppend(&card, "## How to use\n\n",
                  !mms.languages.empty() ? HowToUseLanguages(name, mms)
                  : report.classifier()  ? HowToUseClassifier(name)
                                         : HowToUse(name, ctc),
                  "\n", MmsSection(report, mms));
  if (!report.comparison_reason().empty()) {
    // The original counts a padded utterance's frames its own way (fairseq
    // HuBERT): say what that means for people batching audio.
    absl::StrAppend(
        &card,
        "## Padded batches\n\nThe original fairseq model and transformers "
        "count the valid frames of a padded utterance differently: ",
        report.comparison_reason(),
        ".\n\nOn unpadded input (one utterance at a time, or a batch of "
        "equal lengths) this model gives the original's outputs. In a padded "
        "batch transformers treats the last frame or two of each shorter "
        "utterance as padding where the original did not, so those "
        "utterances' outputs differ from what the original computed in that "
        "batch. The parity check below fed transformers a sample mask that "
        "gives the original's frame count.\n\n");
  }
  absl::string_view table = parity_markdown;
  absl::ConsumePrefix(&table, "# ");
  absl::StrAppend(&card, "## ", table, "\n");
  absl::StrAppend(&card,
                  "![Parity: max abs difference per utterance against "
                  "the tolerance](parity.svg)\n\n");
  absl::StrAppend(
      &card, "## Provenance\n\n- source checkpoint sha256: `",
      report.checkpoint_sha256(), "`\n- reference dataset sha256: `",
      report.dataset_sha256(), "`\n- converter: Fairport ", version,
      "\n- reference outputs: Fairport's LibTorch implementation of "
      "the fairseq forward pass on the original weights; parity: an "
      "independent implementation of transformers' forward pass on "
      "the files in this repository\n\nThe files are listed with "
      "their sha256 in `MANIFEST.json` and `SHA256SUMS`.\n");
  return card;
}

absl::Status Package() {
  const std::string name = absl::GetFlag(FLAGS_name);
  const std::string model_dir = ResolveUserPath(absl::GetFlag(FLAGS_model_dir));
  const std::string report_path =
      ResolveUserPath(absl::GetFlag(FLAGS_parity_report));
  ASSIGN_OR_RETURN(std::string report_json, ReadFile(report_path));
  ASSIGN_OR_RETURN(ParityReport report,
                   ParseParityReport(report_json, report_path));
  ASSIGN_OR_RETURN(std::string parity_markdown,
                   ReadFile(ReportMarkdownPath(report_path)));
  if (!report.passed()) {
    // The model card says the model was checked: only a passed report
    // gets a package. The failed report stays in <name>_parity.
    std::fputs(parity_markdown.c_str(), stdout);
    return absl::FailedPreconditionError(
        absl::StrCat(report_path, ": ", FailedParitySummary(report),
                     "; a model that failed its parity check is not packaged"));
  }
  ASSIGN_OR_RETURN(
      std::string version,
      ReadFile(ResolveUserPath(absl::GetFlag(FLAGS_version_file))));
  version = std::string(absl::StripAsciiWhitespace(version));
  ASSIGN_OR_RETURN(
      std::string versions_text,
      ReadFile(ResolveUserPath(absl::GetFlag(FLAGS_toolchain_versions))));
  nlohmann::json versions = ParseJson(versions_text);

  // name in the archive -> (source path on disk, or contents)
  std::map<std::string, std::pair<std::string, std::string>> files;
  DIR* dir = ::opendir(model_dir.c_str());
  if (dir == nullptr)
    return absl::NotFoundError(
        absl::StrCat(model_dir, ": cannot open the model directory"));
  while (dirent* e = ::readdir(dir)) {
    std::string entry = e->d_name;
    if (entry == "." || entry == "..") continue;
    // The Hub's layout: model files at the top, beside the card.
    files[entry] = {absl::StrCat(model_dir, "/", entry), ""};
  }
  ::closedir(dir);
  files["parity_report.json"] = {"", report_json};
  files["parity_report.md"] = {"", parity_markdown};
  files["parity.svg"] = {"", ParityPlot(report)};
  ASSIGN_OR_RETURN(Mms mms, ReadMms(model_dir, report));
  files["README.md"] = {"", ModelCard(name, absl::GetFlag(FLAGS_license),
                                      report, mms, parity_markdown, version)};

  ReleaseManifest manifest;
  manifest.set_fairport_version(version);
  manifest.set_checkpoint_sha256(report.checkpoint_sha256());
  manifest.set_dataset_sha256(report.dataset_sha256());
  if (versions.is_object()) {
    std::map<std::string, std::string> sorted;
    for (auto& [package, v] : versions.items())
      sorted[package] = v.is_string() ? v.get<std::string>() : DumpJson(v);
    for (const auto& [package, v] : sorted) {
      DebianPackage* p = manifest.add_debian_packages();
      p->set_name(package);
      p->set_version(v);
    }
  }
  std::string sums;
  for (const auto& [entry, source] : files) {
    PackagedFile* f = manifest.add_files();
    f->set_path(entry);
    if (source.first.empty()) {
      f->set_sha256(Sha256Hex(source.second));
      f->set_size(static_cast<int64_t>(source.second.size()));
    } else {
      ASSIGN_OR_RETURN(std::string digest, FileSha256(source.first));
      struct stat st;
      ::stat(source.first.c_str(), &st);
      f->set_sha256(digest);
      f->set_size(st.st_size);
    }
    absl::StrAppend(&sums, f->sha256(), "  ", entry, "\n");
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string manifest_json;
  (void)google::protobuf::util::MessageToJsonString(manifest, &manifest_json,
                                                    options);
  files["MANIFEST.json"] = {"", manifest_json};
  absl::StrAppend(&sums, Sha256Hex(manifest_json), "  MANIFEST.json\n");
  files["SHA256SUMS"] = {"", sums};

  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  const std::string partial = output + ".partial";
  RemoveOnInterrupt staged(partial);
  absl::Status written = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(TarGzWriter tar, TarGzWriter::Create(partial));
    for (const auto& [entry, source] : files) {
      const std::string path = absl::StrCat(name, "/", entry);
      RETURN_IF_ERROR(source.first.empty() ? tar.AddBytes(path, source.second)
                                           : tar.AddFile(path, source.first));
    }
    RETURN_IF_ERROR(tar.Finish());
    return staged.Publish([&] {
      if (std::rename(partial.c_str(), output.c_str()) != 0) {
        return absl::InternalError(
            absl::StrCat(output, ": cannot move into place"));
      }
      return absl::OkStatus();
    });
  }();
  if (!written.ok()) {
    std::remove(partial.c_str());
    return written;
  }
  std::printf("package: %s (%d files, parity passed)\n", output.c_str(),
              static_cast<int>(files.size()));
  return absl::OkStatus();
}

}  // namespace
}  // namespace fairport

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  std::vector<std::string> rest =
      ParseFlagsOrExit(argc, argv,
                       "package --name=NAME --model_dir=DIR "
                       "--parity_report=parity.json --output=NAME.tar.gz ...");
  if (!rest.empty())
    ExitBadUsage(absl::StrCat("unexpected argument '", rest[0], "'"));
  if (absl::GetFlag(FLAGS_name).empty() ||
      absl::GetFlag(FLAGS_model_dir).empty() ||
      absl::GetFlag(FLAGS_parity_report).empty() ||
      absl::GetFlag(FLAGS_output).empty() ||
      absl::GetFlag(FLAGS_version_file).empty() ||
      absl::GetFlag(FLAGS_toolchain_versions).empty()) {
    ExitBadUsage(
        "--name, --model_dir, --parity_report, --version_file, "
        "--toolchain_versions and --output are required");
  }
  absl::Status status = Package();
  return status.ok() ? 0 : ReportError(status);
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
