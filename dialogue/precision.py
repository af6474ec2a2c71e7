"""Whether training may compute in bf16: only where the hardware does it natively.

Emulated bf16 is slower than fp32, so ``auto`` asks the device: a GPU that supports it, or a CPU
with AVX-512 BF16 or AMX (read from /proc/cpuinfo). Weights and optimizer state stay fp32 either
way; only the forward pass is autocast.
"""

from __future__ import annotations

from typing import Any

#: the values a component's ``precision`` setting may take
PRECISION_PATTERN = r"^(auto|fp32|bf16)$"


def native_bf16(device: Any) -> bool:
    """Does this device (a ``torch.device``) compute bf16 natively?"""
    if device.type == "cuda":
        import torch

        return bool(torch.cuda.is_bf16_supported())
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def mixed_precision(setting: str, device: Any) -> bool:
    """``bf16``: always; ``auto``: where the hardware has it; ``fp32``: never."""
    return setting == "bf16" or (setting == "auto" and native_bf16(device))
