import { afterEach, describe, expect, it } from "vitest";
import { errorText } from "./errors";
import { setLang } from "./i18n";

const err = (code: string, message: string, figures: { retry_after?: number; limit?: number; size?: number; name?: string } = {}) => ({
  code,
  message,
  ...figures,
});

describe("errorText", () => {
  afterEach(() => setLang("en"));

  it("words the codes it knows in the UI's language, whatever the message says", () => {
    const offline = err("offline", "cannot reach the server: error sending request for url (http://127.0.0.1:1/api/v1/me)");
    expect(errorText(offline)).toBe("Cannot reach the server. Check the connection and try again.");
    // The core's own check gives the size and the limit; the server's upload limit only the
    // limit; a body too large for the server neither. The figures are fields, not words.
    const big = { size: 157_286_400, limit: 104_857_600 };
    expect(errorText(err("payload_too_large", "the file is too large", big))).toBe("The file is too large: 150 MB, at most 100 MB.");
    expect(errorText(err("payload_too_large", "files may have at most 104857600 bytes", { limit: big.limit }))).toBe(
      "The file is too large: the server takes at most 100 MB.",
    );
    expect(errorText(err("payload_too_large", "request body too large"))).toBe("The file is too large for the server.");
    expect(errorText(err("payload_too_large", "the file is too large: 157286400 bytes, at most 104857600"))).toBe(
      "The file is too large for the server.",
    );
    expect(errorText(err("io", "No such file or directory (os error 2)"))).toBe("Cannot read or write Okno's data on this computer.");
    expect(errorText(err("rate_limited", "too many attempts", { retry_after: 42 }))).toBe("Too many attempts. Try again in 42 s.");
    expect(errorText(err("rate_limited", "too many attempts; try again in 42 s"))).toBe("Too many attempts. Try again later.");
    const notHttps = err("not_https", "no secure connection to the server: received corrupt message of type InvalidContentType");
    expect(errorText(notHttps)).toBe(
      "The server at this address does not answer over HTTPS. If it has no HTTPS, write http:// before the address.",
    );
    const untrusted = err("untrusted_certificate", "no secure connection to the server: invalid peer certificate: UnknownIssuer");
    expect(errorText(untrusted)).toMatch(/^This computer does not trust the server's certificate\./);
    // The network's proxy, by what it did: never "Cannot reach the server".
    const proxyAuth = err("proxy_auth_required", "the proxy asks for a user name and password");
    expect(errorText(proxyAuth)).toBe("The network's proxy asks for a user name and password that Okno does not have. Ask your administrator.");
    expect(errorText(err("proxy_refused", "the proxy refused the connection (403)"))).toBe(
      "The network's proxy does not let Okno through to the server. Check the address, or ask your administrator.",
    );
    const socks = err("proxy_unsupported", "the proxy is a socks5:// one; Okno uses HTTP proxies");
    expect(errorText(socks)).toMatch(/^Okno works through HTTP proxies only/);
    setLang("ru");
    expect(errorText(proxyAuth)).toBe("Прокси-сервер сети требует имя пользователя и пароль, которых у Окна нет. Обратитесь к администратору.");
    expect(errorText(socks)).toMatch(/^Окно работает только через HTTP-прокси/);
    expect(errorText(notHttps)).toBe("Сервер по этому адресу не отвечает по HTTPS. Если HTTPS у него нет, напишите http:// перед адресом.");
    expect(errorText(untrusted)).toMatch(/^Этот компьютер не доверяет сертификату сервера\./);
    expect(errorText(err("not_a_file", "Отчёты: not a file", { name: "Отчёты" }))).toBe("«Отчёты» — не файл: папки отправить нельзя.");
    expect(errorText(err("text_too_long", "a message may have at most 10000 characters", { size: 13_997, limit: 10_000 }))).toBe(
      "Сообщение длиннее 10\u00a0000 знаков (в нём 13\u00a0997). Разделите его или отправьте текст файлом.",
    );
    expect(errorText(err("too_many_files", "a message may carry at most 10 files", { size: 12, limit: 10 }))).toBe(
      "В одном сообщении можно отправить не больше 10 файлов, а здесь 12.",
    );
    expect(errorText(err("empty_file", "a.txt: the file is empty", { name: "a.txt" }))).toBe("Файл «a.txt» пуст: отправлять нечего.");
    expect(errorText(err("unreadable_file", "a.txt: cannot read it: Permission denied (os error 13)", { name: "a.txt" }))).toBe(
      "Не удаётся прочитать «a.txt»: возможно, файл перемещён или удалён.",
    );
    expect(errorText(err("payload_too_large", "the file is too large", { ...big, name: "backup.iso" }))).toBe(
      "Файл «backup.iso» слишком большой: 150 МБ, можно не больше 100 МБ.",
    );
    expect(errorText(err("server_moved", "the server redirects to https://elsewhere.example/login"))).toBe(
      "Сервер по этому адресу перенаправляет на другой. Уточните адрес у администратора.",
    );
    expect(errorText(err("tls", "no secure connection to the server: handshake failure"))).toBe(
      "Не удалось установить защищённое соединение с сервером.",
    );
    expect(errorText(offline)).toBe("Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.");
    expect(errorText(err("payload_too_large", "the file is too large", big))).toBe("Файл слишком большой: 150 МБ, можно не больше 100 МБ.");
    expect(errorText(err("payload_too_large", "files may have at most 104857600 bytes", { limit: big.limit }))).toBe(
      "Файл слишком большой: сервер принимает не больше 100 МБ.",
    );
    expect(errorText(err("rate_limited", "too many attempts", { retry_after: 42 }))).toBe("Слишком много попыток. Попробуйте через 42 с.");
    expect(errorText(err("server_address", "the server address must be like https://okno.example.com"))).toBe(
      "Введите адрес сервера вида https://okno.example.com",
    );
  });

  it("keeps the server's specific message in English and says the kind of refusal in Russian", () => {
    const notFound = err("not_found", "line not found");
    expect(errorText(notFound)).toBe("line not found");
    expect(errorText(err("forbidden", "only the line's owner may do that"))).toBe("only the line's owner may do that");
    setLang("ru");
    expect(errorText(notFound)).toBe("Не найдено: возможно, это уже удалено.");
    expect(errorText(err("conflict", "that already exists"))).toBe("Пока вы смотрели, это изменилось. Попробуйте ещё раз.");
    expect(errorText(err("invalid_input", "the text is too long"))).toBe("Проверьте введённые данные.");
  });

  it("shows an unknown code's message, and a general sentence for what is not an API error", () => {
    expect(errorText(err("startup", "Okno could not start: disk full"))).toBe("Okno could not start: disk full");
    expect(errorText(new Error("boom"))).toBe("Something went wrong. Please try again.");
    expect(errorText(err("not_found", ""))).toBe("Not found: it may have been removed.");
    setLang("ru");
    expect(errorText("boom")).toBe("Что-то пошло не так. Попробуйте ещё раз.");
  });
});
