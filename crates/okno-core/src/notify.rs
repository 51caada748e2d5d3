//! When a new message should raise a native notification, and the unread badge, and the words
//! the shell shows outside the page (notifications, the tray) in the UI's two languages. Pure
//! logic: the desktop shell shows what this decides.

use okno_proto::{ChatId, MessageKind, Ticket, TicketState, UserId};

/// What the app is showing right now.
#[derive(Debug, Clone, Copy, Default)]
pub struct Focus {
    pub window_focused: bool,
    /// The chat open in the window, if any.
    pub open_chat: Option<ChatId>,
}

/// A message that just arrived.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub chat_id: ChatId,
    pub sender_id: Option<UserId>,
    pub kind: MessageKind,
    pub muted: bool,
    /// The account follows this chat: one of its own lines, or (an employee) a ticket assigned
    /// to them. An employee's stream carries every chat of their companies; the rest are silent.
    pub followed: bool,
    /// The line's name: the notification's title.
    pub line_name: String,
    pub sender_name: String,
    pub preview: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// One message: clicking it opens `chat_id`.
    Single {
        chat_id: ChatId,
        title: String,
        body: String,
    },
    /// Many at once: one summary ("5 new messages — IT Support, HR"). `chat_id` is set when
    /// they are all in one chat.
    Grouped {
        chat_id: Option<ChatId>,
        count: usize,
        title: String,
        body: String,
    },
}

/// The language of what the shell shows outside the page (notifications, the tray): one of the
/// UI's two, picked from the system locale by the page's rule (Russian for `ru…`, else English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// Russian plural forms (CLDR's integer rules): one (1, 21, 101…), few (2–4, 22–24…), many.
fn ru_plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, h) if h != 11 => one,
        (2..=4, h) if !(12..=14).contains(&h) => few,
        _ => many,
    }
}

impl Lang {
    pub fn from_locale(locale: Option<&str>) -> Self {
        match locale {
            Some(l) if l.to_lowercase().starts_with("ru") => Lang::Ru,
            _ => Lang::En,
        }
    }

    /// The product's name as the UI writes it: "Okno", in Russian "Окно".
    pub fn app_name(self) -> &'static str {
        match self {
            Lang::En => "Okno",
            Lang::Ru => "Окно",
        }
    }

    /// A grouped notification's text: "5 new messages — IT Support, HR".
    pub fn new_messages(self, count: usize, lines: &str) -> String {
        match self {
            Lang::En => format!("{count} new messages — {lines}"),
            Lang::Ru => {
                let n = count as u64;
                let words = ru_plural(n, "новое сообщение", "новых сообщения", "новых сообщений");
                format!("{count} {words} — {lines}")
            }
        }
    }

    /// The tray icon's tooltip: "Okno — 31 unread".
    pub fn tray_tooltip(self, unread: i64) -> String {
        let name = self.app_name();
        if unread <= 0 {
            return name.to_owned();
        }
        let n = unread.unsigned_abs();
        match self {
            Lang::En => format!("{name} — {n} unread"),
            Lang::Ru => {
                let word = ru_plural(n, "непрочитанное", "непрочитанных", "непрочитанных");
                format!("{name} — {n} {word}")
            }
        }
    }

    /// The tray menu's two items: open the window, quit the app.
    pub fn tray_menu(self) -> [&'static str; 2] {
        match self {
            Lang::En => ["Open Okno", "Quit"],
            Lang::Ru => ["Открыть Окно", "Выйти"],
        }
    }

    /// The title of the system's file dialog that the composer's attach button opens (the
    /// button's own label in the page).
    pub fn attach_files(self) -> &'static str {
        match self {
            Lang::En => "Attach files",
            Lang::Ru => "Прикрепить файлы",
        }
    }

    /// The notification shown the first time closing the window leaves the app running in the
    /// tray: its title and text, naming the tray menu's quit item.
    pub fn still_running(self) -> (String, String) {
        let quit = self.tray_menu()[1];
        match self {
            Lang::En => (
                "Okno keeps running".to_owned(),
                format!(
                    "New messages will still reach you. To quit, choose “{quit}” \
                     in the menu of Okno's icon in the tray."
                ),
            ),
            Lang::Ru => (
                "Окно продолжает работать".to_owned(),
                format!(
                    "Новые сообщения будут приходить и дальше. Чтобы выйти, выберите \
                     «{quit}» в меню значка Окна в трее."
                ),
            ),
        }
    }
}

/// More messages than this arriving together become one grouped notification.
pub const GROUP_ABOVE: usize = 3;

/// Whether this message deserves a notification.
pub fn wants_notification(me: UserId, focus: Focus, m: &Incoming) -> bool {
    if m.sender_id == Some(me)
        || m.sender_id.is_none()
        || m.kind == MessageKind::Notice
        || m.muted
        || !m.followed
    {
        return false;
    }
    // Visible already: the window has focus and shows this chat.
    !(focus.window_focused && focus.open_chat == Some(m.chat_id))
}

fn preview(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 120 {
        format!("{}…", t.chars().take(119).collect::<String>())
    } else {
        t
    }
}

/// Decides the notifications for messages that arrived together (one sync batch).
pub fn decide(me: UserId, focus: Focus, batch: &[Incoming], lang: Lang) -> Vec<Notification> {
    let wanted: Vec<&Incoming> = batch
        .iter()
        .filter(|m| wants_notification(me, focus, m))
        .collect();
    if wanted.is_empty() {
        return vec![];
    }
    if wanted.len() <= GROUP_ABOVE {
        return wanted
            .into_iter()
            .map(|m| Notification::Single {
                chat_id: m.chat_id,
                title: m.line_name.clone(),
                body: if m.kind == MessageKind::File && m.preview.trim().is_empty() {
                    format!("{}: 📎", m.sender_name)
                } else {
                    format!("{}: {}", m.sender_name, preview(&m.preview))
                },
            })
            .collect();
    }
    let mut chats: Vec<ChatId> = wanted.iter().map(|m| m.chat_id).collect();
    chats.sort();
    chats.dedup();
    let mut lines: Vec<&str> = wanted.iter().map(|m| m.line_name.as_str()).collect();
    lines.sort();
    lines.dedup();
    vec![Notification::Grouped {
        chat_id: (chats.len() == 1).then(|| chats[0]),
        count: wanted.len(),
        title: if lines.len() == 1 {
            lines[0].to_owned()
        } else {
            lang.app_name().to_owned()
        },
        body: lang.new_messages(wanted.len(), &lines.join(", ")),
    }]
}

/// A ticket that entered the queue of one of the specialist's lines: one notification, unless
/// it is no longer waiting (taken already) or the window shows its chat.
pub fn ticket_queued(focus: Focus, t: &Ticket, lang: Lang) -> Option<Notification> {
    if t.state != TicketState::Queued
        || (focus.window_focused && focus.open_chat == Some(t.chat_id))
    {
        return None;
    }
    let body = match lang {
        Lang::Ru => format!(
            "Новое обращение №{} от {} ждёт в очереди",
            t.number, t.client_name
        ),
        Lang::En => format!("New ticket #{} from {} is waiting", t.number, t.client_name),
    };
    Some(Notification::Single {
        chat_id: t.chat_id,
        title: t.line_name.clone(),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(chat: i64, from: i64) -> Incoming {
        Incoming {
            chat_id: ChatId(chat),
            sender_id: Some(UserId(from)),
            kind: MessageKind::Text,
            muted: false,
            followed: true,
            line_name: format!("Line {chat}"),
            sender_name: "Sergei".into(),
            preview: "Hello,\n  please   restart".into(),
        }
    }

    const ME: UserId = UserId(1);

    #[test]
    fn own_messages_notices_and_muted_lines_are_silent() {
        let f = Focus::default();
        assert!(!wants_notification(ME, f, &msg(1, 1)));
        let mut n = msg(1, 2);
        n.kind = MessageKind::Notice;
        assert!(!wants_notification(ME, f, &n));
        let mut m = msg(1, 2);
        m.muted = true;
        assert!(!wants_notification(ME, f, &m));
        let mut other = msg(1, 2);
        other.followed = false;
        assert!(
            !wants_notification(ME, f, &other),
            "a colleague's ticket stays silent"
        );
        assert!(wants_notification(ME, f, &msg(1, 2)));
    }

    #[test]
    fn the_open_chat_in_a_focused_window_is_silent_but_others_are_not() {
        let focus = Focus {
            window_focused: true,
            open_chat: Some(ChatId(1)),
        };
        assert!(!wants_notification(ME, focus, &msg(1, 2)));
        assert!(wants_notification(ME, focus, &msg(2, 2)), "another chat");
        let unfocused = Focus {
            window_focused: false,
            open_chat: Some(ChatId(1)),
        };
        assert!(
            wants_notification(ME, unfocused, &msg(1, 2)),
            "window in the background"
        );
    }

    #[test]
    fn a_few_are_single_many_are_grouped() {
        let f = Focus::default();
        let one = decide(ME, f, &[msg(1, 2)], Lang::En);
        assert_eq!(
            one,
            vec![Notification::Single {
                chat_id: ChatId(1),
                title: "Line 1".into(),
                body: "Sergei: Hello, please restart".into()
            }]
        );
        let many: Vec<Incoming> = (0..5).map(|i| msg(1 + i % 2, 2)).collect();
        let grouped = decide(ME, f, &many, Lang::En);
        assert_eq!(grouped.len(), 1);
        let Notification::Grouped {
            count,
            chat_id,
            body,
            ..
        } = &grouped[0]
        else {
            panic!()
        };
        assert_eq!(*count, 5);
        assert_eq!(*chat_id, None);
        assert_eq!(body, "5 new messages — Line 1, Line 2");
        let same_chat: Vec<Incoming> = (0..4).map(|_| msg(3, 2)).collect();
        let Notification::Grouped { chat_id, body, .. } = &decide(ME, f, &same_chat, Lang::Ru)[0]
        else {
            panic!()
        };
        assert_eq!(*chat_id, Some(ChatId(3)), "clicking opens that chat");
        assert_eq!(body, "4 новых сообщения — Line 3");
    }

    fn ticket(state: TicketState) -> Ticket {
        Ticket {
            id: okno_proto::TicketId(7),
            number: 12,
            company_id: okno_proto::CompanyId(1),
            line_id: okno_proto::LineId(2),
            line_name: "IT Support".into(),
            chat_id: ChatId(3),
            user_id: UserId(4),
            client_name: "Ivan".into(),
            channel: okno_proto::Channel::Desktop,
            state,
            assignee_id: None,
            assignee_name: None,
            opened_at: 0,
            queued_at: Some(0),
            queue_position: Some(1),
            assigned_at: None,
            closed_at: None,
            result: None,
            rating: None,
            rating_comment: None,
        }
    }

    #[test]
    fn a_queued_ticket_notifies_once_unless_taken_or_in_view() {
        let f = Focus::default();
        assert_eq!(
            ticket_queued(f, &ticket(TicketState::Queued), Lang::En),
            Some(Notification::Single {
                chat_id: ChatId(3),
                title: "IT Support".into(),
                body: "New ticket #12 from Ivan is waiting".into()
            })
        );
        let Some(Notification::Single { body, .. }) =
            ticket_queued(f, &ticket(TicketState::Queued), Lang::Ru)
        else {
            panic!()
        };
        assert!(body.contains("№12"), "{body}");
        assert_eq!(
            ticket_queued(f, &ticket(TicketState::Assigned), Lang::En),
            None,
            "already taken"
        );
        let viewing = Focus {
            window_focused: true,
            open_chat: Some(ChatId(3)),
        };
        assert_eq!(
            ticket_queued(viewing, &ticket(TicketState::Queued), Lang::En),
            None
        );
    }

    #[test]
    fn the_shells_texts_follow_the_locale_with_russian_plurals() {
        assert_eq!(Lang::from_locale(Some("ru_RU.UTF-8")), Lang::Ru);
        assert_eq!(Lang::from_locale(Some("RU")), Lang::Ru);
        assert_eq!(Lang::from_locale(Some("en_GB.UTF-8")), Lang::En);
        assert_eq!(Lang::from_locale(Some("de_DE")), Lang::En);
        assert_eq!(Lang::from_locale(None), Lang::En);
        let ru = |n: i64| Lang::Ru.tray_tooltip(n);
        assert_eq!(ru(0), "Окно");
        assert_eq!(ru(1), "Окно — 1 непрочитанное");
        assert_eq!(ru(3), "Окно — 3 непрочитанных");
        assert_eq!(ru(11), "Окно — 11 непрочитанных");
        assert_eq!(ru(21), "Окно — 21 непрочитанное");
        assert_eq!(ru(112), "Окно — 112 непрочитанных");
        assert_eq!(Lang::En.tray_tooltip(31), "Okno — 31 unread");
        let grouped = |n| Lang::Ru.new_messages(n, "HR");
        assert_eq!(grouped(4), "4 новых сообщения — HR");
        assert_eq!(grouped(5), "5 новых сообщений — HR");
        assert_eq!(grouped(14), "14 новых сообщений — HR");
        assert_eq!(grouped(21), "21 новое сообщение — HR");
        assert_eq!(grouped(22), "22 новых сообщения — HR");
        assert_eq!(Lang::En.tray_menu(), ["Open Okno", "Quit"]);
        assert_eq!(Lang::Ru.tray_menu(), ["Открыть Окно", "Выйти"]);
        let (title, body) = Lang::En.still_running();
        assert_eq!(title, "Okno keeps running");
        assert!(body.contains("“Quit”"), "{body}");
        let (title, body) = Lang::Ru.still_running();
        assert_eq!(title, "Окно продолжает работать");
        assert!(body.contains("«Выйти»"), "{body}");
    }
}
