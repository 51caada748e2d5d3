//! The desktop's proxy, where the environment names none. GNOME keeps it in GSettings
//! (`org.gnome.system.proxy`, what Settings → Network → Network Proxy writes; Cinnamon, MATE and
//! Budgie use the same schema), and programs that do not read GSettings (this one's HTTP client)
//! never see it: on a network that only its proxy leads out of, Okno would stay offline. The
//! shell reads it at start and hands it to the core as `ProxySettings`, in the shape of the
//! environment's variables, and hands it again whenever it changes. Only a manual configuration
//! is followed: an automatic one (a PAC script) needs a JavaScript engine to evaluate per
//! address, and is logged as not followed.

use okno_core::api::query_escape;
use okno_core::ProxySettings;

/// One of GNOME's proxies: its host and port, and a user name and password.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    pub host: String,
    pub port: i32,
    pub credentials: Option<(String, String)>,
}

impl Server {
    fn is_set(&self) -> bool {
        !self.host.trim().is_empty() && self.port > 0
    }

    fn same_place(&self, other: &Server) -> bool {
        self.host.trim().eq_ignore_ascii_case(other.host.trim()) && self.port == other.port
    }

    /// `scheme://[user:password@]host:port`, or empty when the proxy is not set.
    fn url(&self, scheme: &str, credentials: Option<&(String, String)>) -> String {
        if !self.is_set() {
            return String::new();
        }
        let host = self.host.trim();
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let auth = credentials
            .filter(|(user, _)| !user.is_empty())
            .map(|(user, password)| format!("{}:{}@", query_escape(user), query_escape(password)))
            .unwrap_or_default();
        format!("{scheme}://{auth}{host}:{}", self.port)
    }
}

/// GNOME's settings as proxy variables: `mode` is `none`, `manual` or `auto`. The HTTP proxy's
/// user name and password (the only ones GNOME keeps) go to the HTTPS proxy too when both are
/// the same server; a SOCKS proxy serves what the others do not, as GNOME uses it; the ignored
/// hosts become `NO_PROXY`'s list (`*.corp` as `.corp`).
pub(crate) fn settings(
    mode: &str,
    http: &Server,
    https: &Server,
    socks: &Server,
    ignore: &[String],
) -> Option<ProxySettings> {
    if mode != "manual" {
        return None;
    }
    let https_credentials = if https.same_place(http) {
        http.credentials.as_ref()
    } else {
        None
    };
    let found = ProxySettings {
        http: http.url("http", http.credentials.as_ref()),
        https: https.url("http", https_credentials),
        all: socks.url("socks5", None),
        no: ignore
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map(|h| {
                h.strip_prefix('*')
                    .filter(|d| d.starts_with('.'))
                    .unwrap_or(h)
            })
            .collect::<Vec<_>>()
            .join(","),
    };
    (!found.is_empty()).then_some(found)
}

/// GNOME's proxy from GSettings, when the environment names none and the schema is installed;
/// a change of it later is handed to `apply` (once the keys a settings dialog writes together
/// have settled, and only when the proxies differ). Call on the main thread: the changes arrive
/// through its main loop.
#[cfg(target_os = "linux")]
pub(crate) fn follow(apply: impl Fn(Option<ProxySettings>) + 'static) -> Option<ProxySettings> {
    use gtk::gio;
    use gtk::glib;
    use gtk::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    thread_local! {
        /// The watched settings, kept for the process's life (a dropped one stops signalling).
        static WATCHED: RefCell<Vec<Rc<[gio::Settings; 4]>>> = const { RefCell::new(Vec::new()) };
    }

    if ProxySettings::environment_names_one() {
        return None;
    }
    // Looked up first: GSettings aborts the process for a schema that is not installed.
    let schema = gio::SettingsSchemaSource::default()?.lookup("org.gnome.system.proxy", true)?;
    let proxy = gio::Settings::new_full(&schema, None::<&gio::SettingsBackend>, None);
    let watched = Rc::new([
        proxy.child("http"),
        proxy.child("https"),
        proxy.child("socks"),
        proxy,
    ]);

    // Connected before the first read: GSettings signals a change only of a key read since.
    let last = Rc::new(RefCell::new(None::<ProxySettings>));
    let pending = Rc::new(Cell::new(false));
    let apply = Rc::new(apply);
    for settings in watched.iter() {
        let (all, last, pending, apply) = (
            watched.clone(),
            last.clone(),
            pending.clone(),
            apply.clone(),
        );
        settings.connect_changed(None, move |_, _| {
            if pending.replace(true) {
                return;
            }
            let (all, last, pending, apply) =
                (all.clone(), last.clone(), pending.clone(), apply.clone());
            glib::timeout_add_local_once(std::time::Duration::from_millis(300), move || {
                pending.set(false);
                let now = read(&all);
                if *last.borrow() != now {
                    tracing::info!(
                        proxy = now.is_some(),
                        "the desktop's proxy settings changed"
                    );
                    last.replace(now.clone());
                    apply(now);
                }
            });
        });
    }
    let found = read(&watched);
    last.replace(found.clone());
    WATCHED.with(|w| w.borrow_mut().push(watched));
    if found.is_some() {
        tracing::info!("the desktop's proxy settings are used");
    }
    found
}

/// Reads GNOME's proxy settings from the watched objects (`http`, `https`, `socks`, the proxy
/// itself), every key, so that each one's changes are signalled.
#[cfg(target_os = "linux")]
fn read(watched: &[gtk::gio::Settings; 4]) -> Option<ProxySettings> {
    use gtk::prelude::*;

    let [http_settings, https, socks, proxy] = watched;
    let server = |s: &gtk::gio::Settings| Server {
        host: s.string("host").to_string(),
        port: s.int("port"),
        credentials: None,
    };
    let mut http = server(http_settings);
    let user = http_settings.string("authentication-user").to_string();
    let password = http_settings.string("authentication-password").to_string();
    if http_settings.boolean("use-authentication") {
        http.credentials = Some((user, password));
    }
    let mode = proxy.string("mode");
    if mode == "auto" {
        tracing::info!("the desktop configures its proxy automatically (PAC): not followed");
    }
    let ignore: Vec<String> = proxy
        .strv("ignore-hosts")
        .iter()
        .map(|h| h.to_string())
        .collect();
    settings(&mode, &http, &server(https), &server(socks), &ignore)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn follow(_apply: impl Fn(Option<ProxySettings>) + 'static) -> Option<ProxySettings> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: &str, port: i32) -> Server {
        Server {
            host: host.into(),
            port,
            credentials: None,
        }
    }

    #[test]
    fn a_manual_configuration_becomes_the_proxy_variables() {
        let mut http = server("proxy.corp", 3128);
        http.credentials = Some(("j.doe".into(), "p@ss:word".into()));
        let found = settings(
            "manual",
            &http,
            &server("proxy.corp", 3128),
            &Server::default(),
            &[
                "localhost".into(),
                "127.0.0.0/8".into(),
                "::1".into(),
                "*.corp".into(),
            ],
        )
        .unwrap();
        assert_eq!(found.http, "http://j.doe:p%40ss%3Aword@proxy.corp:3128");
        assert_eq!(
            found.https, found.http,
            "the same server: its credentials too"
        );
        assert_eq!(found.all, "");
        assert_eq!(found.no, "localhost,127.0.0.0/8,::1,.corp");
    }

    #[test]
    fn credentials_stay_with_their_server_and_socks_serves_the_rest() {
        let mut http = server("plain.corp", 8080);
        http.credentials = Some(("j.doe".into(), "secret".into()));
        let found = settings(
            "manual",
            &http,
            &server("fe80::1", 3128),
            &server("socks.corp", 1080),
            &[],
        )
        .unwrap();
        assert_eq!(found.https, "http://[fe80::1]:3128");
        assert_eq!(found.all, "socks5://socks.corp:1080");
        assert_eq!(found.no, "");
    }

    #[test]
    fn no_manual_proxy_means_none() {
        let set = server("proxy.corp", 3128);
        for mode in ["none", "auto"] {
            assert_eq!(settings(mode, &set, &set, &set, &[]), None, "{mode}");
        }
        // Manual, with no host or no port filled in.
        let unset = [server("", 3128), server("proxy.corp", 0)];
        assert_eq!(
            settings("manual", &unset[0], &unset[1], &Server::default(), &[]),
            None
        );
    }
}
