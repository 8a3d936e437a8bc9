"""`toklab parity` — classical vs parity-aware BPE trained at the same vocabulary."""

from __future__ import annotations

import click

from toklab.cli.options import format_option, output_option
from toklab.cli.render import frame_table, signature_line, stdout_console, write_frame


@click.command("parity")
@click.option("--vocab", type=click.IntRange(min=300), default=16000, show_default=True,
              help="Vocabulary size of both tokenizers.")
@click.option("--train-corpus", default="flores200?split=dev", show_default=True)
@click.option("--eval-corpus", default="flores200?split=devtest", show_default=True)
@click.option("--pivot", default="eng_Latn", show_default=True)
@format_option
@output_option
def parity_cmd(vocab, train_corpus, eval_corpus, pivot, fmt, output) -> None:
    """Classical vs parity-aware byte-level BPE at the same vocabulary: equality vs compression.

    \b
    Example: toklab parity --vocab 16000       # train on FLORES dev, audit on devtest
    """
    from toklab.cli.progress import TrainingProgress
    from toklab.premium.parity import compare_parity

    with TrainingProgress() as progress:  # tokenizer training reports no steps: the bar shows elapsed time
        table, result = compare_parity(vocab, train_corpus, eval_corpus, pivot, progress=progress.log)
    if fmt != "table":
        write_frame(result.rows, fmt, output, result.signature)
        return
    console = stdout_console()
    console.print(frame_table(table, title=f"Parity-aware vs classical BPE, vocab {vocab}: trained on "
                                           f"{train_corpus}, audited on {eval_corpus}"))
    signature_line(console, result.signature)
