// A notice's words in the reader's language: the chat shows them (NoticeRow) and the lines list
// shows the newest one under its line's name.
import type { Notice } from "../lib/backend";
import { formatOpensAt } from "../lib/format";
import { t, type Key } from "../lib/i18n";

/** A rating as five stars: "★★★★☆". */
export function stars(n: number): string {
  return "★".repeat(n) + "☆".repeat(Math.max(0, 5 - n));
}

export function noticeText(n: Notice): string {
  switch (n.type) {
    case "ticket_registered":
      return t("notice.ticketRegistered", { n: n.number });
    case "ticket_queued":
      return n.position <= 1 ? t("notice.queuedFirst", { n: n.number }) : t("notice.queued", { n: n.number, pos: n.position });
    case "outside_hours":
      return n.next_open_at != null
        ? t("notice.outsideHours", { n: n.number, when: formatOpensAt(n.next_open_at) })
        : t("notice.outsideHoursNoTime", { n: n.number });
    case "specialist_assigned":
      return t("notice.assigned", { n: n.number, name: n.specialist_name });
    case "ticket_transferred":
      return t("notice.transferredTo", { n: n.number, to: n.to_specialist_name ?? n.to_line_name ?? "" });
    case "ticket_closed":
      return n.result ? t("notice.ticketClosedResult", { n: n.number, result: n.result }) : t("notice.ticketClosed", { n: n.number });
    case "ticket_rated":
      return t("notice.rated", { n: n.number, stars: stars(n.rating) });
    case "service_request_registered":
      return t("notice.serviceRequest", { n: n.number, title: n.title });
    case "service_request_status_changed":
      return t("notice.srStatus", { n: n.number, title: n.title, status: t(`sr.${n.status}` as Key) });
  }
}
