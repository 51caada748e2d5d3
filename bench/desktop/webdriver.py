"""A minimal W3C WebDriver client (urllib only) for tauri-driver."""

import json
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(RuntimeError):
    pass


class Session:
    def __init__(self, base: str, application: str, timeout_s: float = 60.0, attempts: int = 4,
                 before_attempt=None):
        self.base = base.rstrip("/")
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}}
        last = None
        for i in range(attempts):
            if i and before_attempt:
                before_attempt()
            try:
                r = self._req("POST", "/session", caps, timeout_s)
                self.id = r["sessionId"] if "sessionId" in r else r["value"]["sessionId"]
                return
            except (WebDriverError, OSError) as e:  # WebKit can be slow to start on 2 cores
                last = e
                time.sleep(2)
        raise WebDriverError(f"no session: {last}")

    def _req(self, method, path, body=None, timeout_s=60.0):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                out = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:300]!r}") from None
        return out

    def cmd(self, method, path, body=None, timeout_s=60.0, attempts=3):
        # tauri-driver sometimes drops a connection to WebKitWebDriver ("SendRequest"): retry.
        for i in range(attempts):
            try:
                return self._req(method, f"/session/{self.id}{path}", body, timeout_s).get("value")
            except OSError:
                if i == attempts - 1:
                    raise
                time.sleep(0.5)

    def js(self, script: str, *args, timeout_s=60.0):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)}, timeout_s)

    def js_async(self, script: str, *args, timeout_s=60.0):
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)}, timeout_s)

    def refresh(self):
        self.cmd("POST", "/refresh", {}, timeout_s=120)

    def go(self, url: str):
        self.cmd("POST", "/url", {"url": url}, timeout_s=120)

    def find(self, css: str, wait_s: float = 20.0):
        deadline = time.monotonic() + wait_s
        while True:
            try:
                v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
                if isinstance(v, dict) and (ELEMENT in v or "ELEMENT" in v):
                    return v.get(ELEMENT) or v["ELEMENT"]
                raise WebDriverError(f"find {css}: {str(v)[:200]}")
            except WebDriverError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def type(self, el: str, text: str):
        self.cmd("POST", f"/element/{el}/clear", {})
        self.cmd("POST", f"/element/{el}/value", {"text": text})

    def click(self, el: str):
        self.cmd("POST", f"/element/{el}/click", {})

    def quit(self):
        try:
            self._req("DELETE", f"/session/{self.id}", None, 15)
        except Exception:
            pass
