"""Model batches whose shape depends only on each text, so a text's numbers never depend on its company.

A forward pass's float sums follow the tensor's shape: padding a text to a longer batch-mate, or running
it in a batch of 3 rows rather than 16, moves its vector in the 7th decimal, so a resumed run (which
batches differently) or a cache filled by another run gave different numbers. Here every text is padded
to its own length rounded up to a fixed step, and every batch has exactly `rows` rows (short ones are
filled with copies of their last row, whose outputs are dropped): the same text always meets the same
shapes. Sorting by length first keeps the padding and the filler rows few.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

STEP = 8  # word pieces; a text is padded to its length rounded up to a multiple of this


def padded_length(length: int, limit: int) -> int:
    """The length a text of `length` word pieces is padded to: fixed by its own length alone."""
    return max(length, min(-(-length // STEP) * STEP, limit))


def plan(lengths: Sequence[int], rows: int, limit: int) -> Iterator[tuple[list[int], int]]:
    """Groups of at most `rows` indices that share a padded length, with that length, longest first."""
    by_length: dict[int, list[int]] = {}
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        by_length.setdefault(padded_length(lengths[i], limit), []).append(i)
    for length, members in by_length.items():
        for start in range(0, len(members), rows):
            yield members[start : start + rows], length


def fix_shape(features: dict[str, Any], rows: int, length: int, pad_id: int) -> dict[str, Any]:
    """Tokenizer output padded to exactly `rows` x `length` (ids with `pad_id`, masks and types with 0)."""
    import torch

    out = {}
    for key, tensor in features.items():
        if not isinstance(tensor, torch.Tensor) or tensor.dim() != 2:
            out[key] = tensor
            continue
        pad = pad_id if key == "input_ids" else 0
        wider = torch.nn.functional.pad(tensor, (0, length - tensor.shape[1]), value=pad)
        filler = wider[-1:].expand(rows - wider.shape[0], -1)
        out[key] = torch.cat([wider, filler])
    return out
