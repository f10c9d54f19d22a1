from . import microstructure_region
from . import microstructure_department
from . import microstructure_weekday
from . import microstructure_network
from . import microstructure_site
from . import microstructure_professional
from . import microstructure_membership
from . import res_users
