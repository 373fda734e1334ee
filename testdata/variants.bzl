"""The fixtures with a directory transformers' own scripts wrote for them."""

# testdata/<variant>/checkpoint.pt, testdata/hf_reference/<variant>/.
HF_REFERENCE_VARIANTS = [
    "pretrained",
    "finetuned",
    "finetuned_fp16",
    "finetuned_legacy_args",
    "pretrained_even_kernel",
    "wav2vec2_pretrained",
    "wav2vec2_finetuned",
    "wav2vec2_finetuned_lnf",
    "hubert_pretrained",
    "hubert_finetuned",
    "conformer_relpos_pretrained",
    "conformer_relpos_ctc",
    "conformer_relpos_ctc_fp16",
    "conformer_rope_ctc",
    "conformer_rope_ctc_fp16",
    "mms_adapter_ctc",
    "mms_adapter_subset",
    "mms_adapter_merged",
    "mms_lid",
]

# The languages (corpus keys) of the fixtures with per-language adapters:
# an audit checks each one's adapter file.
HF_REFERENCE_LANGUAGES = {
    "mms_adapter_ctc": ["eng", "fra", "yor"],
    "mms_adapter_subset": ["deu", "swh"],
    "mms_adapter_merged": ["eng", "fra", "yor"],
}
