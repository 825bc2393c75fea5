"""causal-mask-all-ones: the probe its general diagnostics run on, shared by the attention family (attention under
a mask of its own, so they stay silent: the gradients are right for the leaking model)."""

from __future__ import annotations

from ...shared.attention_probes import PROBE

__all__ = ["PROBE"]
