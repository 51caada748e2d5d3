//! Starting Okno when the user logs in, as messengers offer: a reply that comes in the morning
//! still raises a notification before the user thinks of opening the app. Off until the user
//! turns it on (the account bar's settings).
//!
//! On Linux (and the other freedesktop desktops) that is an entry in the user's XDG autostart
//! directory (`~/.config/autostart/Okno.desktop`), which GNOME, KDE, XFCE, Cinnamon and the rest
//! start at login and list in their own "Startup applications" settings, where the user may also
//! remove or disable it; the setting reads the entry, so it shows what the desktop will do. The
//! entry starts the app with [`FLAG`]: it then waits in the tray without opening its window
//! where the desktop shows tray icons (`background.rs`), and opens it where none does. macOS and
//! Windows are not done (no login item is written there); the page hides the setting.
#![cfg_attr(not(target_os = "linux"), allow(dead_code, unused_imports))]

use okno_proto::ApiError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The argument the login entry starts the app with.
pub const FLAG: &str = "--autostart";

/// Whether the app was started by the login entry.
pub fn started_at_login() -> bool {
    std::env::args_os().skip(1).any(|a| a == FLAG)
}

/// What the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Autostart {
    /// The setting exists on this system.
    pub supported: bool,
    /// Okno starts when the user logs in.
    pub enabled: bool,
}

/// The login entry's path, in the user's configuration directory (`$XDG_CONFIG_HOME`, else
/// `~/.config`).
#[cfg(target_os = "linux")]
fn entry_path(app: &tauri::AppHandle) -> Result<PathBuf, ApiError> {
    use tauri::Manager;
    let config = app
        .path()
        .config_dir()
        .map_err(|e| crate::err("io", format!("no configuration directory: {e}")))?;
    // Named as the package's menu entry (`Okno.desktop`).
    let name = format!("{}.desktop", crate::notifications::DESKTOP_ENTRY);
    Ok(config.join("autostart").join(name))
}

/// Whether Okno starts at login.
#[cfg(target_os = "linux")]
pub fn state(app: &tauri::AppHandle) -> Autostart {
    let enabled = entry_path(app)
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .is_some_and(|text| enabled(&text));
    Autostart {
        supported: true,
        enabled,
    }
}

/// Turns starting at login on (writes the entry for this executable) or off (removes it).
#[cfg(target_os = "linux")]
pub fn set(app: &tauri::AppHandle, on: bool) -> Result<Autostart, ApiError> {
    let path = entry_path(app)?;
    if on {
        write(&path, &entry(&current_exe()?)?)?;
        tracing::info!("Okno starts at login now");
    } else {
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!("Okno no longer starts at login"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(crate::err(
                    "io",
                    format!("cannot remove {}: {e}", path.display()),
                ))
            }
        }
    }
    Ok(state(app))
}

/// At each start: an enabled entry whose `Exec` names another executable (the app was moved or
/// installed elsewhere since it was written) is written again for this one; an entry the
/// desktop's settings edited otherwise (a delay, a phase) is left as it is.
#[cfg(target_os = "linux")]
pub fn refresh(app: &tauri::AppHandle) {
    let Ok(path) = entry_path(app) else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    if !enabled(&text) {
        return;
    }
    let Ok(fresh) = current_exe().and_then(|exe| entry(&exe)) else {
        return;
    };
    if names_another_program(&text, &fresh) {
        match write(&path, &fresh) {
            Ok(()) => tracing::info!("the login entry now names this executable"),
            Err(e) => tracing::warn!(error = %e.message, "cannot update the login entry"),
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn state(_app: &tauri::AppHandle) -> Autostart {
    Autostart {
        supported: false,
        enabled: false,
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set(_app: &tauri::AppHandle, _on: bool) -> Result<Autostart, ApiError> {
    Err(crate::err(
        "unsupported",
        "starting at login is not available on this system",
    ))
}

#[cfg(not(target_os = "linux"))]
pub fn refresh(_app: &tauri::AppHandle) {}

#[cfg(target_os = "linux")]
fn current_exe() -> Result<PathBuf, ApiError> {
    std::env::current_exe()
        .map_err(|e| crate::err("io", format!("cannot find Okno's program: {e}")))
}

/// Writes the entry whole through a temporary file beside it.
#[cfg(target_os = "linux")]
fn write(path: &Path, text: &str) -> Result<(), ApiError> {
    let io = |e: std::io::Error| crate::err("io", format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    crate::replace_file(path, text.as_bytes()).map_err(io)
}

/// The login entry for the executable at `exe` (the Desktop Entry Specification's format).
fn entry(exe: &Path) -> Result<String, ApiError> {
    let exec = exec_arg(exe)?;
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Okno\n\
         Name[ru]=Окно\n\
         Comment=Okno waits in the tray for replies from support\n\
         Comment[ru]=Окно ждёт в трее ответов поддержки\n\
         Exec={exec} {FLAG}\n\
         Icon=okno-desktop\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n"
    ))
}

/// The program's path as one argument of an `Exec` key: quoted when it holds a character the
/// specification reserves, with `"`, `` ` ``, `$` and `\` escaped inside the quotes, then every
/// backslash doubled (the key's value is a string, whose own escape is `\\`), and `%` doubled
/// (field codes). A path with a control character or that is not UTF-8 cannot be written.
fn exec_arg(exe: &Path) -> Result<String, ApiError> {
    let path = exe.to_str().ok_or_else(|| {
        crate::err(
            "unsupported",
            "Okno's program path is not UTF-8: it cannot start at login",
        )
    })?;
    if path.chars().any(char::is_control) {
        return Err(crate::err(
            "unsupported",
            "Okno's program path has a control character: it cannot start at login",
        ));
    }
    const RESERVED: &str = " \t\"'\\><~|&;$*?#()`";
    let arg = if path.chars().any(|c| RESERVED.contains(c)) {
        let mut q = String::with_capacity(path.len() + 2);
        q.push('"');
        for c in path.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    } else {
        path.to_owned()
    };
    Ok(arg.replace('\\', "\\\\").replace('%', "%%"))
}

/// Whether an entry must be written again as `fresh`: its `Exec` line differs.
fn names_another_program(text: &str, fresh: &str) -> bool {
    fn exec(t: &str) -> Option<&str> {
        t.lines().map(str::trim).find(|l| l.starts_with("Exec="))
    }
    exec(text) != exec(fresh)
}

/// Whether an entry's text starts the app: the desktops disable an entry without removing it by
/// `Hidden=true` (the specification's "deleted") or `X-GNOME-Autostart-enabled=false` (GNOME's
/// and XFCE's settings).
fn enabled(text: &str) -> bool {
    let mut in_entry = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
            continue;
        }
        if !in_entry {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let off = match key.trim() {
            "Hidden" => value.trim() == "true",
            "X-GNOME-Autostart-enabled" => value.trim() == "false",
            _ => false,
        };
        if off {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_written_as_it_is() {
        let text = entry(Path::new("/usr/bin/okno-desktop")).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"));
        assert!(text.contains("\nExec=/usr/bin/okno-desktop --autostart\n"));
        assert!(text.contains("\nName[ru]=Окно\n"));
        assert!(enabled(&text));
    }

    #[test]
    fn reserved_characters_are_quoted_and_escaped() {
        assert_eq!(
            exec_arg(Path::new("/home/anna/My Apps/okno")).unwrap(),
            r#""/home/anna/My Apps/okno""#
        );
        // `$` escaped inside the quotes, and that backslash doubled for the string value.
        assert_eq!(
            exec_arg(Path::new("/opt/$okno/bin")).unwrap(),
            r#""/opt/\\$okno/bin""#
        );
        assert_eq!(
            exec_arg(Path::new(r#"/opt/a"b\c"#)).unwrap(),
            r#""/opt/a\\"b\\\\c""#
        );
        // Field codes: a literal percent is doubled, quoted or not.
        assert_eq!(
            exec_arg(Path::new("/opt/100%/okno")).unwrap(),
            "/opt/100%%/okno"
        );
    }

    #[test]
    fn paths_an_entry_cannot_hold_are_refused() {
        let e = exec_arg(Path::new("/opt/a\nb/okno")).unwrap_err();
        assert_eq!(e.code, "unsupported");
        use std::os::unix::ffi::OsStrExt;
        let bad = std::ffi::OsStr::from_bytes(b"/opt/\xff/okno");
        assert_eq!(exec_arg(Path::new(bad)).unwrap_err().code, "unsupported");
    }

    #[test]
    fn only_another_program_makes_the_entry_be_written_again() {
        let old = entry(Path::new("/opt/okno/okno-desktop")).unwrap();
        let fresh = entry(Path::new("/usr/bin/okno-desktop")).unwrap();
        assert!(names_another_program(&old, &fresh));
        assert!(!names_another_program(&fresh, &fresh));
        // The desktop's settings added a key of their own: kept.
        let edited = format!("{fresh}X-GNOME-Autostart-Delay=10\n");
        assert!(!names_another_program(&edited, &fresh));
    }

    #[test]
    fn an_entry_the_desktop_disabled_is_off() {
        let on = entry(Path::new("/usr/bin/okno-desktop")).unwrap();
        assert!(!enabled(&format!("{on}Hidden=true\n")));
        assert!(!enabled(&on.replace(
            "X-GNOME-Autostart-enabled=true",
            "X-GNOME-Autostart-enabled=false"
        )));
        // Keys of other groups do not count.
        assert!(enabled(&format!("{on}[Desktop Action x]\nHidden=true\n")));
    }
}
