#!/usr/bin/env bash
# Regenerates the bundled default set: short English utterances spoken by
# Debian's espeak-ng (22.05 kHz) and resampled to 16 kHz mono 16-bit PCM by
# Debian's sox, then manifest.json with transcripts and sha256. Run once by
# hand (apt-get install espeak-ng sox); the outputs are committed, so the
# build never needs either tool.
set -euo pipefail
cd "$(dirname "$0")"
sentences=(
  "the quick brown fox jumps over the lazy dog"
  "speech models reach their users as checkpoints"
  "every weight is mapped exactly once"
  "hello world"
)
entries=()
for i in "${!sentences[@]}"; do
  id=$(printf 'utt%02d' "$i")
  espeak-ng -v en-us -s 150 -w "/tmp/${id}.22k.wav" "${sentences[$i]}"
  sox "/tmp/${id}.22k.wav" -r 16000 -c 1 -b 16 "${id}.wav"
  rm -f "/tmp/${id}.22k.wav"
  sha=$(sha256sum "${id}.wav" | cut -d' ' -f1)
  text=$(echo "${sentences[$i]}" | tr '[:lower:]' '[:upper:]')
  entries+=("    {\"id\": \"${id}\", \"audio\": \"${id}.wav\", \"text\": \"${text}\", \"sha256\": \"${sha}\"}")
done
{
  echo '{'
  echo '  "description": "espeak-ng en-us, resampled to 16 kHz mono 16-bit by sox",'
  echo '  "utterances": ['
  for i in "${!entries[@]}"; do
    sep=","
    (( i == ${#entries[@]} - 1 )) && sep=""
    echo "${entries[$i]}${sep}"
  done
  echo '  ]'
  echo '}'
} > manifest.json
