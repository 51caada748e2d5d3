import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../App.svelte";
import { detectLang, dictionaries, setLang, t, tn } from "./i18n";
import { formatDay, formatSize, formatTime, formatWhen, groupHours } from "./format";
import { world } from "../test/world";

describe("i18n", () => {
  it("has the same keys in both languages, none empty, same placeholders and plural forms", () => {
    const en = dictionaries.en;
    const ru = dictionaries.ru;
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[k].trim(), k).not.toBe("");
      expect(ru[k].trim(), k).not.toBe("");
      const ph = (s: string) => [...new Set(s.match(/\{\w+\}/g) ?? [])].sort();
      expect(ph(ru[k]), k).toEqual(ph(en[k]));
      if (en[k].includes("|")) {
        expect(en[k].split("|"), k).toHaveLength(2);
        expect(ru[k].split("|"), k).toHaveLength(4);
      }
    }
  });

  it("follows the system locale", () => {
    expect(detectLang("ru-RU")).toBe("ru");
    expect(detectLang("ru")).toBe("ru");
    expect(detectLang("en-US")).toBe("en");
    expect(detectLang("de-DE")).toBe("en");
    expect(detectLang(undefined)).toBe("en");
  });

  it("plurals and formats in Russian", () => {
    setLang("ru");
    expect(tn("drop.hint", 1)).toBe("1 файл уйдёт одним сообщением");
    expect(tn("drop.hint", 3)).toBe("3 файла уйдут одним сообщением");
    expect(tn("drop.hint", 5)).toBe("5 файлов уйдут одним сообщением");
    expect(formatDay(Date.now())).toBe("Сегодня");
    expect(formatDay(Date.now() - 86_400_000)).toBe("Вчера");
    const now = Date.now();
    expect(formatWhen(now, now)).toBe(`Сегодня в ${formatTime(now)}`);
    expect(formatWhen(now - 86_400_000, now)).toBe(`Вчера в ${formatTime(now)}`);
    expect(formatSize(1_500_000)).toBe("1,4 МБ");
    expect(groupHours([1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: "09:00", close: "18:00" })))[0].days).toBe("пн–пт");
    setLang("en");
    expect(tn("drop.hint", 1)).toBe("1 file will be sent in one message");
    expect(formatSize(1_500_000)).toBe("1.4 MB");
    expect(formatSize(512)).toBe("512 B");
    expect(formatWhen(now, now)).toBe(`Today at ${formatTime(now)}`);
    const march = new Date(new Date(now).getFullYear() - 1, 2, 3, 14, 5).getTime();
    expect(formatWhen(march, now)).toMatch(/^(March 3, \d{4}|3 March \d{4}) at /);
    expect(t("notice.ticketRegistered", { n: 7 })).toBe("Ticket #7 registered");
  });

  it("renders the app in Russian and in English", async () => {
    setLang("ru");
    const w = world({ signedIn: false });
    const r = render(App, { props: { backend: w.mb } });
    expect((await screen.findByTestId("login-submit")).textContent!.trim()).toBe("Войти");
    expect((screen.getByTestId("login-server") as HTMLInputElement).placeholder).toBe("Встроенный демо-сервер");
    r.unmount();
    setLang("en");
    render(App, { props: { backend: world({ signedIn: false }).mb } });
    expect((await screen.findByTestId("login-submit")).textContent!.trim()).toBe("Sign in");
  });
});
