"""Copy sizing (docs/SOCIAL_TRADING.md#copy-sizing)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PROPORTIONAL = "proportional"
FIXED_RATIO = "fixed_ratio"
FIXED_LOT = "fixed_lot"
MODES = (PROPORTIONAL, FIXED_RATIO, FIXED_LOT)


@dataclass(frozen=True)
class Sizing:
    volume: float  # 0.0 when skipped
    raw: float  # before rounding and cap
    reason: str | None = None  # why skipped, or "capped" when capped
    capped: bool = False


def round_to_step(volume, step):
    """``volume`` rounded half up to a multiple of ``step``."""
    step_d = Decimal(repr(float(step)))
    if step_d <= 0:
        raise ValueError("the lot step must be positive")
    steps = (Decimal(repr(float(volume))) / step_d).quantize(Decimal(1), ROUND_HALF_UP)
    return float(steps * step_d)


def floor_to_step(volume, step):
    step_d = Decimal(repr(float(step)))
    steps = int(Decimal(repr(float(volume))) / step_d)
    return float(steps * step_d)


def copy_volume(
    mode,
    provider_volume,
    *,
    follower_equity=0.0,
    provider_equity=0.0,
    ratio=1.0,
    fixed_lot=0.0,
    lot_step=0.01,
    min_lot=0.01,
    max_lot=0.0,
):
    """The follower's volume for one provider trade:

    - proportional: provider volume x follower equity / provider equity;
    - fixed ratio: provider volume x ratio;
    - fixed lot: the fixed lot;

    rounded half up to the lot step, capped at ``max_lot`` (0: no cap; the cap
    is rounded down to the lot step), skipped (volume 0 and the reason) below
    the minimum lot."""
    if mode == PROPORTIONAL:
        if provider_equity <= 0:
            return Sizing(0.0, 0.0, "the provider's equity is unknown")
        if follower_equity <= 0:
            return Sizing(0.0, 0.0, "the follower's equity is not positive")
        raw = provider_volume * follower_equity / provider_equity
    elif mode == FIXED_RATIO:
        raw = provider_volume * ratio
    elif mode == FIXED_LOT:
        raw = fixed_lot
    else:
        raise ValueError(f"unknown sizing mode {mode!r}")
    volume = round_to_step(raw, lot_step)
    capped = False
    if max_lot and volume > max_lot:
        volume = floor_to_step(max_lot, lot_step)
        capped = True
    if volume < min_lot or volume <= 0:
        return Sizing(
            0.0,
            raw,
            f"volume {raw:.4f} rounds to {volume:.2f}, below the minimum lot "
            f"{min_lot:.2f}",
        )
    return Sizing(volume, raw, None, capped)
