import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

// where the tour comes back after the questionnaire
const FILE_URL_KEY = "odoo_microstructure_scale_tour_file_url";
// the PHQ-9 of the worked example (12, moderate), "never" to item 9
const ANSWERS = [
    "Plus de la moitié du temps",
    "Plus de la moitié du temps",
    "Plusieurs jours",
    "Plus de la moitié du temps",
    "Plusieurs jours",
    "Plus de la moitié du temps",
    "Plusieurs jours",
    "Plusieurs jours",
    "Jamais",
    "Assez difficile(s)",
];
const question = (index) => `.js_question-wrapper:eq(${index})`;
const phq9Chart = '.o_microstructure_scale_chart[data-scale="PHQ-9"]';

registry.category("web_tour.tours").add("odoo_microstructure_scale_tour", {
    steps: () => [
        {
            content: "Fill in a scale from the patient file",
            trigger: 'button[name="action_scale_fill"]:contains("Remplir une échelle")',
            run: "click",
        },
        {
            content: "Choose the PHQ-9",
            trigger: '.modal .o_field_widget[name="scale_id"] input',
            run: "edit PHQ-9",
        },
        {
            trigger: '.o-autocomplete--dropdown-item:contains("PHQ-9")',
            run: "click",
        },
        {
            content: "Open the questionnaire: the new tab it opens is this one",
            trigger: '.modal:not(:has(.o-autocomplete--dropdown-menu)) button[name="action_fill_in"]',
            async run(helpers) {
                const open = browser.open;
                const opened = new Promise((resolve) => {
                    browser.open = (url) => {
                        resolve(url);
                        return { closed: false };
                    };
                });
                browser.sessionStorage.setItem(FILE_URL_KEY, browser.location.pathname);
                await helpers.click();
                const url = await opened;
                browser.open = open;
                helpers.goToUrl(url);
            },
        },
        {
            content: "Start the questionnaire",
            trigger: 'button[value="start"]:not(.disabled)',
            run: "click",
        },
        ...ANSWERS.map((answer, index) => ({
            content: `Answer item ${index + 1}`,
            trigger: `${question(index)} label:contains("${answer}")`,
            run: "click",
        })),
        {
            content: "Submit the answers",
            trigger: 'button[value="finish"]',
            run: "click",
        },
        {
            content: "The patient is thanked",
            trigger: '.o_survey_finished:contains("Merci pour vos réponses")',
        },
        {
            content: "Back to the patient file",
            trigger: ".o_survey_finished",
            run(helpers) {
                helpers.goToUrl(browser.sessionStorage.getItem(FILE_URL_KEY));
            },
        },
        {
            content: "Open the scales of the file",
            trigger: '.o_notebook_headers a[name="scales"]:contains("Échelles")',
            run: "click",
        },
        {
            content: "The result is listed, with its score and band",
            trigger: '.o_field_widget[name="scale_result_ids"] .o_data_row:has(td[name="score"]:contains("12")):contains("Symptômes dépressifs modérés")',
        },
        {
            content: "The graph of the PHQ-9 shows the score over the bands",
            trigger: `${phq9Chart} canvas`,
            run() {
                const chart = window.Chart.getChart(this.anchor);
                const [scores, ...bands] = chart?.data.datasets || [];
                if (!scores || scores.data.length !== 1 || scores.data[0].y !== 12) {
                    throw new Error("The graph does not show the score of the result.");
                }
                const labels = bands.map((band) => band.label);
                if (labels.length !== 5 || !labels[2].includes("Symptômes dépressifs modérés")) {
                    throw new Error(`The graph does not draw the bands of the PHQ-9: ${labels}`);
                }
            },
        },
    ],
});
