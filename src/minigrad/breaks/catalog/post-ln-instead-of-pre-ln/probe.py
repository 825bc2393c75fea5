"""post-ln-instead-of-pre-ln: the probe its diagnostics run on, shared by the attention family."""

from __future__ import annotations

from ...shared.attention_probes import PROBE

__all__ = ["PROBE"]
