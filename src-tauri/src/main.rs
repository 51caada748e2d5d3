// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Set before any thread starts; a value the user set wins.
    #[cfg(target_os = "linux")]
    for (key, value) in okno_desktop::LINUX_ENV_DEFAULTS {
        if std::env::var_os(key).is_none() {
            std::env::set_var(key, value);
        }
    }
    okno_desktop::run();
}
