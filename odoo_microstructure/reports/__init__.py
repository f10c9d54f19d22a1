from . import microstructure_liaison_funnel
from . import microstructure_indicators
