"""``dolma-tools tokens``: tokenize documents (e.g. a mix) into OLMo-style .npy token files (Dolma's keys)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class TokenizerConfig:
    name_or_path: str | None = option(None, "Path of a Hugging Face tokenizer.json (no downloads)")
    bos_token_id: int | None = option(None, "Token id prepended to every document")
    eos_token_id: int | None = option(None, "Token id appended to every document (OLMo training expects one)")
    pad_token_id: int | None = option(None, "Padding token id (recorded; token files are not padded)")
    segment_before_tokenization: bool = option(False, "Dolma option (accepted; documents are tokenized whole)")
    refresh: int = option(0, "Dolma option (accepted)")
    fast: bool = option(True, "Dolma option (accepted; the fast tokenizer is always used)")
    encode_special_tokens: bool = option(False, "Dolma option (accepted)")


@dataclass(kw_only=True)
class FieldsConfig:
    text_field_name: str = option("text", "Dolma option; only 'text' is supported", choices=("text",))
    text_field_type: str = option("str", "Dolma option (accepted)")
    id_field_name: str = option("id", "Dolma option; only 'id' is supported", choices=("id",))
    id_field_type: str = option("str", "Dolma option (accepted)")


@dataclass(kw_only=True)
class TokensConfig(RunOptions):
    documents: list[str] = option(help="Document files or globs, e.g. a mix: out/*.jsonl.gz")
    destination: str = option(help="Output folder for <input name>-NNNNN.npy / .csv.gz files")
    tokenizer: TokenizerConfig = option(TokenizerConfig(), "Tokenizer settings")
    tokenizer_name_or_path: str | None = option(None, "Deprecated Dolma spelling of tokenizer.name_or_path")
    dtype: str = option("auto", "Token dtype: auto (uint16 if the vocabulary fits, else uint32), uint16 or uint32")
    max_size: int = option(1 << 30, "Maximum size of one .npy file in bytes (documents that do not fit are split "
                           "into the next file)")
    batch_size: int = option(10_000, "Dolma option (accepted)")
    ring_size: int = option(8, "Dolma option (accepted)")
    files_per_process: int | None = option(None, "Dolma option (accepted)")
    sample_ring_prop: bool = option(False, "Dolma option (accepted)")
    seed: int = option(3920, "Dolma option (accepted; output order is the input order)")
    debug: bool = option(False, "Dolma option (accepted)")
    fields: FieldsConfig = option(FieldsConfig(), "Dolma field names")


def run(cfg: TokensConfig) -> int:
    from mixers.token_files import run_tokens

    return run_tokens(cfg)


COMMAND = register(
    Command(
        name="tokens",
        help="Tokenize documents into OLMo-style .npy token files",
        schema=TokensConfig,
        run=run,
        description="Writes raw memmap .npy token files (uint16 when the vocabulary fits, else uint32) and .csv.gz "
        "document tables (start,end,id,src,loc) from JSONL documents, one set of files per input, capped at "
        "--max-size bytes; long documents are split across files, never wrapped.",
        epilog="example:\n  dolma-tools tokens --documents 'mix/*.jsonl.gz' --destination tokens "
        "--tokenizer.name_or_path tokenizer.json --tokenizer.eos_token_id 0",
    )
)
