//! Shared by the okno-core benches: run modes, realistic message texts, cache fixtures and
//! latency percentiles. Not a bench target itself (cargo only discovers `benches/*.rs`).
#![allow(dead_code)]

use okno_proto::*;
use std::time::{Duration, Instant};

// ------------------------------------------------------------------------------ run mode

/// Full sizes under `cargo bench` (which passes `--bench`); sizes divided by 10 with
/// `OKNO_BENCH_QUICK=1`, and always when the binary runs as a smoke test (`cargo test --benches`,
/// `cargo test --all-targets`: no `--bench` argument, usually an unoptimized build).
pub fn quick() -> bool {
    let env = std::env::var("OKNO_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let benching = std::env::args().any(|a| a == "--bench");
    env || !benching
}

/// `full` in a real run, `full / 10` in quick mode.
pub fn size(full: usize) -> usize {
    if quick() {
        (full / 10).max(1)
    } else {
        full
    }
}

pub fn header(name: &str) {
    println!(
        "okno-core bench `{name}` ({} mode, {} build, {} CPUs, load average {})",
        if quick() { "quick" } else { "full" },
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
}

/// The 1-minute load average (Linux), to tell a quiet machine from a busy one.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// CPU time (user + system) used so far by this process, all threads (Linux; 10 ms ticks).
/// With another workload on the machine, CPU time moves less than wall time.
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// CPU time used between two `cpu_time()` readings, as text.
pub fn cpu_between(a: Option<Duration>, b: Option<Duration>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.2} s CPU", b.saturating_sub(a).as_secs_f64()),
        _ => "CPU time unknown".into(),
    }
}

// ------------------------------------------------------------------------------ statistics

/// Latency samples of one measured operation.
#[derive(Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Runs `f` once, timed; returns what it returned.
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.0.push(t.elapsed());
        out
    }

    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: &Samples) {
        self.0.extend_from_slice(&other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The nearest-rank percentile, `q` in (0, 1].
    pub fn pct(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort_unstable();
        if v.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }

    pub fn total(&self) -> Duration {
        self.0.iter().sum()
    }

    /// `label: n=… p50=… p95=… p99=… max=…` in milliseconds.
    pub fn line(&self, label: &str) -> String {
        format!(
            "{label:<44} n={:<5} p50={:>8} p95={:>8} p99={:>8} max={:>8}",
            self.len(),
            ms(self.pct(0.50)),
            ms(self.pct(0.95)),
            ms(self.pct(0.99)),
            ms(self.pct(1.0)),
        )
    }
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3}ms", d.as_secs_f64() * 1000.0)
}

/// A goal check for the summary lines (none for an unoptimized build: not a measurement).
pub fn verdict(ok: bool) -> &'static str {
    if cfg!(debug_assertions) {
        "(debug build: no verdict)"
    } else if ok {
        "MEETS"
    } else {
        "MISSES"
    }
}

// ------------------------------------------------------------------------------ texts

/// Frequent words of a support chat, most frequent first (sampled with a Zipf-like law).
const RU_COMMON: &[&str] = &[
    "не",
    "и",
    "в",
    "на",
    "с",
    "что",
    "у",
    "меня",
    "по",
    "это",
    "пожалуйста",
    "спасибо",
    "как",
    "работает",
    "принтер",
    "здравствуйте",
    "можно",
    "пароль",
    "доступ",
    "почта",
    "ошибка",
    "нужно",
    "не могу",
    "уже",
    "ещё",
    "сейчас",
    "сегодня",
    "проверьте",
    "посмотрите",
    "компьютер",
    "принтера",
    "войти",
    "заявка",
    "вход",
    "сеть",
    "интернет",
    "файл",
    "отчёт",
    "добрый день",
    "попробуйте",
    "перезагрузить",
    "ноутбук",
    "учётная запись",
    "сбросить",
    "пароля",
    "печатает",
    "помогите",
    "проблема",
    "сервер",
    "обновление",
    "подключение",
    "подключиться",
    "1С",
    "бухгалтерия",
    "справка",
    "отпуск",
    "монитор",
    "клавиатура",
    "мышь",
    "программа",
    "установить",
    "обновить",
    "удалённый рабочий стол",
    "телефон",
    "картридж",
    "бумага",
    "сканер",
    "печать",
    "принтеру",
    "принтером",
    "принтеры",
    "почту",
    "почты",
    "доступа",
    "ошибку",
    "ошибки",
    "заявку",
    "заявки",
    "файлы",
    "отчёта",
    "срочно",
    "завтра",
    "вчера",
    "после",
    "перезагрузил",
    "сделал",
    "готово",
    "решено",
    "хорошо",
    "понятно",
    "жду",
    "ответа",
    "коллеги",
    "офис",
    "этаж",
    "кабинет",
    "логин",
    "блокировка",
    "заблокирована",
    "медленно",
    "зависает",
    "экран",
    "синий",
    "окно",
    "письмо",
    "вложение",
    "таблица",
    "папка",
    "общая",
    "диск",
    "права",
];

const EN_COMMON: &[&str] = &[
    "the",
    "to",
    "is",
    "not",
    "please",
    "thanks",
    "i",
    "my",
    "it",
    "a",
    "can't",
    "printer",
    "password",
    "hello",
    "error",
    "access",
    "vpn",
    "email",
    "working",
    "login",
    "reset",
    "account",
    "locked",
    "server",
    "network",
    "laptop",
    "update",
    "install",
    "issue",
    "ticket",
    "connect",
    "connection",
    "file",
    "share",
    "drive",
    "teams",
    "meeting",
    "invoice",
    "report",
    "screen",
    "keyboard",
    "mouse",
    "slow",
    "again",
    "today",
    "now",
    "help",
    "need",
    "urgent",
    "restart",
    "restarted",
    "check",
    "printing",
    "printers",
    "outlook",
    "folder",
    "permissions",
    "done",
    "fixed",
    "ok",
    "still",
    "after",
    "since",
    "morning",
    "office",
    "remote",
    "desktop",
    "crash",
    "crashes",
    "freezes",
    "blue",
    "window",
    "attachment",
    "spreadsheet",
    "payslip",
];

/// Rare words: each in roughly one message in 5,000.
pub const RARE: &[&str] = &[
    "kerberos",
    "гипервизор",
    "дедупликация",
    "firmware",
    "sharepoint",
    "биометрия",
    "фискальный",
    "ретранслятор",
    "checksum",
    "терминал",
    "plotter",
    "ламинатор",
    "virtualbox",
    "шредер",
    "proxmox",
    "токен",
    "yubikey",
    "кассовый",
    "hyperv",
    "эквайринг",
];

/// Zipf(s = 1) sampler over a word list.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut acc = 0.0;
        let cumulative = (0..n)
            .map(|i| {
                acc += 1.0 / (i as f64 + 1.5);
                acc
            })
            .collect();
        Self { cumulative }
    }

    fn pick(&self, rng: &mut fastrand::Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.f64() * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1)
    }
}

/// Generates realistic, deterministic support-chat texts: mostly Russian, some English, some
/// mixed; Zipf-distributed common words, occasional rare words, ticket and serial numbers.
pub struct TextGen {
    rng: fastrand::Rng,
    ru: Zipf,
    en: Zipf,
}

impl TextGen {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            ru: Zipf::new(RU_COMMON.len()),
            en: Zipf::new(EN_COMMON.len()),
        }
    }

    fn word(&mut self, english: bool) -> &'static str {
        if english {
            EN_COMMON[self.en.pick(&mut self.rng)]
        } else {
            RU_COMMON[self.ru.pick(&mut self.rng)]
        }
    }

    pub fn text(&mut self) -> String {
        let lang = self.rng.u8(0..10); // 0..7 Russian, 7..9 English, 9 mixed
                                       // Mostly short messages, a few long ones.
        let len = if self.rng.u8(0..10) == 0 {
            self.rng.usize(15..60)
        } else {
            self.rng.usize(2..14)
        };
        let mut words: Vec<String> = (0..len)
            .map(|_| {
                let english = match lang {
                    0..=6 => false,
                    7 | 8 => true,
                    _ => self.rng.bool(),
                };
                self.word(english).to_owned()
            })
            .collect();
        // Per message: a rare word in 1 of 250 (each of the 20 in ~1 of 5,000), a ticket number
        // in 1 of 40, a serial number (practically unique) in 1 of 200.
        if self.rng.u16(0..250) == 0 {
            let at = self.rng.usize(0..len);
            words[at] = RARE[self.rng.usize(0..RARE.len())].to_owned();
        }
        if self.rng.u16(0..40) == 0 {
            let at = self.rng.usize(0..len);
            words[at] = format!("INC-{}", self.rng.u32(10_000..99_999));
        }
        if self.rng.u16(0..200) == 0 {
            let at = self.rng.usize(0..len);
            words[at] = format!("SN{}", self.rng.u32(100_000..999_999));
        }
        let mut out = String::with_capacity(len * 10);
        for (i, w) in words.iter().enumerate() {
            if i == 0 {
                let mut cs = w.chars();
                if let Some(c) = cs.next() {
                    out.extend(c.to_uppercase());
                    out.push_str(cs.as_str());
                }
            } else {
                out.push_str(if self.rng.u8(0..12) == 0 { ", " } else { " " });
                out.push_str(w);
            }
        }
        out.push(match self.rng.u8(0..6) {
            0 => '?',
            1 => '!',
            2 | 3 => '.',
            _ => ' ',
        });
        out.trim_end().to_owned()
    }
}

// ------------------------------------------------------------------------------ fixtures

pub const ME: UserId = UserId(1);
pub const SPECIALIST: UserId = UserId(2);

pub fn me() -> Me {
    Me {
        id: ME,
        login: "user".into(),
        display_name: "Anna Petrova".into(),
        service_admin: false,
        memberships: vec![],
    }
}

pub fn line(id: i64) -> Line {
    Line {
        id: LineId(id),
        company_id: CompanyId(1),
        company_name: "Okno Demo".into(),
        name: format!("Line {id}"),
        internal_name: String::new(),
        description: "Computers, accounts, e-mail, printers and VPN.".into(),
        details_url: String::new(),
        has_avatar: false,
        hours: None,
        working_now: true,
        next_open_at: None,
        published: true,
        recommended: false,
    }
}

/// A snapshot at cursor 0 with `chats` active connections: line `i` ↔ chat `i` (1-based).
pub fn snapshot(chats: i64) -> Snapshot {
    Snapshot {
        cursor: 0,
        me: me(),
        connections: (1..=chats)
            .map(|i| okno_proto::Connection {
                id: ConnectionId(i),
                user_id: ME,
                user_display_name: "Anna Petrova".into(),
                line: line(i),
                state: ConnectionState::Active,
                origin: ConnectionOrigin::Admin,
                chat_id: Some(ChatId(i)),
                created_at: 1_700_000_000_000,
            })
            .collect(),
        chats: (1..=chats)
            .map(|i| ChatSummary {
                id: ChatId(i),
                line_id: LineId(i),
                user_id: ME,
                user_display_name: "Anna Petrova".into(),
                last_seq: 0,
                last_message_at: None,
                last_message: None,
                read_seq: 0,
                unread: 0,
                open_ticket: None,
            })
            .collect(),
    }
}

/// A text message as the server would send it; every third one is the user's own.
pub fn message(id: i64, chat: ChatId, seq: i64, created_at: i64, text: String) -> Message {
    let own = id % 3 == 0;
    Message {
        id: MessageId(id),
        chat_id: chat,
        seq,
        sender_id: Some(if own { ME } else { SPECIALIST }),
        sender_name: if own { "Anna Petrova" } else { "Sergei Ivanov" }.into(),
        kind: MessageKind::Text,
        text,
        files: vec![],
        notice: None,
        client_msg_id: own.then(uuid::Uuid::new_v4),
        created_at,
        bot: None,
    }
}
