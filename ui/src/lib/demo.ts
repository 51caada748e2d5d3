// Demo data for the MemoryBackend: what a new user of the built-in demo server sees.
import type { Lang } from "./i18n";
import { MemoryBackend, type MemoryOptions } from "./memory";
import type { WorkingHours } from "./backend";

const MIN = 60_000;

const weekdays = (open: string, close: string, days = [1, 2, 3, 4, 5]) =>
  days.map((weekday) => ({ weekday, open, close }));

/** Local time today at hh:mm, shifted by `days`. */
function at(now: number, days: number, hh: number, mm: number): number {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  d.setHours(hh, mm, 0, 0);
  return d.getTime();
}

/** Messages "a few minutes ago" that never land in the future or before midnight. */
function recent(now: number, minutesAgo: number): number {
  const t = now - minutesAgo * MIN;
  const midnight = at(now, 0, 0, 0);
  return t < midnight ? midnight + (minutesAgo % 50) * MIN + MIN : t;
}

const text = {
  en: {
    me: "Anna Petrova",
    itName: "IT Help Desk",
    itDesc: "Computers, accounts, e-mail, printers and access to corporate systems. First-line answers in minutes; complex cases go to the second line.",
    acctName: "Accounting Software Support",
    acctDesc: "Help with the accounting suite: updates, reports, exchange with banks and tax services.",
    facName: "Facilities",
    facDesc: "Office maintenance, furniture, access cards, parking and deliveries.",
    hrName: "HR Service Desk",
    hrDesc: "Certificates, vacations, business trips and personnel documents.",
    vpnName: "Corporate VPN",
    vpnDesc: "Remote access to the corporate network.",
    secName: "Security Operations",
    secDesc: "Report phishing, lost devices and suspicious activity.",
    travelName: "Travel Booking",
    travelDesc: "Tickets and hotels for business trips, visa support.",
    oknoName: "Okno Product Support",
    oknoDesc: "Questions about the Okno messenger itself: features, settings, feedback.",
    legalName: "Legal Consultations",
    legalDesc: "Contracts, approvals and legal questions for employees.",
    printName: "Print & Copy Center",
    printDesc: "Large-format printing, binding and scanning of documents.",
    cDemo: "Okno Demo",
    cAcme: "Acme Cloud",
    cCity: "City Facility Services",
    cTravel: "Aero Travel",
    spec1: "Dmitry Sokolov",
    spec2: "Elena Orlova",
    spec3: "Pavel Ivanov",
    it: [
      "Good morning! After yesterday's update Outlook asks for my password every ten minutes.",
      "Good morning, Anna! This is a known issue after the update. Could you tell me the version shown in File → Office Account?",
      "Version 2409, build 18025.20104",
      "Thanks. Please try signing out of Office, restarting the computer and signing in again. Instructions: https://support.example.com/kb/outlook-password-prompt",
      "That didn't help, unfortunately 😕 Here is a screenshot of the error.",
      "I see. I have registered a service request for the second line — they will reset your profile remotely. It usually takes about an hour.",
      "Reset Outlook profile for a.petrova",
      "Great, thank you! I'll be at my desk until 6 pm.",
      "The profile has been reset. Please restart Outlook and check whether the prompt is gone.",
      "It works now! The password prompt is gone.",
      "Also, the printer on the 3rd floor shows \"Paper jam\" but there is no paper stuck anywhere.",
      "Thanks for letting us know! Printer PR-3-14 is already on our list, an engineer will come by after lunch.",
    ],
    acct: [
      "Hello! The bank statement import fails with \"Unknown format\".",
      "Hello! Please send us the statement file and we will check it.",
      "Here it is.",
      "The bank changed the export format. Please update the exchange module to version 3.2 — the update is already available in the catalogue.",
      "Updated, the import works now. Thank you!",
    ],
    fac: [
      "Hi! The air conditioner in room 412 is leaking.",
      "A technician will come today between 2 and 4 pm.",
      "Fixed, thanks!",
    ],
    hr: ["Could you send me an employment certificate for the visa centre?", "Of course — it's attached. Good luck with the trip!"],
  },
  ru: {
    me: "Анна Петрова",
    itName: "ИТ-поддержка",
    itDesc: "Компьютеры, учётные записи, почта, принтеры и доступ к корпоративным системам. Первая линия отвечает за минуты, сложные случаи передаёт второй.",
    acctName: "Поддержка 1С:Бухгалтерии",
    acctDesc: "Помощь с бухгалтерской программой: обновления, отчёты, обмен с банками и налоговой.",
    facName: "Хозяйственная служба",
    facDesc: "Обслуживание офиса, мебель, пропуска, парковка и доставка.",
    hrName: "Кадровая служба",
    hrDesc: "Справки, отпуска, командировки и кадровые документы.",
    vpnName: "Корпоративный VPN",
    vpnDesc: "Удалённый доступ к корпоративной сети.",
    secName: "Служба безопасности",
    secDesc: "Сообщите о фишинге, потере устройства или подозрительной активности.",
    travelName: "Бронирование поездок",
    travelDesc: "Билеты и гостиницы для командировок, визовая поддержка.",
    oknoName: "Поддержка продукта Окно",
    oknoDesc: "Вопросы о самом мессенджере Окно: возможности, настройки, пожелания.",
    legalName: "Юридические консультации",
    legalDesc: "Договоры, согласования и правовые вопросы сотрудников.",
    printName: "Центр печати",
    printDesc: "Широкоформатная печать, переплёт и сканирование документов.",
    cDemo: "Окно Демо",
    cAcme: "Акме Облако",
    cCity: "Городской сервис зданий",
    cTravel: "Аэро Тревел",
    spec1: "Дмитрий Соколов",
    spec2: "Елена Орлова",
    spec3: "Павел Иванов",
    it: [
      "Доброе утро! После вчерашнего обновления Outlook каждые десять минут спрашивает пароль.",
      "Доброе утро, Анна! Это известная проблема после обновления. Подскажите версию из меню Файл → Учётная запись Office?",
      "Версия 2409, сборка 18025.20104",
      "Спасибо. Попробуйте выйти из Office, перезагрузить компьютер и войти снова. Инструкция: https://support.example.com/kb/outlook-password-prompt",
      "К сожалению, не помогло 😕 Вот снимок экрана с ошибкой.",
      "Понятно. Я зарегистрировал заявку для второй линии — они сбросят профиль удалённо. Обычно это занимает около часа.",
      "Сброс профиля Outlook для a.petrova",
      "Отлично, спасибо! Я на месте до 18:00.",
      "Профиль сброшен. Перезапустите Outlook и проверьте, пропал ли запрос пароля.",
      "Всё работает! Запрос пароля больше не появляется.",
      "И ещё: принтер на 3 этаже пишет «Замятие бумаги», но бумаги внутри нет.",
      "Спасибо, что сообщили! Принтер PR-3-14 уже в списке, инженер подойдёт после обеда.",
    ],
    acct: [
      "Здравствуйте! Загрузка банковской выписки падает с ошибкой «Неизвестный формат».",
      "Здравствуйте! Пришлите, пожалуйста, файл выписки — проверим.",
      "Вот он.",
      "Банк изменил формат выгрузки. Обновите модуль обмена до версии 3.2 — обновление уже есть в каталоге.",
      "Обновила, загрузка работает. Спасибо!",
    ],
    fac: [
      "Здравствуйте! В переговорной 412 протекает кондиционер.",
      "Техник подойдёт сегодня с 14 до 16.",
      "Починили, спасибо!",
    ],
    hr: ["Можно справку с места работы для визового центра?", "Конечно — во вложении. Хорошей поездки!"],
  },
};

export interface Demo {
  backend: MemoryBackend;
  ids: { itChat: number; vpnConnection: number; travelLine: number };
}

/** A MemoryBackend with the demo world, signed in as `user`. */
export function createDemo(lang: Lang, opts: MemoryOptions & { signedIn?: boolean } = {}): Demo {
  const now = (opts.now ?? Date.now)();
  const s = text[lang];
  const mb = new MemoryBackend({ autoReply: true, ...opts });
  mb.addAccount("user", "okno-demo", s.me);
  mb.addAccount("specialist", "okno-demo", s.spec1);
  mb.addAccount("admin", "okno-demo", s.spec2);
  mb.signInAs("user");

  const demo = mb.addCompany(s.cDemo);
  const acme = mb.addCompany(s.cAcme);
  const city = mb.addCompany(s.cCity);
  const travel = mb.addCompany(s.cTravel);

  const moscow = (weekly: WorkingHours["weekly"]): WorkingHours => ({ time_zone: "Europe/Moscow", weekly, holidays: [] });

  const it = mb.addLine(demo, {
    name: s.itName,
    description: s.itDesc,
    details_url: "https://okno.example.com/lines/it-help-desk",
    hours: moscow([...weekdays("08:00", "20:00"), { weekday: 6, open: "10:00", close: "16:00" }]),
    working_now: true,
    published: true,
  });
  const acct = mb.addLine(acme, {
    name: s.acctName,
    description: s.acctDesc,
    details_url: "https://acme.example.com/support",
    hours: moscow(weekdays("09:00", "18:00")),
    working_now: true,
    published: true,
  });
  const fac = mb.addLine(city, {
    name: s.facName,
    description: s.facDesc,
    hours: moscow([...weekdays("09:00", "13:00"), ...weekdays("14:00", "18:00")]),
    working_now: false,
    next_open_at: at(now, 1, 9, 0),
  });
  const hr = mb.addLine(demo, { name: s.hrName, description: s.hrDesc, hours: moscow(weekdays("10:00", "17:00", [1, 2, 3, 4])) });
  const vpn = mb.addLine(demo, { name: s.vpnName, description: s.vpnDesc, published: true });
  const sec = mb.addLine(demo, { name: s.secName, description: s.secDesc });
  const travelLine = mb.addLine(travel, {
    name: s.travelName,
    description: s.travelDesc,
    details_url: "https://aero.example.com",
    published: true,
    recommended: true,
  });
  mb.addLine(demo, { name: s.oknoName, description: s.oknoDesc, published: true, recommended: true });
  mb.addLine(acme, { name: s.legalName, description: s.legalDesc, published: true });
  mb.addLine(city, { name: s.printName, description: s.printDesc, published: true });

  // IT Help Desk's knowledge base and menu: hints while typing, the bot's answers.
  const ruKb = lang === "ru";
  const kb = ruKb
    ? [
        ["Как подключиться к VPN из дома?", "Установите **GlobalProtect** из Центра программ:\n\n- портал vpn.corp.example\n- рабочая учётная запись и второй фактор\n\nПодробнее: [инструкция](https://okno.example/vpn).", ["впн", "vpn", "удалённо"]],
        ["Принтер не печатает", "Проверьте бумагу и очередь печати, затем выключите принтер на 10 секунд.", ["принтер", "печать"]],
        ["Как сменить пароль?", "Нажмите **Ctrl+Alt+Del** → «Изменить пароль».", ["пароль"]],
        ["Не приходит почта в Outlook", "Проверьте подключение и перезапустите Outlook; если не помогло — пересоздайте профиль.", ["почта", "outlook"]],
      ]
    : [
        ["How do I connect to the VPN from home?", "Install **GlobalProtect** from Software Center:\n\n- portal vpn.corp.example\n- your work account and MFA\n\nMore: [the guide](https://okno.example/vpn).", ["vpn", "remote"]],
        ["The printer does not print", "Check the paper and the print queue, then turn the printer off for 10 seconds.", ["printer", "print"]],
        ["How do I change my password?", "Press **Ctrl+Alt+Del** → *Change a password*.", ["password"]],
        ["Outlook does not receive mail", "Check the connection and restart Outlook; if that does not help, recreate the profile.", ["mail", "outlook"]],
      ];
  for (const [question, answer, keywords] of kb as [string, string, string[]][]) mb.addArticle(it.id, { question, answer, keywords });
  mb.setMenu(it.id, {
    greeting: ruKb ? "Чем помочь? Выберите тему или напишите вопрос." : "How can we help? Pick a topic or write a question.",
    items: [
      { id: "access", parent: null, label: ruKb ? "Доступ и пароли" : "Access and passwords", action: { type: "submenu" } },
      { id: "password", parent: "access", label: ruKb ? "Сменить пароль" : "Change a password", action: { type: "text", text: ruKb ? "Нажмите **Ctrl+Alt+Del** → «Изменить пароль»." : "Press **Ctrl+Alt+Del** → *Change a password*." } },
      { id: "back", parent: "access", label: ruKb ? "Назад" : "Back", action: { type: "back" } },
      { id: "human", parent: null, label: ruKb ? "Позвать специалиста" : "Call a specialist", action: { type: "specialist" } },
      { id: "portal", parent: null, label: ruKb ? "Портал поддержки" : "Support portal", action: { type: "link", url: "https://okno.example/it" } },
    ],
  });

  // IT Help Desk: a conversation over three days, an open ticket, a service request, files.
  const itConn = mb.connect(it.id);
  const itChat = itConn.chat_id!;
  const d1 = { id: 501, name: s.spec1 };
  const d2 = { id: 502, name: s.spec2 };
  const L = s.it;
  mb.addMessage(itChat, { from: "me", text: L[0], at: at(now, -2, 9, 10) });
  mb.openTicket(itChat, at(now, -2, 9, 10));
  mb.addMessage(itChat, { from: d1, text: L[1], at: at(now, -2, 9, 14) });
  mb.addMessage(itChat, { from: "me", text: L[2], at: at(now, -2, 9, 16) });
  mb.addMessage(itChat, { from: d1, text: L[3], at: at(now, -2, 9, 18) });
  mb.addMessage(itChat, { from: "me", text: L[4], files: [{ name: "outlook-error.png", size: 248_113 }], at: at(now, -2, 9, 40) });
  mb.addMessage(itChat, { from: d1, text: L[5], at: at(now, -2, 9, 47) });
  mb.addServiceRequest(itChat, L[6], "in_progress", at(now, -2, 9, 48));
  mb.addMessage(itChat, { from: "me", text: L[7], at: at(now, -2, 9, 50) });
  mb.addMessage(itChat, { from: d2, text: L[8], at: at(now, -1, 11, 5) });
  mb.addMessage(itChat, { from: "me", text: L[9], at: at(now, -1, 11, 20) });
  mb.closeChatTicket(itChat, at(now, -1, 11, 21));
  mb.addMessage(itChat, { from: "me", text: L[10], at: recent(now, 42) });
  mb.openTicket(itChat, recent(now, 42));
  mb.addServiceRequest(itChat, lang === "ru" ? "Принтер PR-3-14: ложное замятие" : "Printer PR-3-14: false paper jam", "open", recent(now, 20));
  mb.addMessage(itChat, { from: d1, text: L[11], at: recent(now, 19), read: false });
  mb.addMessage(itChat, {
    from: d1,
    text: lang === "ru" ? "Пока можно печатать на PR-3-02 у переговорной." : "Meanwhile you can print on PR-3-02 next to the meeting room.",
    files: [{ name: lang === "ru" ? "Схема-3-этажа.pdf" : "floor-3-map.pdf", size: 1_482_001 }],
    at: recent(now, 18),
    read: false,
  });

  // Accounting: yesterday, resolved.
  const acctChat = mb.connect(acct.id).chat_id!;
  const sp3 = { id: 503, name: s.spec3 };
  mb.addMessage(acctChat, { from: "me", text: s.acct[0], at: at(now, -1, 15, 0) });
  mb.openTicket(acctChat, at(now, -1, 15, 0));
  mb.addMessage(acctChat, { from: sp3, text: s.acct[1], at: at(now, -1, 15, 6) });
  mb.addMessage(acctChat, { from: "me", text: s.acct[2], files: [{ name: "statement_2024-11.xml", size: 31_774 }], at: at(now, -1, 15, 8) });
  mb.addMessage(acctChat, { from: sp3, text: s.acct[3], at: at(now, -1, 15, 25) });
  mb.addMessage(acctChat, { from: "me", text: s.acct[4], at: at(now, -1, 16, 2) });
  mb.closeChatTicket(acctChat, at(now, -1, 16, 3));

  // Facilities: last week; closed now.
  const facChat = mb.connect(fac.id).chat_id!;
  mb.addMessage(facChat, { from: "me", text: s.fac[0], at: at(now, -5, 10, 0) });
  mb.openTicket(facChat, at(now, -5, 10, 0));
  mb.addMessage(facChat, { from: { id: 504, name: s.cCity }, text: s.fac[1], at: at(now, -5, 10, 12) });
  mb.addMessage(facChat, { from: "me", text: s.fac[2], at: at(now, -5, 16, 30) });
  mb.addMessage(facChat, { from: { id: 504, name: s.cCity }, text: "👍", at: at(now, -5, 16, 31), read: false });

  // HR: months ago, muted.
  const hrChat = mb.connect(hr.id, { muted: true }).chat_id!;
  mb.addMessage(hrChat, { from: "me", text: s.hr[0], at: at(now, -64, 12, 0) });
  mb.addMessage(hrChat, { from: { id: 505, name: s.hrName }, text: s.hr[1], files: [{ name: lang === "ru" ? "Справка.pdf" : "certificate.pdf", size: 92_412 }], at: at(now, -63, 10, 0) });

  const vpnConn = mb.connect(vpn.id, { state: "pending", origin: "request" });
  mb.connect(sec.id);

  // The support side (sign in as "specialist" or "admin"): the specialist works the Okno Demo
  // lines; two clients wait in the queue, one ticket is theirs.
  mb.addAgent(demo, "specialist", { presence: "away", capacity: 3, lines: [it.id, hr.id, vpn.id, sec.id] });
  mb.addAgent(demo, "admin", { role: "admin", presence: "online", capacity: 5, lines: [] });
  mb.addService(demo, lang === "ru" ? "Рабочее место" : "Workplace", [
    {
      name: lang === "ru" ? "Ремонт принтера" : "Printer repair",
      fields: [
        { name: lang === "ru" ? "Инвентарный номер" : "Inventory number", type: "text", required: true },
        { name: lang === "ru" ? "Этаж" : "Floor", type: "number", required: false },
      ],
    },
    {
      name: lang === "ru" ? "Новая учётная запись" : "New account",
      fields: [
        { name: lang === "ru" ? "Дата выхода" : "Start date", type: "date", required: true },
        { name: lang === "ru" ? "Руководитель" : "Manager", type: "text", required: true },
      ],
    },
  ]);
  const clients = lang === "ru" ? ["Иван Сидоров", "Ольга Ким", "Пётр Волков"] : ["Ivan Sidorov", "Olga Kim", "Peter Volkov"];
  const asks =
    lang === "ru"
      ? ["Не могу войти в 1С после смены пароля", "VPN отключается каждые 10 минут", "Нужен доступ к общей папке отдела"]
      : ["I can't log in to the ERP after changing my password", "The VPN disconnects every 10 minutes", "I need access to the department's shared folder"];
  clients.forEach((name, i) => {
    const login = `client${i + 1}`;
    const acc = mb.addAccount(login, "okno-demo", name);
    mb.setClientCard(demo, acc.id, { organization: lang === "ru" ? "ООО «Ромашка»" : "Romashka LLC", contact: `+7 495 000-00-0${i + 1}` });
    const chat = mb.connectUser(login, [it.id, vpn.id, it.id][i]);
    mb.addMessage(chat, { from: { id: acc.id, name }, text: asks[i], at: recent(now, 12 - i * 4) });
    if (i === 2) mb.openTicket(chat, recent(now, 4), { queued: true });
    else if (i === 1) mb.openTicket(chat, recent(now, 8), { queued: true });
    else mb.openTicket(chat, recent(now, 12), { assignee: mb.signInAs("specialist").id });
  });
  mb.signInAs("user");

  mb.defaultPick = [
    mb.addLocalFile(lang === "ru" ? "/home/anna/Документы/Акт сверки.pdf" : "/home/anna/Documents/reconciliation.pdf", 842_112),
    mb.addLocalFile("/home/anna/Pictures/screenshot-2024-11-21.png", 356_880),
  ];
  if (opts.signedIn === false) void mb.logout();
  return { backend: mb, ids: { itChat, vpnConnection: vpnConn.id, travelLine: travelLine.id } };
}
