"""The professions of a care team, shared by the professionals and the access
trace (a module without models, imported in any order)."""

PROFESSIONS = [
    ("gp", "General practitioner"),
    ("psychologist", "Psychologist"),
    ("social_worker", "Social worker"),
    ("psychiatrist", "Psychiatrist"),
    ("coordinator", "Coordinator"),
    ("other", "Other"),
]
