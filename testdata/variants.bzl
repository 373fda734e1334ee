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
]
