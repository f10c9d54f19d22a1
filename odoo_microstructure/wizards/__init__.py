from . import microstructure_permanence_planning
from . import microstructure_meeting_planning
from . import microstructure_survey_link
from . import microstructure_indicator_export
from . import mail_compose_message
from . import microstructure_patient_erasure
from . import microstructure_scale_fill
