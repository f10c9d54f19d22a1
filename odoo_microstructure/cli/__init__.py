from . import microstructure_populate
from . import microstructure_verify_trace
