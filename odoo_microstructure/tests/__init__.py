from . import test_access
from . import test_validation
from . import test_counts
from . import test_ui
from . import test_patient
from . import test_agenda
from . import test_meeting
from . import test_population
