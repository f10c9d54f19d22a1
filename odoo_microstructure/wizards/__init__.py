from . import microstructure_permanence_planning
from . import microstructure_meeting_planning
