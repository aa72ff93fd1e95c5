"""Reading a prompt into an in-process llama.cpp context without re-reading what it already holds.

The YES/NO judgements send the same long opening many times (the verifier's worked examples, 480
tokens: 8 s on 2 cores), interleaved with other prompts (translations, the lead) that overwrite the
context. So the opening's key/value state is kept aside once read, only the sequence's own cells
(~11 MB for 480 tokens of the 1.5B model, not the whole context state with its logits, which
``Llama.save_state`` copies: hundreds of MB), and put back before the rest of the prompt is read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
import ctypes
from typing import Any

#: Openings kept (the verifier's is the one that matters; a few in case of others).
_KEPT = 4
#: Shorter openings are cheaper to read again than to keep.
_MIN_HEAD = 64


class PrefixStates:
    """The saved states of a few prompt openings, for one ``llama_cpp.Llama``."""

    def __init__(self) -> None:
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def read(self, llama: Any, tokens: Sequence[int], head: int = 0) -> None:
        """Evaluate ``tokens`` so that the next token's logits are the context's last row.

        Tokens already in the context (a common prefix with the previous prompt) are not read again;
        the first ``head`` tokens (an opening shared by many prompts) are restored from their saved
        state when the context lost them, and saved once read.
        """
        try:
            self._read(llama, tokens, head)
        except (AttributeError, TypeError, ValueError):
            # This reads llama-cpp-python internals (0.3.x); another version: read the whole prompt.
            self._states.clear()
            llama.reset()
            llama.eval(list(tokens))

    def _read(self, llama: Any, tokens: Sequence[int], head: int) -> None:
        import llama_cpp

        tokens = list(tokens)
        held = llama.input_ids[:llama.n_tokens].tolist()
        common = 0
        for a, b in zip(held, tokens[:-1]):  # the last token is always read: its logits are wanted
            if a != b:
                break
            common += 1
        key = tuple(tokens[:head]) if _MIN_HEAD <= head < len(tokens) else None
        if key is not None and common < head and key in self._states:
            data = self._states[key]
            self._states.move_to_end(key)
            llama.reset()
            llama._ctx.kv_cache_seq_rm(-1, 0, -1)
            buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(data), 0) == len(data):
                llama.input_ids[:head] = tokens[:head]
                llama.n_tokens = common = head
            else:  # could not restore: read it all again
                common = 0
        if common == 0:
            llama.reset()
        else:
            llama.n_tokens = common
        if key is not None and common < head:
            llama.eval(tokens[common:head])
            common = head
            size = llama_cpp.llama_state_seq_get_size(llama._ctx.ctx, 0)
            buffer = (ctypes.c_uint8 * size)()
            written = llama_cpp.llama_state_seq_get_data(llama._ctx.ctx, buffer, size, 0)
            self._states[key] = bytes(buffer[:written])
            while len(self._states) > _KEPT:
                self._states.popitem(last=False)
        llama.eval(tokens[common:])
        # What the context holds changed behind llama-cpp-python's back: its next generate() must
        # read its prompt rather than trust a cached one.
        llama._requires_eval = True

    def clear(self) -> None:
        self._states.clear()
