// Every visible string goes through `t`. The language follows the system locale (the shell's
// `info`, or navigator.language in a browser): "ru*" → Russian, anything else → English; the
// locale's region picks English's clock and date order (lib/format.ts).
//
// Plural strings hold their forms separated by "|" in CLDR's order:
// English one|other; Russian one|few|many|other. `tn` picks the form.

const en = {
  "app.name": "Okno",

  "signin.title": "Sign in to Okno",
  "signin.subtitle": "Your support lines, in one window.",
  "signin.server": "Server",
  "signin.serverPlaceholder": "Built-in demo server",
  "signin.serverHint": "Leave empty to use the built-in demo server.",
  "signin.demoHint": "Demo accounts: user, specialist, admin — password okno-demo",
  "signin.login": "Login",
  "signin.password": "Password",
  "signin.submit": "Sign in",
  "signin.submitting": "Signing in…",
  "signin.required": "Enter your login and password.",

  "account.signOut": "Sign out",
  "account.signOutFailed": "Could not sign out: {detail}",
  "account.menu": "Account",
  "settings.title": "Settings",
  "settings.autostart": "Start Okno at login",
  "settings.autostartHint": "Replies reach you even before you open Okno.",
  "settings.failed": "Could not change it: {detail}",

  "sync.idle": "Not connected",
  "sync.connecting": "Connecting…",
  "sync.online": "Connected",
  "sync.offline": "No connection",
  "sync.session_ended": "Session ended",

  "banner.offline": "No connection. Messages will be sent when it is back.",
  "banner.untrustedCertificate":
    "No connection: this computer does not trust the server's certificate. Messages will be sent when it is back.",
  "banner.notHttps": "No connection: the server no longer answers over HTTPS. Messages will be sent when it is back.",
  "banner.tls": "No connection: a secure connection to the server could not be set up. Messages will be sent when it is back.",
  "banner.proxyAuthRequired":
    "No connection: the network's proxy asks for a user name and password. Messages will be sent when it is back.",
  "banner.proxyRefused": "No connection: the network's proxy does not let Okno through. Messages will be sent when it is back.",
  "banner.proxyUnsupported": "No connection: Okno cannot use this network's proxy. Messages will be sent when it is back.",
  "banner.sessionEnded": "The server ended this session. Sign in again to send and receive messages — unsent ones wait.",
  "banner.signInAgain": "Sign in again",
  "signinAgain.title": "Sign in again",
  "signinAgain.who": "{login} on {server}",
  "signinAgain.whoBuiltIn": "{login} on the built-in demo server",

  "lines.title": "Lines",
  "lines.empty": "No lines yet",
  "lines.emptyHint": "Search for a line and request a connection.",
  "lines.pending": "Pending",
  "lines.rejected": "Rejected",
  "lines.unread": "{n} unread|{n} unread",
  "lines.openTicket": "Ticket open",
  "lines.muted": "Muted",
  "lines.you": "You: {text}",
  "lines.draft": "Draft:",
  "lines.files": "{n} file|{n} files",

  "search.placeholder": "Search",
  "search.shortcut": "Ctrl+K",
  "search.close": "Close search",
  "search.yourLines": "Your lines",
  "search.messages": "Messages",
  "search.you": "You:",
  "search.recommended": "Recommended",
  "search.directory": "Published lines",
  "search.nothing": "Nothing found",
  "search.nothingElse": "No other lines found",
  "search.nothingHint": "Try another name or word from the description.",
  "search.searching": "Searching…",
  "search.request": "Request connection",
  "search.connected": "Connected",
  "search.pending": "Pending",
  "search.error": "Search failed: {message}",

  "chat.choose": "Choose a line on the left",
  "chat.chooseHint": "Each line is a direct channel to a support service. Pick one to see its history or ask a question.",
  "chat.empty": "No messages yet — write your question",
  "chat.emptyHint": "A specialist will answer here. A ticket is registered automatically.",
  "chat.pendingTitle": "Waiting for approval",
  "chat.pendingHint": "Your connection request was sent to {company}. The chat opens as soon as it is approved.",
  "chat.rejectedTitle": "Request declined",
  "chat.rejectedHint": "{company} declined the connection request. You can request it again from search.",
  "chat.otherActions": "Other actions",
  "chat.information": "Information",
  "chat.disconnect": "Disconnect line",
  "chat.mute": "Mute notifications",
  "chat.unmute": "Unmute notifications",
  "chat.muteFailed": "Could not change it: {detail}",
  "chat.loadingOlder": "Loading earlier messages…",
  "chat.toNewest": "Go to the newest messages",
  "chat.unread": "Unread messages",
  "chat.today": "Today",
  "chat.yesterday": "Yesterday",
  "chat.workingNow": "specialists are working",
  "chat.notWorking": "not working now",

  "msg.sending": "Sending…",
  "msg.sent": "Sent",
  "msg.failed": "Not sent",
  "msg.retry": "Retry",
  "msg.cancel": "Cancel",
  "msg.cancelUpload": "Cancel upload",
  "msg.openFile": "Open {name}",

  "notice.ticketRegistered": "Ticket #{n} registered",
  "notice.ticketClosed": "Ticket #{n} closed",
  "notice.ticketClosedResult": "Ticket #{n} closed: {result}",
  "notice.serviceRequest": "Service request #{n} registered: {title}",
  "notice.queued": "Ticket #{n}: all specialists are busy. You are number {pos} in the queue",
  "notice.queuedFirst": "Ticket #{n}: all specialists are busy. You are next in the queue",
  "notice.outsideHours": "Ticket #{n} was registered outside working hours. Specialists will answer {when}",
  "notice.outsideHoursNoTime": "Ticket #{n} was registered outside working hours. Specialists will answer when they are back",
  "notice.assigned": "{name} is working on ticket #{n}",
  "notice.transferredTo": "Ticket #{n} was transferred to {to}",
  "notice.rated": "Ticket #{n} rated {stars}",
  "notice.srStatus": "Service request #{n} “{title}”: {status}",

  "composer.placeholder": "Write a message…",
  "composer.send": "Send",
  "composer.attach": "Attach files",
  "composer.emoji": "Emoji",
  "composer.remove": "Remove {name}",
  "composer.hint": "Enter to send, Shift+Enter for a new line",
  "composer.menu": "Menu",
  "hints.title": "Maybe you are asking",
  "hints.label": "Similar questions",

  "drop.title": "Drop files to send",
  "drop.hint": "{n} file will be sent in one message|{n} files will be sent in one message",
  "drop.hintAny": "They will be sent in one message",

  "info.title": "Information",
  "info.close": "Close information",
  "info.more": "More",
  "info.hours": "Working hours",
  "info.timeZone": "Time zone: {tz}",
  "info.aroundClock": "Around the clock",
  "info.closed": "closed",
  "info.workingNow": "Specialists are working now",
  "info.notWorking": "Not working now — opens {when}",
  "info.notWorkingNoTime": "Not working now",
  "info.requests": "Service requests",
  "info.requestNumber": "#{n}",
  "info.noRequests": "No open requests",
  "info.files": "Files",
  "info.noFiles": "No files in this chat yet",
  "info.disconnect": "Disconnect line",
  "info.loading": "Loading…",

  "sr.open": "Open",
  "sr.in_progress": "In progress",
  "sr.done": "Done",
  "sr.cancelled": "Cancelled",

  "dialog.disconnectTitle": "Disconnect “{name}”?",
  "dialog.disconnectBody": "The line leaves your list. Its chat history is kept and comes back if you connect the line again.",
  "dialog.disconnect": "Disconnect",
  "dialog.cancel": "Cancel",
  "dialog.unsentTitle": "Sign out with unsent messages?",
  "dialog.unsentBody": "Some of your messages have not reached the server yet. If you sign out now, they are lost.",
  "dialog.signOutAnyway": "Sign out anyway",

  "time.todayAt": "today at {time}",
  "time.tomorrowAt": "tomorrow at {time}",
  "time.dateAt": "{date} at {time}",

  "size.b": "{n} B",
  "size.kb": "{n} KB",
  "size.mb": "{n} MB",
  "size.gb": "{n} GB",

  "error.generic": "Something went wrong. Please try again.",
  "error.offline": "Cannot reach the server. Check the connection and try again.",
  "error.busy": "The server is busy. Try again in a moment.",
  "error.rateLimited": "Too many attempts. Try again later.",
  "error.rateLimitedIn": "Too many attempts. Try again in {n} s.",
  "error.internal": "The server ran into an error. Try again later.",
  "error.signInAgain": "Sign in again.",
  "error.tooLarge": "The file is too large for the server.",
  "error.tooLargeOf": "The file is too large: {size}, at most {limit}.",
  "error.tooLargeNamed": "“{name}” is too large: {size}, at most {limit}.",
  "error.notAFile": "“{name}” is not a file: folders cannot be sent.",
  "error.textTooLong": "The message is too long: {n} characters, at most {limit}. Split it, or send the text as a file.",
  "error.tooManyFiles": "A message can carry at most {limit} files; this one has {n}.",
  "error.emptyFile": "“{name}” is empty: there is nothing to send.",
  "error.unreadableFile": "Cannot read “{name}”: it may have been moved or deleted.",
  "error.tooLargeMax": "The file is too large: the server takes at most {limit}.",
  "error.cancelled": "Cancelled.",
  "error.badResponse": "The server answered something unexpected. Try again later.",
  "error.local": "Cannot read or write Okno's data on this computer.",
  "error.clipboard": "Cannot read the clipboard.",
  "error.unsupported": "Not available on this system.",
  "error.invalid": "Check what you entered.",
  "error.serverAddress": "Enter the server's address like https://okno.example.com",
  "error.notHttps": "The server at this address does not answer over HTTPS. If it has no HTTPS, write http:// before the address.",
  "error.untrustedCertificate":
    "This computer does not trust the server's certificate. Check the address; if it is right, ask your administrator about the server's certificate.",
  "error.tls": "Could not set up a secure connection to the server.",
  "error.proxyAuthRequired": "The network's proxy asks for a user name and password that Okno does not have. Ask your administrator.",
  "error.proxyRefused": "The network's proxy does not let Okno through to the server. Check the address, or ask your administrator.",
  "error.proxyUnsupported": "Okno works through HTTP proxies only, and this network names another kind. Ask your administrator.",
  "error.serverMoved": "The server at this address sends its visitors to another one. Check the address with your administrator.",
  "error.unsent": "Some of your messages are not sent yet.",
  "error.forbidden": "You have no right to do that.",
  "error.notFound": "Not found: it may have been removed.",
  "error.conflict": "It has changed meanwhile. Try again.",
  "error.badCredentials": "Wrong login or password.",

  "section.lines": "Lines",
  "section.tickets": "Tickets",

  "presence.label": "Presence",
  "presence.online": "Online",
  "presence.away": "Away",
  "presence.offline": "Offline",

  "tickets.queued": "Queue",
  "tickets.mine": "Mine",
  "tickets.open": "All open",
  "tickets.empty.queued": "No one is waiting",
  "tickets.empty.mine": "No tickets assigned to you",
  "tickets.empty.open": "No open tickets",
  "tickets.emptyHint": "New tickets appear here at once.",
  "tickets.emptyHintMine": "Tickets you take from the queue or are given appear here.",
  "tickets.number": "#{n}",
  "tickets.waiting": "waiting {time}",
  "tickets.inWork": "in work {time}",
  "tickets.unassigned": "Unassigned",
  "tickets.place": "place {n} in the queue",
  "tickets.choose": "Choose a ticket",
  "tickets.chooseHint": "Every request from every channel lands here: take one from the queue or open one of yours.",
  "tickets.loadError": "Tickets could not be loaded: {message}",
  "tickets.waitingCount": "{n} waiting|{n} waiting",

  "state.queued": "Waiting",
  "state.assigned": "In work",
  "state.closed": "Closed",
  "state.bot": "With the bot",

  "channel.desktop": "App",
  "channel.web": "Web",
  "channel.email": "E-mail",
  "channel.telegram": "Telegram",
  "channel.api": "API",

  "duration.s": "{n} s",
  "duration.m": "{n} min",
  "duration.h": "{h} h {m} min",
  "duration.d": "{d} d {h} h",

  "ticket.take": "Take",
  "ticket.transfer": "Transfer",
  "ticket.request": "Service request",
  "ticket.close": "Close",
  "ticket.taken": "Someone else took this ticket first.",
  "ticket.client": "Client",
  "ticket.card": "Client and ticket",
  "ticket.cardClose": "Close the client's card",
  "ticket.login": "Login",
  "ticket.organization": "Organization",
  "ticket.contact": "Contact",
  "ticket.responsible": "Responsible specialist",
  "ticket.details": "Ticket",
  "ticket.line": "Line",
  "ticket.channel": "Channel",
  "ticket.opened": "Opened",
  "ticket.assignee": "Assignee",
  "ticket.requests": "Service requests",
  "ticket.noRequests": "None yet",
  "ticket.requestStatus": "Status of service request #{n}",
  "ticket.closedAt": "Closed",
  "ticket.result": "Result",
  "ticket.rating": "Rating",

  "transfer.title": "Transfer ticket #{n}",
  "transfer.toSpecialist": "To a specialist",
  "transfer.toLine": "To a line",
  "transfer.specialist": "Specialist",
  "transfer.line": "Line",
  "transfer.comment": "Comment (the client sees it)",
  "transfer.submit": "Transfer",
  "transfer.pick": "Choose…",
  "transfer.load": "{load} of {capacity}",
  "transfer.needTarget": "Choose where to transfer.",
  "transfer.needComment": "Write a comment.",

  "close.title": "Close ticket #{n}",
  "close.result": "Result",
  "close.resultHint": "What was done: the client sees it and is asked to rate the work.",
  "close.submit": "Close ticket",
  "close.needResult": "Describe the result.",

  "sreq.title": "Register a service request",
  "sreq.service": "Service",
  "sreq.workType": "Work type",
  "sreq.name": "Title",
  "sreq.submit": "Register",
  "sreq.pick": "Choose…",
  "sreq.empty": "The company's catalog is empty.",
  "sreq.needTitle": "Give the request a title.",
  "sreq.needWorkType": "Choose a service and a work type.",
  "sreq.required": "“{field}” is required.",
  "sreq.badNumber": "“{field}” must be a number.",
  "sreq.badDate": "“{field}” must be a date.",
  "sreq.badBoolean": "“{field}” must be yes or no.",
  "sreq.yes": "Yes",
  "sreq.no": "No",

  "rate.ask": "How did we do? Rate the work on ticket #{n}",
  "rate.star": "{n} of 5",
  "rate.comment": "A comment (optional)",
  "rate.submit": "Send rating",
  "rate.thanks": "Thank you for your rating!",
} as const;

export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  "app.name": "Окно",

  "signin.title": "Вход в Окно",
  "signin.subtitle": "Все ваши линии поддержки — в одном окне.",
  "signin.server": "Сервер",
  "signin.serverPlaceholder": "Встроенный демо-сервер",
  "signin.serverHint": "Оставьте пустым, чтобы использовать встроенный демо-сервер.",
  "signin.demoHint": "Демо-учётные записи: user, specialist, admin — пароль okno-demo",
  "signin.login": "Логин",
  "signin.password": "Пароль",
  "signin.submit": "Войти",
  "signin.submitting": "Входим…",
  "signin.required": "Введите логин и пароль.",

  "account.signOut": "Выйти",
  "account.signOutFailed": "Не удалось выйти: {detail}",
  "account.menu": "Учётная запись",
  "settings.title": "Настройки",
  "settings.autostart": "Запускать Окно при входе в систему",
  "settings.autostartHint": "Ответы дойдут до вас, даже если вы ещё не открыли Окно.",
  "settings.failed": "Не удалось изменить: {detail}",

  "sync.idle": "Нет подключения",
  "sync.connecting": "Подключение…",
  "sync.online": "Подключено",
  "sync.offline": "Нет связи",
  "sync.session_ended": "Сеанс завершён",

  "banner.offline": "Нет связи. Сообщения отправятся, когда она восстановится.",
  "banner.untrustedCertificate":
    "Нет связи: этот компьютер не доверяет сертификату сервера. Сообщения отправятся, когда она восстановится.",
  "banner.notHttps": "Нет связи: сервер больше не отвечает по HTTPS. Сообщения отправятся, когда она восстановится.",
  "banner.tls": "Нет связи: не удалось установить защищённое соединение. Сообщения отправятся, когда она восстановится.",
  "banner.proxyAuthRequired":
    "Нет связи: прокси-сервер сети требует имя пользователя и пароль. Сообщения отправятся, когда она восстановится.",
  "banner.proxyRefused": "Нет связи: прокси-сервер сети не пропускает Окно. Сообщения отправятся, когда она восстановится.",
  "banner.proxyUnsupported": "Нет связи: Окно не может работать через прокси-сервер этой сети. Сообщения отправятся, когда она восстановится.",
  "banner.sessionEnded": "Сервер завершил этот сеанс. Войдите снова, чтобы отправлять и получать сообщения — неотправленные подождут.",
  "banner.signInAgain": "Войти снова",
  "signinAgain.title": "Войдите снова",
  "signinAgain.who": "{login} на {server}",
  "signinAgain.whoBuiltIn": "{login} на встроенном демо-сервере",

  "lines.title": "Линии",
  "lines.empty": "Линий пока нет",
  "lines.emptyHint": "Найдите линию через поиск и отправьте заявку на подключение.",
  "lines.pending": "На одобрении",
  "lines.rejected": "Отклонена",
  "lines.unread": "{n} непрочитанное|{n} непрочитанных|{n} непрочитанных|{n} непрочитанного",
  "lines.openTicket": "Есть открытое обращение",
  "lines.muted": "Без звука",
  "lines.you": "Вы: {text}",
  "lines.draft": "Черновик:",
  "lines.files": "{n} файл|{n} файла|{n} файлов|{n} файла",

  "search.placeholder": "Поиск",
  "search.shortcut": "Ctrl+K",
  "search.close": "Закрыть поиск",
  "search.yourLines": "Ваши линии",
  "search.messages": "Сообщения",
  "search.you": "Вы:",
  "search.recommended": "Рекомендуемые",
  "search.directory": "Опубликованные линии",
  "search.nothing": "Ничего не найдено",
  "search.nothingElse": "Других линий не найдено",
  "search.nothingHint": "Попробуйте другое название или слово из описания.",
  "search.searching": "Ищем…",
  "search.request": "Подключить",
  "search.connected": "Подключена",
  "search.pending": "Заявка отправлена",
  "search.error": "Поиск не удался: {message}",

  "chat.choose": "Выберите линию слева",
  "chat.chooseHint": "Каждая линия — прямой канал к службе поддержки. Выберите линию, чтобы увидеть историю или задать вопрос.",
  "chat.empty": "Сообщений пока нет — напишите свой вопрос",
  "chat.emptyHint": "Специалист ответит здесь. Обращение зарегистрируется автоматически.",
  "chat.pendingTitle": "Ожидает одобрения",
  "chat.pendingHint": "Заявка на подключение отправлена в {company}. Чат откроется, как только её одобрят.",
  "chat.rejectedTitle": "Заявка отклонена",
  "chat.rejectedHint": "{company} отклонил заявку на подключение. Её можно отправить снова из поиска.",
  "chat.otherActions": "Другие действия",
  "chat.information": "Информация",
  "chat.disconnect": "Отключить линию",
  "chat.mute": "Отключить уведомления",
  "chat.unmute": "Включить уведомления",
  "chat.muteFailed": "Не удалось изменить: {detail}",
  "chat.loadingOlder": "Загружаем более ранние сообщения…",
  "chat.toNewest": "К новым сообщениям",
  "chat.unread": "Непрочитанные сообщения",
  "chat.today": "Сегодня",
  "chat.yesterday": "Вчера",
  "chat.workingNow": "специалисты на месте",
  "chat.notWorking": "сейчас не работает",

  "msg.sending": "Отправляется…",
  "msg.sent": "Отправлено",
  "msg.failed": "Не отправлено",
  "msg.retry": "Повторить",
  "msg.cancel": "Отменить",
  "msg.cancelUpload": "Отменить загрузку",
  "msg.openFile": "Открыть {name}",

  "notice.ticketRegistered": "Зарегистрировано обращение №{n}",
  "notice.ticketClosed": "Обращение №{n} закрыто",
  "notice.ticketClosedResult": "Обращение №{n} закрыто: {result}",
  "notice.serviceRequest": "Зарегистрирована заявка на обслуживание №{n}: {title}",
  "notice.queued": "Обращение №{n}: все специалисты заняты. Вы {pos}-й в очереди",
  "notice.queuedFirst": "Обращение №{n}: все специалисты заняты. Вы следующий в очереди",
  "notice.outsideHours": "Обращение №{n} зарегистрировано в нерабочее время. Специалисты ответят {when}",
  "notice.outsideHoursNoTime": "Обращение №{n} зарегистрировано в нерабочее время. Специалисты ответят, когда вернутся",
  "notice.assigned": "{name} работает над обращением №{n}",
  "notice.transferredTo": "Обращение №{n} передано: {to}",
  "notice.rated": "Обращение №{n} оценено: {stars}",
  "notice.srStatus": "Заявка на обслуживание №{n} «{title}»: {status}",

  "composer.placeholder": "Напишите сообщение…",
  "composer.send": "Отправить",
  "composer.attach": "Прикрепить файлы",
  "composer.emoji": "Эмодзи",
  "composer.remove": "Убрать {name}",
  "composer.hint": "Enter — отправить, Shift+Enter — новая строка",
  "composer.menu": "Меню",
  "hints.title": "Возможно, вы спрашиваете",
  "hints.label": "Похожие вопросы",

  "drop.title": "Отпустите файлы, чтобы отправить",
  "drop.hint": "{n} файл уйдёт одним сообщением|{n} файла уйдут одним сообщением|{n} файлов уйдут одним сообщением|{n} файла уйдут одним сообщением",
  "drop.hintAny": "Они уйдут одним сообщением",

  "info.title": "Информация",
  "info.close": "Закрыть информацию",
  "info.more": "Подробнее",
  "info.hours": "Часы работы",
  "info.timeZone": "Часовой пояс: {tz}",
  "info.aroundClock": "Круглосуточно",
  "info.closed": "выходной",
  "info.workingNow": "Специалисты сейчас работают",
  "info.notWorking": "Сейчас не работает — откроется {when}",
  "info.notWorkingNoTime": "Сейчас не работает",
  "info.requests": "Заявки на обслуживание",
  "info.requestNumber": "№ {n}",
  "info.noRequests": "Открытых заявок нет",
  "info.files": "Файлы",
  "info.noFiles": "В этом чате пока нет файлов",
  "info.disconnect": "Отключить линию",
  "info.loading": "Загрузка…",

  "sr.open": "Открыта",
  "sr.in_progress": "В работе",
  "sr.done": "Выполнена",
  "sr.cancelled": "Отменена",

  "dialog.disconnectTitle": "Отключить «{name}»?",
  "dialog.disconnectBody": "Линия исчезнет из списка. История чата сохранится и вернётся, если подключить линию снова.",
  "dialog.disconnect": "Отключить",
  "dialog.cancel": "Отмена",
  "dialog.unsentTitle": "Выйти, не отправив сообщения?",
  "dialog.unsentBody": "Часть ваших сообщений ещё не дошла до сервера. Если выйти сейчас, они пропадут.",
  "dialog.signOutAnyway": "Всё равно выйти",

  "time.todayAt": "сегодня в {time}",
  "time.tomorrowAt": "завтра в {time}",
  "time.dateAt": "{date} в {time}",

  "size.b": "{n} Б",
  "size.kb": "{n} КБ",
  "size.mb": "{n} МБ",
  "size.gb": "{n} ГБ",

  "error.generic": "Что-то пошло не так. Попробуйте ещё раз.",
  "error.offline": "Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.",
  "error.busy": "Сервер занят. Попробуйте ещё раз чуть позже.",
  "error.rateLimited": "Слишком много попыток. Попробуйте позже.",
  "error.rateLimitedIn": "Слишком много попыток. Попробуйте через {n} с.",
  "error.internal": "На сервере произошла ошибка. Попробуйте позже.",
  "error.signInAgain": "Войдите снова.",
  "error.tooLarge": "Файл слишком большой для сервера.",
  "error.tooLargeOf": "Файл слишком большой: {size}, можно не больше {limit}.",
  "error.tooLargeNamed": "Файл «{name}» слишком большой: {size}, можно не больше {limit}.",
  "error.notAFile": "«{name}» — не файл: папки отправить нельзя.",
  "error.textTooLong": "Сообщение длиннее {limit} знаков (в нём {n}). Разделите его или отправьте текст файлом.",
  "error.tooManyFiles": "В одном сообщении можно отправить не больше {limit} файлов, а здесь {n}.",
  "error.emptyFile": "Файл «{name}» пуст: отправлять нечего.",
  "error.unreadableFile": "Не удаётся прочитать «{name}»: возможно, файл перемещён или удалён.",
  "error.tooLargeMax": "Файл слишком большой: сервер принимает не больше {limit}.",
  "error.cancelled": "Отменено.",
  "error.badResponse": "Сервер ответил что-то непонятное. Попробуйте позже.",
  "error.local": "Не удаётся прочитать или записать данные Окна на этом компьютере.",
  "error.clipboard": "Не удаётся прочитать буфер обмена.",
  "error.unsupported": "Недоступно в этой системе.",
  "error.invalid": "Проверьте введённые данные.",
  "error.serverAddress": "Введите адрес сервера вида https://okno.example.com",
  "error.notHttps": "Сервер по этому адресу не отвечает по HTTPS. Если HTTPS у него нет, напишите http:// перед адресом.",
  "error.untrustedCertificate":
    "Этот компьютер не доверяет сертификату сервера. Проверьте адрес; если он верный, спросите администратора о сертификате сервера.",
  "error.tls": "Не удалось установить защищённое соединение с сервером.",
  "error.proxyAuthRequired": "Прокси-сервер сети требует имя пользователя и пароль, которых у Окна нет. Обратитесь к администратору.",
  "error.proxyRefused": "Прокси-сервер сети не пропускает Окно к серверу. Проверьте адрес или обратитесь к администратору.",
  "error.proxyUnsupported": "Окно работает только через HTTP-прокси, а в этой сети указан другой. Обратитесь к администратору.",
  "error.serverMoved": "Сервер по этому адресу перенаправляет на другой. Уточните адрес у администратора.",
  "error.unsent": "Часть ваших сообщений ещё не отправлена.",
  "error.forbidden": "У вас нет прав на это действие.",
  "error.notFound": "Не найдено: возможно, это уже удалено.",
  "error.conflict": "Пока вы смотрели, это изменилось. Попробуйте ещё раз.",
  "error.badCredentials": "Неверный логин или пароль.",

  "section.lines": "Линии",
  "section.tickets": "Обращения",

  "presence.label": "Статус",
  "presence.online": "На месте",
  "presence.away": "Отошёл",
  "presence.offline": "Не в сети",

  "tickets.queued": "Очередь",
  "tickets.mine": "Мои",
  "tickets.open": "Открытые",
  "tickets.empty.queued": "Никто не ждёт",
  "tickets.empty.mine": "На вас нет обращений",
  "tickets.empty.open": "Открытых обращений нет",
  "tickets.emptyHint": "Новые обращения появляются здесь сразу.",
  "tickets.emptyHintMine": "Здесь будут обращения, которые вы взяли из очереди или которые передали вам.",
  "tickets.number": "№{n}",
  "tickets.waiting": "ждёт {time}",
  "tickets.inWork": "в работе {time}",
  "tickets.unassigned": "Не назначено",
  "tickets.place": "{n}-й в очереди",
  "tickets.choose": "Выберите обращение",
  "tickets.chooseHint": "Сюда приходят все запросы из всех каналов: возьмите обращение из очереди или откройте своё.",
  "tickets.loadError": "Не удалось загрузить обращения: {message}",
  "tickets.waitingCount": "{n} ждёт|{n} ждут|{n} ждут|{n} ждут",

  "state.queued": "Ждёт",
  "state.assigned": "В работе",
  "state.closed": "Закрыто",
  "state.bot": "У бота",

  "channel.desktop": "Приложение",
  "channel.web": "Веб",
  "channel.email": "Почта",
  "channel.telegram": "Telegram",
  "channel.api": "API",

  "duration.s": "{n} с",
  "duration.m": "{n} мин",
  "duration.h": "{h} ч {m} мин",
  "duration.d": "{d} д {h} ч",

  "ticket.take": "Взять",
  "ticket.transfer": "Передать",
  "ticket.request": "Заявка",
  "ticket.close": "Закрыть",
  "ticket.taken": "Это обращение уже взял другой специалист.",
  "ticket.client": "Клиент",
  "ticket.card": "Клиент и обращение",
  "ticket.cardClose": "Закрыть карточку клиента",
  "ticket.login": "Логин",
  "ticket.organization": "Организация",
  "ticket.contact": "Контакты",
  "ticket.responsible": "Ответственный специалист",
  "ticket.details": "Обращение",
  "ticket.line": "Линия",
  "ticket.channel": "Канал",
  "ticket.opened": "Открыто",
  "ticket.assignee": "Исполнитель",
  "ticket.requests": "Заявки на обслуживание",
  "ticket.noRequests": "Пока нет",
  "ticket.requestStatus": "Статус заявки №{n}",
  "ticket.closedAt": "Закрыто",
  "ticket.result": "Результат",
  "ticket.rating": "Оценка",

  "transfer.title": "Передать обращение №{n}",
  "transfer.toSpecialist": "Специалисту",
  "transfer.toLine": "На линию",
  "transfer.specialist": "Специалист",
  "transfer.line": "Линия",
  "transfer.comment": "Комментарий (клиент его увидит)",
  "transfer.submit": "Передать",
  "transfer.pick": "Выберите…",
  "transfer.load": "{load} из {capacity}",
  "transfer.needTarget": "Выберите, кому передать.",
  "transfer.needComment": "Напишите комментарий.",

  "close.title": "Закрыть обращение №{n}",
  "close.result": "Результат",
  "close.resultHint": "Что сделано: клиент увидит это и сможет оценить работу.",
  "close.submit": "Закрыть обращение",
  "close.needResult": "Опишите результат.",

  "sreq.title": "Зарегистрировать заявку на обслуживание",
  "sreq.service": "Услуга",
  "sreq.workType": "Вид работ",
  "sreq.name": "Название",
  "sreq.submit": "Зарегистрировать",
  "sreq.pick": "Выберите…",
  "sreq.empty": "Каталог услуг компании пуст.",
  "sreq.needTitle": "Дайте заявке название.",
  "sreq.needWorkType": "Выберите услугу и вид работ.",
  "sreq.required": "Поле «{field}» обязательно.",
  "sreq.badNumber": "В поле «{field}» нужно число.",
  "sreq.badDate": "В поле «{field}» нужна дата.",
  "sreq.badBoolean": "В поле «{field}» нужно «да» или «нет».",
  "sreq.yes": "Да",
  "sreq.no": "Нет",

  "rate.ask": "Как мы справились? Оцените работу по обращению №{n}",
  "rate.star": "{n} из 5",
  "rate.comment": "Комментарий (необязательно)",
  "rate.submit": "Отправить оценку",
  "rate.thanks": "Спасибо за оценку!",
};

export type Lang = "en" | "ru";

export const dictionaries: Record<Lang, Record<Key, string>> = { en, ru };

export function detectLang(language: string | undefined): Lang {
  return language && language.toLowerCase().startsWith("ru") ? "ru" : "en";
}

let lang: Lang = detectLang(typeof navigator !== "undefined" ? navigator.language : undefined);
let region = regionOf(typeof navigator !== "undefined" ? navigator.language : undefined);

/** The region of a locale: "GB" of "en_GB.UTF-8" or "en-GB", "150" of "en-150"; "" if none. */
export function regionOf(locale: string | null | undefined): string {
  const m = /^[A-Za-z]{2,3}(?:[-_]([A-Za-z]{2}|\d{3}))?(?![A-Za-z0-9])/.exec(locale ?? "");
  return m?.[1]?.toUpperCase() ?? "";
}

export function getLang(): Lang {
  return lang;
}

/** The system locale's region, which picks English's clock and date order (lib/format.ts). */
export function getRegion(): string {
  return region;
}

/** Switches the language, and the region when a locale is given (the app follows the system
 *  locale; tests switch). Call before mounting. */
export function setLang(l: Lang, locale?: string | null): void {
  lang = l;
  if (locale !== undefined) region = regionOf(locale);
}

type Params = Record<string, string | number>;

function fill(s: string, params?: Params): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export function t(key: Key, params?: Params): string {
  const s = dictionaries[lang][key] ?? en[key] ?? key;
  return fill(s, params);
}

const pluralOrder: Record<Lang, PluralForm[]> = {
  en: ["one", "other"],
  ru: ["one", "few", "many", "other"],
};
type PluralForm = "one" | "few" | "many" | "other";

/** CLDR's plural categories of the two languages (what `Intl.PluralRules` answers, written out:
 *  `Intl` would load ICU's locale data into the page, see lib/format.ts). */
export function pluralForm(l: Lang, n: number): PluralForm {
  const whole = Number.isInteger(n);
  if (l === "en") return n === 1 ? "one" : "other";
  if (!whole) return "other";
  const i = Math.abs(n);
  const d = i % 10;
  const h = i % 100;
  if (d === 1 && h !== 11) return "one";
  if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return "few";
  return "many";
}

/** A plural string for `n`; `{n}` in it is replaced by the number. */
export function tn(key: Key, n: number, params?: Params): string {
  const forms = dictionaries[lang][key].split("|");
  const idx = pluralOrder[lang].indexOf(pluralForm(lang, n));
  const form = forms[Math.max(0, Math.min(forms.length - 1, idx))];
  return fill(form, { n, ...params });
}
