import { useService } from "@web/core/utils/hooks";
import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarCommonPopover } from "@web/views/calendar/calendar_common/calendar_common_popover";

// The calendar of the consultation slots: a free slot opened from a patient
// file is booked for that patient by one click in its popover.
export class MicrostructureSlotPopover extends CalendarCommonPopover {
    static subTemplates = {
        ...CalendarCommonPopover.subTemplates,
        footer: "odoo_microstructure.SlotPopover.footer",
    };

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.action = useService("action");
    }

    get bookingPatientId() {
        return this.props.model.meta.context?.microstructure_booking_patient_id;
    }

    get canBook() {
        return Boolean(this.bookingPatientId && this.props.record.rawRecord.is_free);
    }

    async onBook() {
        const result = await this.orm.call(
            this.props.model.resModel,
            "action_book_context_patient",
            [[this.props.record.id]],
            { context: this.props.model.meta.context }
        );
        this.props.close();
        await this.props.model.load();
        if (result) {
            await this.action.doAction(result);
        }
    }
}

class MicrostructureSlotCommonRenderer extends CalendarCommonRenderer {
    static components = { ...CalendarCommonRenderer.components, Popover: MicrostructureSlotPopover };
}

class MicrostructureSlotRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: MicrostructureSlotCommonRenderer,
        week: MicrostructureSlotCommonRenderer,
        month: MicrostructureSlotCommonRenderer,
    };
}

registry.category("views").add("microstructure_slot_calendar", {
    ...calendarView,
    Renderer: MicrostructureSlotRenderer,
});
