// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts (setting the environment is not thread-safe).
    #[cfg(target_os = "linux")]
    okno_desktop::set_linux_env_defaults();
    okno_desktop::run();
}
