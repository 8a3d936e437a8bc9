"""Spec strings: `scheme:target?key=value&…`, parsed into a frozen, canonical value.

The canonical string (sorted params, defaults dropped) is the memo key, the cache key and the
first field of every signature, so two spellings of the same request share results.

>>> Spec.parse("train:bpe?vocab=8000&corpus=flores200").canonical
'train:bpe?corpus=flores200&vocab=8000'
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, unquote

from toklab.errors import SpecError


@dataclasses.dataclass(frozen=True)
class Spec:
    scheme: str
    target: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str, *, default_scheme: str | None = None) -> "Spec":
        text = text.strip()
        if not text:
            raise SpecError("empty spec; write it as scheme:target, e.g. tiktoken:o200k_base")
        head, _, query = text.partition("?")
        scheme, sep, target = head.partition(":")
        if not sep:
            if default_scheme is None:
                scheme, target = head, ""
            else:
                scheme, target = default_scheme, head
        params = _parse_query(query)
        for key, _value in params:
            if not key:
                raise SpecError(f"spec {text!r}: empty parameter name in {query!r}")
        keys = [k for k, _ in params]
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            raise SpecError(f"spec {text!r}: parameter {duplicated[0]!r} given twice")
        return cls(scheme.strip().lower(), target.strip(), tuple(sorted(params)))

    def check_keys(self, allowed: set[str] | frozenset[str], what: str) -> "Spec":
        """Refuse a parameter this scheme does not read (a typo would silently change a result).

        A nested spec with several parameters (a corpus inside a `train:` spec) must be
        percent-encoded, e.g. `corpus=flores200%3Fsplit%3Ddev%26langs%3Deng_Latn`: written raw,
        its later parameters would be read as the outer spec's, so they are refused here.
        """
        from toklab.suggest import nearest

        for key, _value in self.params:
            if key not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise SpecError(f"{what} {self.scheme}: unknown parameter {key!r} (known: {known})"
                                + nearest(key, allowed) + self._nesting_hint(key))
        return self

    def _nesting_hint(self, key: str) -> str:
        nested = [k for k, v in self.params if "?" in v]
        if not nested:
            return ""
        inner = f"{self.get(nested[0])}&{key}={self.get(key)}"
        return (f"; if {key!r} belongs to the spec inside {nested[0]!r}, percent-encode that spec "
                f"(? → %3F, = → %3D, & → %26), e.g. {nested[0]}={quote(inner, safe='/:,.')}")

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.params).get(key, default)

    def without_defaults(self, defaults: dict[str, str]) -> "Spec":
        kept = tuple((k, v) for k, v in self.params if defaults.get(k) != v)
        return dataclasses.replace(self, params=kept)

    def with_params(self, **updates: str) -> "Spec":
        merged = dict(self.params) | updates
        return dataclasses.replace(self, params=tuple(sorted(merged.items())))

    @property
    def canonical(self) -> str:
        head = f"{self.scheme}:{self.target}" if self.target else self.scheme
        if not self.params:
            return head
        query = "&".join(f"{k}={quote(v, safe='/:.,+-_')}" for k, v in self.params)
        return f"{head}?{query}"

    def __str__(self) -> str:
        return self.canonical


def _parse_query(query: str) -> list[tuple[str, str]]:
    """`a=1&b=x+y` → [("a", "1"), ("b", "x+y")]; `+` stays a plus (it joins splits)."""
    pairs = []
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        pairs.append((unquote(key).strip(), unquote(value).strip()))
    return pairs
