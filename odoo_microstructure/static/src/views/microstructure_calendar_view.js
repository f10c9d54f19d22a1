import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";

// The calendar of the care team: Odoo's calendar, styled so that a short
// consultation shows its patient and professional next to its start time.
registry.category("views").add("microstructure_calendar", calendarView);
