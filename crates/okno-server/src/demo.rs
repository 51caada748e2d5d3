//! `okno-server --demo`: seeds (once) a demo cloud so a new user sees a working product.

use crate::access::role_str;
use crate::auth::{create_user, NewPassword};
use crate::error::{ApiResult, AppError};
use crate::lines::fold;
use crate::{params, AppState};
use okno_proto::*;

pub const DEMO_PASSWORD: &str = "okno-demo";

/// The demo accounts: (login, display name, what they are).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("user", "Anna Petrova", "user"),
    ("specialist", "Sergei Ivanov", "specialist of Okno Demo"),
    ("admin", "Maria Smirnova", "company admin of Okno Demo"),
    ("acme-admin", "John Acme", "company admin of Acme Cloud"),
    ("root", "Service Admin", "service admin"),
];

fn weekdays(open: &str, close: &str) -> Vec<DayHours> {
    (1..=5)
        .map(|weekday| DayHours {
            weekday,
            open: open.into(),
            close: close.into(),
        })
        .collect()
}

struct DemoLine {
    name: &'static str,
    internal: &'static str,
    description: &'static str,
    url: &'static str,
    hours: Option<WorkingHours>,
    published: bool,
    recommended: bool,
}

/// Seeds the demo data unless it is there already. Returns whether it seeded now.
pub async fn seed(state: &AppState) -> ApiResult<bool> {
    let seeded = state
        .store
        .read(|db| {
            Ok(db
                .query_opt("SELECT value FROM meta WHERE key = 'demo'", params![])?
                .is_some())
        })
        .await?;
    if seeded {
        return Ok(false);
    }
    let hash = tokio::task::spawn_blocking(|| crate::auth::hash_password(DEMO_PASSWORD))
        .await
        .map_err(AppError::internal)??;
    let mut ids = Vec::new();
    for (login, name, _) in DEMO_ACCOUNTS {
        let password = NewPassword::Hashed(&hash);
        ids.push(create_user(state, login, password, name, *login == "root").await?);
    }
    let (user, specialist, admin, acme_admin) = (ids[0], ids[1], ids[2], ids[3]);
    let moscow = |weekly| WorkingHours {
        time_zone: "Europe/Moscow".into(),
        weekly,
        holidays: vec![
            "2026-12-31".into(),
            "2027-01-01".into(),
            "2027-01-02".into(),
        ],
    };
    let demo_lines = [
        DemoLine {
            name: "IT Support",
            internal: "L1 service desk",
            description:
                "Computers, accounts, e-mail, printers and VPN. Техническая поддержка сотрудников.",
            url: "https://okno.example/it",
            hours: Some(moscow(weekdays("09:00", "18:00"))),
            published: true,
            recommended: true,
        },
        DemoLine {
            name: "HR Questions",
            internal: "HR desk",
            description:
                "Leave, payslips, certificates and onboarding. Отпуска, справки, расчётные листки.",
            url: "https://okno.example/hr",
            hours: Some(moscow(weekdays("10:00", "17:00"))),
            published: false,
            recommended: false,
        },
        DemoLine {
            name: "Бухгалтерия",
            internal: "Accounting (1C)",
            description: "Счета, акты сверки и вопросы по 1С. Invoices and reconciliation.",
            url: "",
            hours: Some(moscow(weekdays("09:00", "17:00"))),
            published: true,
            recommended: false,
        },
    ];
    let acme_line = DemoLine {
        name: "Acme Cloud Support",
        internal: "Tier 1",
        description: "Help with Acme Cloud storage and backups, around the clock.",
        url: "https://acme.example/support",
        hours: None,
        published: true,
        recommended: true,
    };
    state
        .store
        .write(move |ctx| {
            let mut company = |name: &str| -> ApiResult<CompanyId> {
                Ok(CompanyId(
                    ctx.db
                        .query_one(
                            "INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id",
                            params![name, ctx.now],
                        )?
                        .int(0)?,
                ))
            };
            let demo = company("Okno Demo")?;
            let acme = company("Acme Cloud")?;
            for (c, u, role) in [
                (demo, specialist, CompanyRole::Specialist),
                (demo, admin, CompanyRole::Admin),
                (acme, acme_admin, CompanyRole::Admin),
            ] {
                ctx.db.execute(
                    "INSERT INTO company_members (company_id, user_id, role) VALUES ($1, $2, $3)",
                    params![c, u, role_str(role)],
                )?;
            }
            let mut line_ids = Vec::new();
            for (c, l) in demo_lines.iter().map(|l| (demo, l)).chain([(acme, &acme_line)]) {
                let hours = l
                    .hours
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(AppError::internal)?;
                let id = ctx
                    .db
                    .query_one(
                        "INSERT INTO lines (company_id, name, internal_name, description, details_url, hours, \
                         published, recommended, search_text, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                        params![
                            c,
                            l.name,
                            l.internal,
                            l.description,
                            l.url,
                            hours,
                            l.published,
                            l.recommended,
                            fold(&format!("{} {}", l.name, l.description)),
                            ctx.now
                        ],
                    )?
                    .int(0)?;
                line_ids.push((LineId(id), c));
            }
            // The user is connected by the admin to IT Support and HR Questions.
            for (line, c) in line_ids.iter().take(2) {
                ctx.db.execute(
                    "INSERT INTO connections (user_id, line_id, state, origin, created_at, updated_at) \
                     VALUES ($1, $2, 'active', 'admin', $3, $3)",
                    params![user, *line, ctx.now],
                )?;
                ctx.db.execute(
                    "INSERT INTO chats (user_id, line_id, company_id, created_at) VALUES ($1, $2, $3, $4)",
                    params![user, *line, *c, ctx.now],
                )?;
            }
            // The specialist handles every Okno Demo line, online, five tickets at once, so
            // the embedded app routes the user's tickets to them.
            ctx.db.execute(
                "INSERT INTO agents (company_id, user_id, presence, capacity) VALUES ($1, $2, 'online', 5)",
                params![demo, specialist],
            )?;
            for (priority, (line, c)) in line_ids.iter().enumerate() {
                if *c != demo {
                    continue;
                }
                ctx.db.execute(
                    "INSERT INTO competences (line_id, user_id, company_id, level, priority) \
                     VALUES ($1, $2, $3, 1, $4)",
                    params![*line, specialist, demo, priority as i64 + 1],
                )?;
            }
            ctx.db.execute(
                "INSERT INTO clients (company_id, user_id, organization, contact, responsible_id) \
                 VALUES ($1, $2, 'Romashka LLC / ООО «Ромашка»', '+7 495 000-00-00, anna@romashka.example', NULL)",
                params![demo, user],
            )?;
            // (service, description, [(work type, fields as JSON)])
            type WorkTypes = &'static [(&'static str, &'static str)];
            let catalog: [(&str, &str, WorkTypes); 2] = [
                (
                    "Workplace",
                    "Computers, printers and accounts.",
                    &[
                        ("Printer repair", r#"[{"name":"Inventory number","type":"text","required":true},{"name":"Floor","type":"number","required":false}]"#),
                        ("New account", r#"[{"name":"Start date","type":"date","required":true},{"name":"Manager","type":"text","required":true}]"#),
                    ],
                ),
                (
                    "Accounting",
                    "Documents and 1C.",
                    &[(
                        "Reconciliation act",
                        r#"[{"name":"Counterparty","type":"text","required":true},{"name":"Period","type":"text","required":true},{"name":"Amount","type":"number","required":false}]"#,
                    )],
                ),
            ];
            for (name, description, work_types) in catalog {
                let service = ctx
                    .db
                    .query_one(
                        "INSERT INTO services (company_id, name, description, archived, created_at) \
                         VALUES ($1, $2, $3, 0, $4) RETURNING id",
                        params![demo, name, description, ctx.now],
                    )?
                    .int(0)?;
                for (wt, fields) in work_types {
                    ctx.db.execute(
                        "INSERT INTO work_types (service_id, name, fields, archived) VALUES ($1, $2, $3, 0)",
                        params![service, *wt, *fields],
                    )?;
                }
            }
            ctx.db.execute("INSERT INTO meta (key, value) VALUES ('demo', 'seeded')", params![])?;
            Ok(())
        })
        .await?;
    Ok(true)
}

/// The demo knowledge base: the repository's fixture articles (IT and office support, Russian
/// and English) on the demo's "IT Support" line, and a small digital menu there. Once: skipped
/// when the line already has articles. Returns whether it seeded now.
pub async fn seed_knowledge_base(state: &AppState) -> ApiResult<bool> {
    let line = state
        .store
        .read(|db| {
            let line = db
                .query_opt(
                    "SELECT id FROM lines WHERE name = 'IT Support' ORDER BY id LIMIT 1",
                    params![],
                )?
                .map(|r| r.int(0))
                .transpose()?
                .map(LineId);
            let Some(line) = line else {
                return Ok(None);
            };
            let has = db
                .query_opt(
                    "SELECT 1 FROM kb_articles WHERE line_id = $1",
                    params![line],
                )?
                .is_some();
            Ok((!has).then_some(line))
        })
        .await?;
    let Some(line) = line else {
        return Ok(false);
    };
    let import: ArticleImport =
        serde_json::from_str(include_str!("../tests/fixtures/kb/articles.json"))
            .map_err(AppError::internal)?;
    crate::kb::import(state, None, line, import).await?;
    let menu = Menu {
        greeting: "Чем помочь? Выберите тему или напишите вопрос.".into(),
        items: vec![
            item("access", None, "Доступ и пароли", MenuAction::Submenu),
            item(
                "password",
                Some("access"),
                "Сменить пароль",
                MenuAction::Text {
                    text: "Нажмите Ctrl+Alt+Del → «Изменить пароль» или откройте портал самообслуживания.".into(),
                },
            ),
            item("access-back", Some("access"), "Назад", MenuAction::Back),
            item(
                "request",
                None,
                "Заявка на картридж",
                MenuAction::ServiceRequest {
                    title: "Замена картриджа".into(),
                },
            ),
            item("human", None, "Позвать специалиста", MenuAction::Specialist),
            item(
                "portal",
                None,
                "Портал поддержки",
                MenuAction::Link {
                    url: "https://okno.example/it".into(),
                },
            ),
            item("close", None, "Закрыть меню", MenuAction::Close),
        ],
    };
    let json = serde_json::to_string(&menu).map_err(AppError::internal)?;
    state
        .store
        .write(move |ctx| {
            ctx.db.execute(
                "INSERT INTO line_automation (line_id, menu) VALUES ($1, $2) \
                 ON CONFLICT (line_id) DO UPDATE SET menu = excluded.menu",
                params![line, &json],
            )?;
            Ok(())
        })
        .await?;
    Ok(true)
}

fn item(id: &str, parent: Option<&str>, label: &str, action: MenuAction) -> MenuItem {
    MenuItem {
        id: id.into(),
        parent: parent.map(Into::into),
        label: label.into(),
        action,
    }
}
