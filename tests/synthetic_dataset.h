// The synthetic utterances (datasets/synthetic.h) as a Dataset of WAV
// files in the test's temporary directory, as a user's audio would be.
#ifndef FAIRPORT_TESTS_SYNTHETIC_DATASET_H_
#define FAIRPORT_TESTS_SYNTHETIC_DATASET_H_

#include <sndfile.h>

#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/synthetic.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport::testing {

inline Dataset SyntheticDataset() {
  std::vector<std::string> files;
  for (const auto& [id, samples] : SyntheticUtterances()) {
    const std::string path = TempDir() + "/" + id + ".wav";
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    sf_writef_float(f, samples.data(), samples.size());
    sf_close(f);
    files.push_back(path);
  }
  absl::StatusOr<Dataset> dataset = LoadAudioFiles(files);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return *std::move(dataset);
}

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_SYNTHETIC_DATASET_H_
