from . import microstructure_liaison_funnel
from . import microstructure_indicators
from . import microstructure_indicator_summary
from . import microstructure_report_access
