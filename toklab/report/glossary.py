"""What a reader needs besides the numbers: every term the report uses, defined in words (with the
numbers that say how a figure is weighted), its limitations, and its sources. Generated from the
report's data, so a definition never describes a computation the report did not make.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from toklab.languages import language_name
from toklab.report.collect import CONTENT_TOKENS, ReportData, short_name
from toklab.report.lead import corpus_words, main_tokenizer, unit


@dataclasses.dataclass(frozen=True)
class Definition:
    key: str  # what `lead.Term` links to
    term: str
    text: str


@dataclasses.dataclass(frozen=True)
class Source:
    text: str
    url: str


def mix_words(data: ReportData) -> str:
    share_in, share_out = data.options.mix
    return f"{100 * share_in:g} % input and {100 * share_out:g} % output tokens"


def glossary(data: ReportData) -> list[Definition]:
    pivot = language_name(data.pivot)
    options = data.options
    out = [
        Definition("token", "Token", "The unit a language model reads and writes, and what an API bills: a word, a "
                   "piece of a word, or a few bytes of one character. A text that needs more tokens costs more, is "
                   "processed more slowly and fills more of the model's memory."),
        Definition("tokenizer", "Tokenizer", "The fixed procedure that cuts text into a model's tokens. Each model "
                   "family has its own, named here by its file (o200k_base is OpenAI's; llama-4 Meta's). The "
                   "mapping from each priced model to the tokenizer that counts it is in the Sources section."),
        Definition("premium", "Premium", f"How many tokens a language needs for the same content, relative to "
                   f"{pivot}: its tokens over all the {unit(data)} divided by {pivot}'s tokens on the same "
                   f"{unit(data)}. 1× costs the same as {pivot}; 2× needs twice the tokens — twice the price, and "
                   "half as much text in the same context window."),
        Definition("interval", "95 % interval", f"The range that would hold the premium in 95 of 100 repeats of the "
                   f"measurement with other {unit(data)}: the premium recomputed on {options.resamples:,} resamples "
                   f"of the {unit(data)}, drawn with replacement, the same {unit(data)} for the language and for "
                   f"{pivot} each time (paired bootstrap, seed {options.seed}). It measures only how much the "
                   f"choice of {unit(data)} matters (see Limitations)."),
        Definition("script", "Script", "The writing system a language is written in (Latin, Arabic, Devanagari, "
                   "Myanmar…). 'Myanmar script' is the script, not the country. Language and script names are "
                   "Unicode CLDR's English names (ISO 639-3's where CLDR has none)."),
        Definition("price", "Price for the same content", f"What an API bills for the content {pivot} says in "
                   f"{CONTENT_TOKENS:,} tokens: that many tokens times the language's premium, at the model's list "
                   f"price blended for {mix_words(data)} (no discounts, caching or batch prices)."),
        Definition("context", "Context window", f"The most tokens a model takes in one request. In a language with "
                   f"premium p it holds as much text as window ÷ p tokens of {pivot}: the 'context there'."),
        Definition("estimate", "Estimate (≈, italics, hollow marks)", "A number counted with a stand-in tokenizer "
                   "because the model's vendor does not publish its tokenizer (the stand-in and the reason are in "
                   "Sources), or, for characters lost, attributed to stages on a sample of the affected "
                   f"{unit(data)}. Priced from the vendor's own token counts, such a model is exact."),
        Definition("comparable", "Not comparable (†)", "More than 10 % of the language's characters became "
                   "'unknown' tokens: the tokenizer cannot write the language, so its premium understates the cost "
                   "and the text is lost."),
        Definition("byte-premium", "Byte premium", f"The same ratio for the text's UTF-8 bytes: what the text "
                   f"itself costs before any tokenizer. A model that reads bytes pays exactly this; a script whose "
                   f"characters take 3 bytes each (most of South and South-East Asia's) starts near 3× {pivot}."),
        Definition("chars-lost", "Characters lost", "The share of characters that do not come back when a text is "
                   "tokenized and decoded again (an exact round trip keeps all), attributed to the tokenizer's stage "
                   "that dropped them: unknown tokens, normalization (e.g. accents stripped), whitespace, "
                   "pre-tokenization, decoding."),
        glitch_definition(data),
        Definition("gini", "Gini", "How unequally the premium is spread over languages, each language counted "
                   "once: 0 when every language pays the same, nearer 1 the more the cost concentrates on few "
                   "languages (the Gini coefficient of the languages' premiums)."),
    ]
    if "bpb" in data.provenance:
        out.append(Definition("bpb", "Bits per byte", "How well a byte-level language model predicts the text: "
                              "the average information (bits) per UTF-8 byte; lower is better, and comparable across "
                              "languages and tokenizers because bytes are the same for all."))
        out.append(Definition("compute-premium", "Compute premium", "What the same sentences cost the byte model "
                              "in computation (forward FLOPs) against English: a byte model has no tokens to count, "
                              "so its premium hides in its compute — every byte is paid for at the byte-rate "
                              "layers, and each block or chunk it cuts at the deep ones. 1.50× means half as much "
                              "again; the interval resamples the sentences as the premium's does."))
    return out


def glitch_definition(data: ReportData) -> Definition:
    """Glitch exposure, with the numbers that show how its weighting reads."""
    tokenizer = main_tokenizer(data)
    rows = data.languages.filter(pl.col("tokenizer") == tokenizer)
    overall = data.summary.filter(pl.col("tokenizer") == tokenizer)["exposure"][0]
    median = rows["exposure"].median()
    fragments = (rows["fragment_share"] * rows["tokens"]).sum() / rows["tokens"].sum() if rows["tokens"].sum() else 0
    numbers = ""
    if overall is not None and median is not None:
        numbers = (f" Under {short_name(tokenizer)} the overall figure is {100 * overall:.1f} % — {100 * fragments:.1f} "
                   f"points of it byte fragments — while the median language's is {100 * median:.1f} %.")
    return Definition("glitch-exposure", "Glitch exposure", "The share of a language's tokens that are suspect: "
                      "byte fragments (tokens holding only part of one character's bytes: text the tokenizer "
                      "spells out byte by byte), tokens the tokenizer should never produce, and the "
                      f"{data.options.glitch_top:,} most suspicious tokens of the glitch ranking (tokens a model "
                      "may have seen too rarely in training to handle). The per-tokenizer figure counts every token "
                      "of every language, so it is dominated by the languages that need the most tokens, whose "
                      f"text is mostly byte fragments.{numbers}")


def limitations(data: ReportData) -> list[str]:
    pivot = language_name(data.pivot)
    flores = data.corpus.spec.scheme == "flores200"
    out = [
        f"The intervals cover only the choice of {unit(data)}. They do not cover the choices below, which can "
        "move a premium further than its interval.",
        ("The kind of text: FLORES-200 is general-interest prose (sentences from Wikinews, Wikijunior and "
         "Wikivoyage). Chat, code, legal or medical text, names and numbers split differently."
         if flores else "The kind of text: the premiums hold for this corpus; other kinds of text split differently."),
        (f"Translation: every language's text is a professional translation of the same {pivot} original. "
         "Translations run longer or shorter than text first written in a language, and the premium of "
         f"{pivot} itself is 1 by definition." if flores else
         f"Translation: the premium compares each language with {pivot} on parallel {unit(data)}; how they were "
         "translated moves it."),
        "Unicode normal form: the same words written in composed or decomposed characters (NFC, NFD) or with "
        "another spelling convention need different numbers of tokens.",
        "Speakers: every language counts once, whatever its number of speakers or users; the medians and the "
        "Gini describe languages, not people.",
        "Models counted with a stand-in tokenizer are estimates; their real tokenizers may differ in either "
        "direction." if any(p.estimate for p in data.prices) else "",
        f"Prices are list prices dated as shown per model (price data: {price_source(data)}); discounts, cached "
        "input, batch prices and long-prompt tiers are not applied, and output is assumed to need the same premium "
        "as input.",
        "Tokens measure cost and context, not quality: a language can be cheap and served badly, or dear and "
        "served well.",
    ]
    return [item for item in out if item]


def price_source(data: ReportData) -> str:
    from toklab.signature import Signature

    fields = dict(Signature.parse(data.price_snapshot).fields())
    source = fields.get("prices", "a price file").replace("_", " ")
    return f"{source}, data dated {fields['price_data_dated']}" if "price_data_dated" in fields else source


def sources(data: ReportData) -> list[Source]:
    from importlib.metadata import version

    out = []
    if data.corpus.spec.scheme == "flores200":
        out.append(Source("NLLB Team et al. (2022). No Language Left Behind: Scaling Human-Centered Machine "
                          "Translation. The FLORES-200 evaluation set, licensed CC BY-SA 4.0.",
                          "https://github.com/facebookresearch/flores/tree/main/flores200"))
    out += [
        Source("Petrov, La Malfa, Torr and Bibi (2023). Language Model Tokenizers Introduce Unfairness Between "
               "Languages. NeurIPS 2023.", "https://arxiv.org/abs/2305.15425"),
        Source("Ahia, Kumar, Gonen, Kasai, Mortensen, Smith and Tsvetkov (2023). Do All Languages Cost the Same? "
               "Tokenization in the Era of Commercial Language Models. EMNLP 2023.",
               "https://arxiv.org/abs/2305.13707"),
        Source(f"Prices: the genai-prices database ({price_source(data)}); each model's own source is in the table "
               "below.", "https://github.com/pydantic/genai-prices"),
        Source(f"Language and script names: Unicode CLDR through Babel {version('babel')}; ISO 639-3 through "
               f"pycountry {version('pycountry')}.", "https://cldr.unicode.org/"),
    ]
    return out


def corpus_sentence(data: ReportData) -> str:
    corpus = data.corpus
    return (f"{corpus_words(data)} ({corpus.spec.canonical}): {len(corpus.langs)} languages, "
            f"{corpus.frame.height:,} {unit(data)}, {corpus.n_bytes:,} bytes; content sha256 {corpus.content_hash}.")
