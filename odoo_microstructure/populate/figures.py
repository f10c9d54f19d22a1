"""The figures a population reproduces, in one place.

The national figures of 2023-09-01 (DESIGN, from the CNRMS report), the
social-service experiment of the MSP Laënnec (February 2018 to January 2019),
and the geography and names the generators draw from. Plain data: nothing
here imports Odoo, so that ``scripts/generate_demo.py`` reads it too.
"""

from datetime import date

# NATIONAL FIGURES OF 2023 -----------------------------------------------------
REFERENCE_DATE = date(2023, 9, 1)
# sites and networks per region (INSEE code)
SITES_PER_REGION = {"27": 14, "44": 42, "32": 26, "11": 21, "75": 1, "76": 35, "93": 4}
NETWORKS_PER_REGION = {"27": 2, "44": 5, "32": 4, "11": 3, "75": 1, "76": 5, "93": 2}
SITES = sum(SITES_PER_REGION.values())  # 143
NETWORKS = sum(NETWORKS_PER_REGION.values())  # 22
POLYVALENT_SHARE = 0.36
PROFESSIONALS = {"gp": 360, "psychologist": 87, "social_worker": 80, "psychiatrist": 8}
# patients followed, per motive
PATIENTS = {"addiction": 5456, "mental_health": 636}
# per motive: share of men, mean age, standard deviation of the age
PROFILES = {"addiction": (0.53, 45.4, 12.0), "mental_health": (0.28, 45.0, 13.0)}
# main substance of the patients followed for an addiction (ranked), by xml id
MAIN_SUBSTANCES = [
    ("substance_alcohol", 0.38),
    ("substance_tobacco", 0.24),
    ("substance_opiates", 0.17),
    ("substance_cocaine", 0.10),
    ("substance_cannabis", 0.07),
    ("substance_medicines", 0.03),
    ("substance_gambling", 0.01),
]
# the satisfaction survey: 134 answers, and the answers counted positive per
# question (78 %, 66 %, 61 %, 87 %, 72 %, 92 %)
SURVEY_ANSWERS = 134
SURVEY_POSITIVE = {
    "never_social_worker": 105,
    "never_psychiatrist": 88,
    "never_psychologist": 82,
    "quality_of_life": 117,
    "consumption": 96,
    "recommend": 123,
}

# PATIENTS AND ACTIVITY (assumptions of the generator) ------------------------
ADDICTION_SHARE = 0.85  # of the addictions/precarity patients, followed for an addiction
PRECARITY_SHARE = 0.3  # of those followed for an addiction, also for precarity
EXIT_SHARE = 0.12
# consultations asked for by a patient in the year: (low, high) per profession
CONSULTATION_WISHES = {
    "gp": (2, 7),
    "psychologist": {"mental_health": (1, 6), "other": (0, 3)},
    "social_worker": {"precarity": (1, 4), "other": (0, 1)},
    "psychiatrist": (0, 2),
}
# states of the consultations held, per 100
CONSULTATION_STATES = {"done": 85, "no_show": 7, "excused": 5, "cancelled": 3}
# permanences: one every ``weeks`` weeks, of ``slots`` slots of ``minutes``
PERMANENCES = {"psychologist": 1, "social_worker": 2}
PERMANENCE_SLOTS, SLOT_MINUTES = 4, 45
PATIENTS_PER_MEETING = 8
MEETING_PRESENCE = 0.8
REVIEW_MONTHS = (1, 6)  # the two review meetings of the year; none in August

# THE SOCIAL-SERVICE EXPERIMENT OF THE MSP LAËNNEC ---------------------------------
# 26 permanences of the social worker, 92 sheets, 80 handled with an
# interview (26 accompanied, 30 out of scope, 24 declined after the
# assessment), 12 not handled (8 not reachable, 4 declined)
EXPERIMENT_PERMANENCES = 26
EXPERIMENT_PATIENTS = 70
EXPERIMENT_OUTCOMES = {
    "accompanied": 26, "out_of_scope": 30, "declined_after": 24, "not_reachable": 8, "declined": 4,
}
EXPERIMENT_SHEETS = sum(EXPERIMENT_OUTCOMES.values())  # 92
# the sheets are written by GPs (the form's "Qualification")
REQUESTER_QUALIFICATION = "Médecin généraliste"
LIAISON_REASONS = ["reason_rights", "reason_job", "reason_hospital", "reason_illness"]
# the population's liaison sheets: share of the precarity patients followed
# in the year referred to the social service; their outcomes are those of
# the experiment, beside which a few sheets never leave the practice (weights
# on the same scale as EXPERIMENT_OUTCOMES)
LIAISON_REFERRED_SHARE = 0.3
LIAISON_NOT_SENT = {"identified": 4, "cancelled": 2}
# days between two steps: (low, high)
LIAISON_DELAYS = {"contact": (1, 6), "interview": (1, 14), "accompany": (7, 30), "close": (60, 240)}

# NAMES --------------------------------------------------------------------------
FIRST_NAMES = {
    "female": "Marie Nathalie Isabelle Sylvie Catherine Sandrine Valérie Christine Céline Aurélie "
    "Stéphanie Julie Laetitia Émilie Caroline Sophie Sarah Amandine Audrey Karine".split(),
    "male": "Jean Philippe Thierry Nicolas Christophe Stéphane David Frédéric Patrick Laurent "
    "Sébastien Julien Olivier Éric Pascal Franck Mickaël Karim Mehdi Kevin".split(),
}
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre "
    "Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc "
    "Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez "
    "Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly"
).split()