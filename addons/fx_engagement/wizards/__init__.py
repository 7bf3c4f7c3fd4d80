from . import fx_segment_overlap
from . import fx_churn_backtest
