from odoo import api, fields, models
from odoo.tools import float_compare, float_round

SEXES = [("female", "Female"), ("male", "Male")]


class MicrostructureScale(models.Model):
    """A validated clinical scale: its questionnaire is a survey whose answers
    carry the item scores; the scale adds the constant, the rounding, the
    bands and the references."""

    _name = "microstructure.scale"
    _description = "Validated scale"
    _order = "sequence, code"

    # The scales are published in French: their names, items and band labels
    # are shipped as French data, not as translatable terms.
    name = fields.Char(required=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    survey_id = fields.Many2one(
        "survey.survey",
        string="Questionnaire",
        required=True,
        ondelete="restrict",
        help="Survey holding the items; the score of each answer is the item's score.",
    )
    constant = fields.Float(
        digits=(10, 2),
        help="Added to the sum of the answer scores (EPICES: 75.14).",
    )
    score_digits = fields.Integer(
        string="Decimals of the score",
        default=0,
        help="Number of decimals with which the scale publishes its score.",
    )
    min_score = fields.Float(string="Minimum score", digits=(10, 2))
    max_score = fields.Float(string="Maximum score", digits=(10, 2))
    reference_authors = fields.Char(string="Authors")
    reference_year = fields.Integer(string="Year")
    reference_title = fields.Text(string="Reference")
    french_validation = fields.Text(
        string="French version",
        help="Validation of the French version, or origin of the French wording.",
    )
    wording_source = fields.Text(string="Source of the French wording")
    bands_source = fields.Text(string="Source of the bands")
    meaningful_change = fields.Float(
        string="Clinically meaningful change",
        digits=(10, 2),
        help="Change of the score, in points, regarded as clinically meaningful; "
        "empty when no such threshold is published.",
    )
    meaningful_change_source = fields.Text(string="Source of the meaningful change")
    threshold_source = fields.Text(
        string="Source of the threshold",
        help="Why the bands marked \"at or above the threshold\" are: the outcome indicators count the "
        "patients who move below them.",
    )
    band_ids = fields.One2many("microstructure.scale.band", "scale_id", string="Bands")
    alert_question_id = fields.Many2one(
        "survey.question",
        string="Safety item",
        ondelete="set null",
        domain="[('survey_id', '=', survey_id)]",
        help="An answer scored above 0 to this item (PHQ-9: thoughts of death or self-harm) raises a "
        "safety alert at once: an urgent activity for the patient's GP and the team's psychiatrists "
        "and psychologists, and a warning on the patient file.",
    )
    sex_specific = fields.Boolean(
        string="Bands by sex",
        compute="_compute_sex_specific",
        help="The bands depend on the sex of the patient.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "A scale with this code already exists."),
    ]

    @api.depends("band_ids.sex")
    def _compute_sex_specific(self):
        for scale in self:
            scale.sex_specific = any(scale.band_ids.mapped("sex"))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _score(self, answer_scores):
        """Score of the scale from the scores of the chosen answers: the
        constant plus their sum, rounded as the scale publishes it."""
        self.ensure_one()
        return float_round(
            self.constant + sum(answer_scores), precision_digits=self.score_digits
        )

    def _score_user_input(self, user_input):
        """Score of a filled-in questionnaire, from Odoo's survey scoring."""
        self.ensure_one()
        return self._score([user_input.scoring_total])

    def _is_alert(self, user_input):
        """Whether the answers raise the scale's safety alert: an answer
        scored above 0 to its safety item."""
        self.ensure_one()
        return bool(self.alert_question_id) and any(
            line.question_id == self.alert_question_id and line.answer_score > 0
            for line in user_input.user_input_line_ids
        )

    def _band(self, score, sex=False):
        """Band of ``score`` for a patient of sex ``sex`` ('female', 'male');
        empty when the bands depend on the sex and it is unknown, or when the
        score lies outside every band."""
        self.ensure_one()
        digits = max(self.score_digits, 2)
        for band in self.band_ids.sorted("sequence"):
            if band.sex and band.sex != sex:
                continue
            if (
                float_compare(score, band.min_score, precision_digits=digits) >= 0
                and float_compare(score, band.max_score, precision_digits=digits) <= 0
            ):
                return band
        return self.env["microstructure.scale.band"]

