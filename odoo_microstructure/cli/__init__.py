from . import microstructure_populate
