"""Learned (hnet) and ruled (spacebyte) boundaries: causality of every prediction and of the
boundaries themselves, at every target length and at lengths that are not multiples of it; the
check fails on variants made to leak; the smoothing, the rule, the ratio loss, learning, exact
resume, parameter matching and the FLOP count."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import byte_model.chunked as chunked
from byte_model import config as C
from byte_model.architectures import build_model, describe, matched, non_embedding_parameters
from byte_model.train import Trainer
from tests.conftest import assert_resume_is_bit_exact, run_cli
from tests.test_shortened import leaks as exact_leaks

SMALL = C.ModelConfig(d_model=32, n_layer=2, n_head=2, ctx=24, ngram_buckets=64, local_window=5)
CHUNKED = ("hnet", "spacebyte")


def random_model(arch: str, rate: int = 4, seed: int = 0) -> torch.nn.Module:
    """Weights drawn large and everywhere, so every path (the router included) carries signal."""
    torch.manual_seed(seed)
    model = build_model(dataclasses.replace(SMALL, arch=arch, rate=rate))
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.3)
    return model.eval()


def leaks(model, length: int = 23) -> list[tuple[int, float]]:
    """The shortened models' check, in float64 and above 1e-9. The deep stack's length is the
    batch's most chunks, so editing a late byte can change it and with it the order of float
    sums (2e-6 in float32); in float64 that noise is ~1e-15, and a real leak is ~0.1."""
    return [(t, change) for t, change in exact_leaks(model.double(), length) if change > 1e-9]


def spacey_bytes(length: int, seed: int = 1) -> torch.Tensor:
    """Letters, spaces, punctuation and multi-byte characters, so the rule cuts often and unevenly."""
    pool = list(b"abcdefghij ,.") + list("é".encode()) + list("한".encode())
    g = torch.Generator().manual_seed(seed)
    return torch.tensor(pool)[torch.randint(0, len(pool), (2, length), generator=g)]


def boundary_leaks(model, x: torch.Tensor) -> list[int]:
    """Every t where editing byte t changed a boundary decision at a byte before t."""
    reference = model.boundaries(x)
    found = []
    for t in range(1, x.size(1)):
        edited = x.clone()
        edited[:, t] = (edited[:, t] + 101) % 256
        if not torch.equal(model.boundaries(edited)[:, :t], reference[:, :t]):
            found.append(t)
    return found


@pytest.mark.parametrize("arch", CHUNKED)
@pytest.mark.parametrize("rate", [2, 3, 4, 5, 8])  # at 5 and 8 the deep stack is full (capacity 10 and 6)
@pytest.mark.parametrize("length", [23, 24, 9])  # 23 and 9 are no multiple of any rate but 3 (9)
def test_no_prediction_and_no_boundary_sees_a_later_byte(arch, rate, length):
    model = random_model(arch, rate)
    assert leaks(model, length) == []
    assert boundary_leaks(model, spacey_bytes(length)) == []
    assert boundary_leaks(model, torch.randint(0, 256, (2, length), generator=torch.Generator().manual_seed(2))) == []


def test_the_boundaries_vary_so_the_causality_check_means_something():
    for arch, x in (("hnet", torch.randint(0, 256, (2, 24), generator=torch.Generator().manual_seed(3))),
                    ("spacebyte", spacey_bytes(24))):
        cuts = random_model(arch).boundaries(x)
        assert cuts[:, 0].all() and 3 < int(cuts.sum()) < 40, (arch, cuts)


def test_the_check_catches_a_router_that_looks_ahead(monkeypatch):
    honest = chunked.Chunked.boundary_probability

    def peeking(self, fine):  # byte t's probability is the one byte t + 1 would get
        p = honest(self, fine)
        return torch.cat([p[:, :1], p[:, 2:], torch.ones_like(p[:, :1])], dim=1)

    monkeypatch.setattr(chunked.Chunked, "boundary_probability", peeking)
    model = random_model("hnet")
    assert leaks(model) and boundary_leaks(model, torch.randint(0, 256, (2, 23)))


def test_the_check_catches_a_rule_that_looks_ahead(monkeypatch):
    def before_a_space(idx):  # cut where the *next* byte is space-like
        cut = torch.nn.functional.pad(chunked.spacelike(idx)[:, 1:], (0, 1), value=False)
        cut[:, 0] = True
        return cut

    monkeypatch.setattr(chunked, "space_boundaries", before_a_space)
    model = random_model("spacebyte")
    assert boundary_leaks(model, spacey_bytes(23))
    x = spacey_bytes(23)
    with torch.no_grad():
        reference = model(x)
        changed = []
        for t in range(1, 23):
            edited = x.clone()
            edited[:, t] = ord(" ") if x[0, t] != ord(" ") else ord("a")
            changed.append((model(edited)[:, :t] - reference[:, :t]).abs().max().item())
    assert max(changed) > 0


def test_the_check_catches_bytes_that_read_the_next_chunk(monkeypatch):
    real = chunked.first_positions

    def next_chunk(boundary, capacity):
        starts, chunk_of = real(boundary, capacity)
        return starts, (chunk_of + 1).clamp(max=starts.size(1) - 1)

    monkeypatch.setattr(chunked, "first_positions", next_chunk)
    assert leaks(random_model("spacebyte"))


def test_a_full_deep_stack_keeps_the_first_boundaries():
    cut = torch.tensor([[True, False, True, True, False, True, True]])
    assert chunked.kept(cut, 3).tolist() == [[True, False, True, True, False, False, False]]
    starts, chunk_of = chunked.first_positions(chunked.kept(cut, 3), 3)
    assert starts.tolist() == [[0, 2, 3]] and chunk_of.tolist() == [[0, 0, 1, 2, 2, 2, 2]]
    model = random_model("hnet", rate=8)  # capacity 2 · 24 / 8 = 6 chunks
    cuts = model.boundaries(torch.randint(0, 256, (4, 24), generator=torch.Generator().manual_seed(5)))
    assert (cuts.sum(1) <= 6).all() and (cuts.sum(1) == 6).any()


def test_spacebyte_rule_cuts_at_the_first_space_after_a_word():
    text = "ab  cd,ef 한국"
    ids = torch.tensor([list(text.encode())])
    cut = chunked.space_boundaries(ids)[0].tolist()
    starts = [i for i, c in enumerate(cut) if c]
    # byte 0; the first of two spaces; the comma; the space; each Hangul lead byte (space-like
    # as a non-ASCII byte that is not a continuation) after a byte that is not space-like
    assert starts == [0, 2, 6, 9, 13]


def test_smoothing_is_the_moving_average_it_claims():
    torch.manual_seed(0)
    z = torch.randn(2, 7, 3)
    p = torch.rand(2, 7).clamp(min=0.05)
    p[:, 0] = 1.0
    expected = torch.empty_like(z)
    for n in range(7):
        previous = expected[:, n - 1] if n else torch.zeros_like(z[:, 0])
        expected[:, n] = p[:, n, None] * z[:, n] + (1 - p[:, n, None]) * previous
    assert torch.allclose(chunked.moving_average(z, p), expected, atol=1e-5)


def test_ratio_loss_is_least_at_the_target_share():
    model = build_model(dataclasses.replace(SMALL, arch="hnet", rate=4))
    at = {}
    for share in (0.1, 0.25, 0.5):
        boundary = torch.rand(1, 4000, generator=torch.Generator().manual_seed(0)) < share
        at[share] = float(model.ratio_loss_of(boundary, boundary.float()))
    assert at[0.25] < at[0.1] and at[0.25] < at[0.5]
    assert at[0.25] == pytest.approx(1.0, abs=0.02)  # F = G = 1/N gives exactly 1


@pytest.mark.parametrize("arch", CHUNKED)
def test_any_length_up_to_ctx_and_gradients_reach_the_router(arch):
    model = random_model(arch).train()
    for length in (1, 2, 3, 5, 9, 23, 24):
        out = model(torch.randint(0, 256, (3, length)))
        assert out.shape == (3, length, SMALL.vocab_size) and torch.isfinite(out).all()
    out = model(torch.randint(0, 256, (3, 24)))
    (out.logsumexp(-1).mean() + model.auxiliary_loss()).backward()
    if arch == "hnet":
        assert model.route_q.weight.grad.abs().sum() > 0 and model.route_k.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("preset", ["cpu", "gpu"])
@pytest.mark.parametrize("arch, rate", [("hnet", 3), ("hnet", 4), ("hnet", 6), ("spacebyte", 4)])
def test_matched_to_the_plain_model_exactly(preset, arch, rate):
    plain = C.PRESETS[preset][0]
    assert non_embedding_parameters(matched(plain, arch, rate)) == non_embedding_parameters(plain)


def test_flops_follow_the_measured_chunk_length():
    cfg = matched(C.PRESETS["cpu"][0], "hnet", 4)
    model = build_model(cfg)
    long, short = model.flops_per_token(bytes_per_chunk=8), model.flops_per_token(bytes_per_chunk=2)
    assert long < model.flops_per_token() < short
    assert model.flops_per_token(bytes_per_chunk=4) == model.flops_per_token()
    assert describe(cfg)[1].startswith("hnet:L4,") and "ratio_loss0.03" in describe(cfg)[1]


@pytest.mark.parametrize("arch", CHUNKED)
def test_learns_and_resumes_bit_exactly(tiny_parallel, tmp_path, arch):
    model_cfg = dataclasses.replace(C.PRESETS["tiny"][0], arch=arch, rate=3, local_window=8)
    train_cfg = dataclasses.replace(C.PRESETS["tiny"][1], corpus=f"file:{tiny_parallel}", steps=30, compile="off",
                                    eval_every=0, checkpoint_every=4)
    trainer = Trainer(tmp_path / "learn", model_cfg, train_cfg)
    losses = [trainer.train_step() for _ in range(30)]
    assert sum(losses[-5:]) < sum(losses[:5])
    assert_resume_is_bit_exact(model_cfg, dataclasses.replace(train_cfg, steps=8), tmp_path)


def test_cli_trains_and_evaluates_an_hnet_model(tiny_parallel, tmp_path):
    run = tmp_path / "run"
    result = run_cli("byte", "train", "--preset", "tiny", "--steps", "4", "--set", "arch=hnet", "--set", "rate=3",
                     "--set", f"corpus=file:{tiny_parallel}", "--out", str(run))
    assert result.exit_code == 0, result.output
    evaluated = run_cli("byte", "eval", str(run), "--corpus", f"file:{tiny_parallel}", width=150)
    assert evaluated.exit_code == 0, evaluated.output
    assert "arch:hnet:L3" in evaluated.output.replace("\n", "")


def test_hnet_needs_a_target_of_two_bytes_or_more(tmp_path):
    result = run_cli("byte", "train", "--preset", "tiny", "--steps", "1", "--set", "arch=hnet", "--set", "rate=1",
                     "--out", str(tmp_path / "run"))
    assert result.exit_code != 0 and "rate=1" in result.output and "Traceback" not in result.output
