"""Token counts of closed API models (Claude, Gemini), asked of each vendor's own count endpoint.

Anthropic and Google publish no tokenizer for their current models. With the user's API key the lab
asks their official SDKs, one request per document:

- Anthropic: ``Anthropic(api_key=…, base_url=…, max_retries=0).messages.count_tokens(model=…,
  messages=[{"role": "user", "content": text}]).input_tokens`` (POST /v1/messages/count_tokens);
- Google: ``genai.Client(api_key=…, http_options=HttpOptions(base_url=…, retry_options=one attempt))
  .models.count_tokens(model=…, contents=text).total_tokens`` (POST /{version}/models/M:countTokens,
  the version being the SDK's choice: v1 in google-genai 3.6, v1beta in older releases).

A count is what the vendor reports for the whole request, so it includes the vendor's fixed framing
of one user message: on very short documents that constant pulls premiums towards 1.

The SDKs' own retries are off: this module retries HTTP 429, 5xx, timeouts and dropped connections
with exponential backoff (a `retry-after` header wins when it asks for longer), one policy for both
vendors, testable with an injected `sleep`. Every count is appended to a JSON-lines cache the moment
it arrives, keyed by vendor, model and the sha256 of the exact text sent: an interrupted run resumes
where it stopped, and a count never answers for another model or an edited text.

Counts can be shared offline as a counts file (`write_counts_file` / `read_counts_file`), so a person
without a key can reproduce the premiums of someone with one.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from toklab.cache import CacheWarning, cache_dir_or_none
from toklab.errors import CorpusError, SpecError, ToklabError
from toklab.paths import short_hash
from toklab.signature import Signature


class VendorError(ToklabError):
    """A vendor's count endpoint did not give a count."""


class VendorKeyError(VendorError, SpecError):
    """No API key for the vendor a model belongs to."""


class VendorRejectedError(VendorError):
    """The vendor refused the request (bad key, unknown model): retrying cannot help."""


class VendorUnavailableError(VendorError):
    """The vendor kept failing (rate limits, server errors, dropped connections) past the retries."""

    exit_code = 5


@dataclasses.dataclass(frozen=True)
class Vendor:
    name: str                  # "anthropic" / "google": the first part of every count's signature
    prefix: str                # model names that go to this vendor
    key_vars: tuple[str, ...]  # environment variables holding the key, first set wins
    base_url_var: str          # environment variable that points the SDK at a proxy or a test server
    package: str               # the SDK's distribution name (its version goes into the signature)


VENDORS = {
    "anthropic": Vendor("anthropic", "claude-", ("ANTHROPIC_API_KEY",), "ANTHROPIC_BASE_URL", "anthropic"),
    # GOOGLE_API_KEY first: the SDK itself prefers it when both are set.
    "google": Vendor("google", "gemini-", ("GOOGLE_API_KEY", "GEMINI_API_KEY"), "GOOGLE_GEMINI_BASE_URL",
                     "google-genai"),
}

MAX_BACKOFF = 60.0       # seconds: the exponential backoff stops growing here
MAX_RETRY_AFTER = 600.0  # seconds: a longer retry-after is treated as this, never as a hang


def vendor_for(model: str) -> Vendor:
    for vendor in VENDORS.values():
        if model.startswith(vendor.prefix):
            return vendor
    known = ", ".join(f"{v.prefix}* ({v.name})" for v in VENDORS.values())
    raise SpecError(f"model {model!r} has no vendor count endpoint here: only {known} are counted online "
                    "(models with a public tokenizer are counted locally by their tokenizer spec)")


def signature(model: str) -> Signature:
    """`counted:anthropic/claude-…|sdk:anthropic X.Y.Z`: who counted, and through which SDK."""
    from importlib import metadata

    vendor = vendor_for(model)
    try:
        version = metadata.version(vendor.package)
    except metadata.PackageNotFoundError:
        version = "not-installed"
    return Signature.of(("counted", f"{vendor.name}/{model}"), ("sdk", f"{vendor.package} {version}"))


def sample_doc_ids(doc_ids, per_language: int, seed: int) -> list:
    """`per_language` document ids drawn without replacement, sorted; all of them when there are fewer.

    The draw depends only on the set of ids and the seed (not on their order or repetition), so
    filtering every language of a parallel corpus by it keeps the same documents everywhere (paired).
    Pass ids that every language has, e.g. the pivot's.

    >>> sample_doc_ids([5, 1, 3, 1, 9], per_language=2, seed=0) == sample_doc_ids([9, 3, 1, 5], 2, 0)
    True
    """
    if per_language < 1:
        raise SpecError(f"sample of {per_language} documents per language: ask for at least 1")
    ids = sorted(set(doc_ids))
    if per_language >= len(ids):
        return ids
    picked = np.random.default_rng(seed).choice(len(ids), size=per_language, replace=False)
    return [ids[i] for i in sorted(picked)]


# ---------------------------------------------------------------- counting through the vendors' SDKs


def count_documents(model: str, docs: pl.DataFrame, *, api_key: str | None = None, base_url: str | None = None,
                    progress: Callable[[], None] | None = None, max_attempts: int = 6, backoff_base: float = 1.0,
                    sleep: Callable[[float], None] = time.sleep, timeout: float = 60.0) -> pl.DataFrame:
    """Tokens of every document (`doc_id`, `lang`, `text`) under `model`, counted by its vendor.

    Returns `doc_id, lang, model, tokens` in the order of `docs`. Counts already in the cache are not
    requested again (identical texts are requested once), so no key is needed when all are cached.
    `progress` is called once per document of `docs`.
    """
    vendor = vendor_for(model)
    _check_request(docs, max_attempts)
    cache, sig = _CountCache(vendor.name, model), signature(model)
    hashes = [text_sha256(text) for text in docs["text"]]
    counter = None
    for text, digest in zip(docs["text"], hashes):
        if cache.get(digest) is None:
            counter = counter or _make_counter(vendor, model, api_key, base_url, timeout)
            try:
                tokens = _with_retries(counter, text, vendor, model, max_attempts, backoff_base, sleep)
            except _GaveUp as gave_up:
                done = sum(cache.get(h) is not None for h in hashes)
                raise VendorUnavailableError(
                    f"{vendor.name} gave no count for {model} after {max_attempts} attempts (last: {gave_up}); "
                    f"{done} of {len(hashes)} documents are counted and cached: rerun to resume from there") from None
            cache.add(digest, tokens, sig)
        if progress is not None:
            progress()
    return docs.select("doc_id", "lang").with_columns(
        model=pl.lit(model), tokens=pl.Series([cache.get(h) for h in hashes], dtype=pl.Int64))


def _check_request(docs: pl.DataFrame, max_attempts: int) -> None:
    if max_attempts < 1:
        raise SpecError(f"max_attempts {max_attempts}: a document needs at least 1 attempt (default 6)")
    missing = [c for c in ("doc_id", "lang", "text") if c not in docs.columns]
    if missing:
        raise CorpusError(f"documents to count lack column(s) {', '.join(missing)} (need doc_id, lang, text)")
    if docs["text"].null_count():
        raise CorpusError(f"{docs['text'].null_count()} document(s) to count have no text (null): drop them first")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class _Failure:
    """One failed request: its HTTP status (None when no answer came: dropped connection, timeout)."""

    status: int | None
    retry_after: float | None
    detail: str

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in (408, 429) or self.status >= 500

    def describe(self) -> str:
        what = "no answer (connection dropped or timed out)" if self.status is None else f"HTTP {self.status}"
        return f"{what}: {self.detail}" if self.detail else what


class _GaveUp(Exception):
    """Every attempt at one document failed with a retryable failure (its text: the last one)."""


def _with_retries(counter, text: str, vendor: Vendor, model: str, max_attempts: int, backoff_base: float,
                  sleep) -> int:
    for attempt in range(1, max_attempts + 1):
        try:
            return counter.count(text)
        except Exception as exc:  # noqa: BLE001 — classified below; anything unknown is re-raised
            failure = counter.failure(exc)
            if failure is None:
                raise
        if not failure.retryable:
            raise _rejected(failure, vendor, model)
        if attempt < max_attempts:
            sleep(_delay(attempt, backoff_base, failure.retry_after))
    raise _GaveUp(failure.describe())


def _delay(attempt: int, backoff_base: float, retry_after: float | None) -> float:
    backoff = min(backoff_base * 2 ** (attempt - 1), MAX_BACKOFF)
    return max(backoff, min(retry_after, MAX_RETRY_AFTER)) if retry_after is not None else backoff


def _rejected(failure: _Failure, vendor: Vendor, model: str) -> VendorRejectedError:
    # Google answers a bad key with HTTP 400 "API key not valid", not 401.
    if failure.status in (401, 403) or "api key" in failure.detail.lower():
        return VendorRejectedError(f"{vendor.name} rejected the API key ({failure.describe()}): "
                                   f"check {' or '.join(vendor.key_vars)}")
    return VendorRejectedError(f"{vendor.name} refused to count tokens for model {model!r} ({failure.describe()}): "
                               "check the model name against the vendor's model list")


def _api_key(vendor: Vendor, api_key: str | None) -> str:
    key = api_key or next((os.environ[v] for v in vendor.key_vars if os.environ.get(v)), None)
    if not key:
        raise VendorKeyError(
            f"counting tokens with {vendor.name} needs an API key: set {' or '.join(vendor.key_vars)}. Without a key "
            "the premium uses the labelled stand-in encoding; someone with a key can share the counts as a counts "
            "file (CSV doc_id,lang,model,tokens) to read instead")
    return key


def _make_counter(vendor: Vendor, model: str, api_key: str | None, base_url: str | None, timeout: float):
    key = _api_key(vendor, api_key)
    base_url = base_url or os.environ.get(vendor.base_url_var) or None
    try:
        return _COUNTERS[vendor.name](model, key, base_url, timeout)
    except ImportError as exc:
        raise VendorError(f"counting with {vendor.name} needs its SDK ({exc.name} is not installed): "
                          f"pip install {vendor.package}") from None


class _AnthropicCounter:
    def __init__(self, model: str, key: str, base_url: str | None, timeout: float):
        import anthropic

        self.model, self.errors = model, anthropic
        self.client = anthropic.Anthropic(api_key=key, base_url=base_url, max_retries=0, timeout=timeout)

    def count(self, text: str) -> int:
        reply = self.client.messages.count_tokens(model=self.model, messages=[{"role": "user", "content": text}])
        return int(reply.input_tokens)

    def failure(self, exc: Exception) -> _Failure | None:
        if isinstance(exc, self.errors.APIStatusError):
            detail = getattr(exc, "api_message", None) or exc.message
            return _Failure(exc.status_code, _retry_after(exc.response.headers), _one_line(detail))
        if isinstance(exc, self.errors.APIConnectionError):  # includes timeouts
            return _Failure(None, None, _one_line(str(exc.__cause__ or exc)))
        return None


class _GoogleCounter:
    def __init__(self, model: str, key: str, base_url: str | None, timeout: float):
        from google import genai
        from google.genai import errors

        self.model, self.errors = model, errors
        options = genai.types.HttpOptions(base_url=base_url, timeout=int(timeout * 1000),
                                          retry_options=genai.types.HttpRetryOptions(attempts=1))
        # vertexai=False: the Gemini API key endpoint, whatever GOOGLE_GENAI_USE_VERTEXAI says.
        self.client = genai.Client(api_key=key, vertexai=False, http_options=options)

    def count(self, text: str) -> int:
        # The JSON of a protobuf leaves out zeros: no totalTokens means 0 tokens.
        return int(self.client.models.count_tokens(model=self.model, contents=text).total_tokens or 0)

    def failure(self, exc: Exception) -> _Failure | None:
        if isinstance(exc, self.errors.APIError):
            headers = getattr(exc.response, "headers", None) or {}
            return _Failure(exc.code, _retry_after(headers), _one_line(exc.message or exc.status or ""))
        if isinstance(exc, _transport_errors()):  # the SDK lets httpx's own errors through
            return _Failure(None, None, _one_line(f"{type(exc).__name__}: {exc}"))
        return None


_COUNTERS = {"anthropic": _AnthropicCounter, "google": _GoogleCounter}


def _transport_errors() -> tuple[type, ...]:
    found = []
    for module in ("httpx", "httpx2"):  # google-genai runs on either
        try:
            found.append(__import__(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(found)


def _retry_after(headers) -> float | None:
    """Seconds the server asks to wait: `retry-after-ms`, `retry-after` in seconds or as an HTTP date."""
    try:
        if headers.get("retry-after-ms"):
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return max(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, OverflowError):
        return None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- the resumable cache of counts


class _CountCache:
    """Counts received for one (vendor, model): sha256 of the text → tokens.

    Kept in `$TOKLAB_HOME/vendor_counts/<vendor>-<hash of model>.jsonl`, one record a line, each
    carrying the vendor, model and text hash it answers for and a checksum of itself. A line that
    fails any check (a torn last line after a crash, an edit) is ignored, so that text is counted again.
    """

    def __init__(self, vendor: str, model: str):
        self.vendor, self.model = vendor, model
        folder = cache_dir_or_none("vendor_counts")
        self.path = None if folder is None else folder / f"{vendor}-{short_hash(model)}.jsonl"
        self.counts: dict[str, int] = self._load() if self.path is not None else {}

    def get(self, digest: str) -> int | None:
        return self.counts.get(digest)

    def add(self, digest: str, tokens: int, sig: str) -> None:
        self.counts[digest] = tokens
        if self.path is None:
            return
        record = {"vendor": self.vendor, "model": self.model, "sha256": digest, "tokens": tokens, "signature": sig}
        line = json.dumps({**record, "check": _checksum(record)}, sort_keys=True, ensure_ascii=True) + "\n"
        try:
            self._append(line.encode("ascii"))
        except OSError as exc:
            warnings.warn(f"count cache {self.path} is not writable ({exc.strerror or exc}); counts of this run "
                          "are not kept (set TOKLAB_HOME to a writable directory)", CacheWarning, stacklevel=3)
            self.path = None

    def _append(self, data: bytes) -> None:
        # One write per record on an O_APPEND descriptor: a crash leaves at most one torn last line,
        # which a newline here keeps from swallowing the next record.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and _last_byte(self.path, size) != b"\n":
                data = b"\n" + data
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _load(self) -> dict[str, int]:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError:  # absent or unreadable: everything is counted again
            return {}
        counts, damaged = {}, 0
        for number, raw in enumerate(lines, start=1):
            record = _verified(raw, self.vendor, self.model)
            if record is not None:
                counts[record["sha256"]] = record["tokens"]
            elif raw.strip() and number < len(lines):  # the final piece may be torn: not worth a warning
                damaged += 1
        if damaged:
            warnings.warn(f"count cache {self.path}: {damaged} damaged line(s) ignored, those texts are counted "
                          "again", CacheWarning, stacklevel=3)
        return counts


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)


def _checksum(record: dict) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16]


def _verified(raw: bytes, vendor: str, model: str) -> dict | None:
    """The record on one cache line, or None unless it is intact and answers for this vendor and model."""
    try:
        record = json.loads(raw)
        check = record.pop("check")
    except (ValueError, AttributeError, KeyError, TypeError):
        return None
    tokens = record.get("tokens")
    ok = (check == _checksum(record) and record.get("vendor") == vendor and record.get("model") == model
          and isinstance(record.get("sha256"), str) and len(record["sha256"]) == 64
          and type(tokens) is int and tokens >= 0)
    return record if ok else None
