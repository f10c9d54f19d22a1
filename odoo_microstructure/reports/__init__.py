from . import microstructure_liaison_funnel
