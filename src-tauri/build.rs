/// The app's commands: the capability in tauri.conf.json grants exactly these to the window.
const COMMANDS: &[&str] = &[
    "info",
    "login",
    "logout",
    "lines",
    "messages",
    "send",
    "retry",
    "cancel",
    "cancel_transfer",
    "mark_read",
    "search",
    "directory",
    "recommended",
    "request_connection",
    "disconnect",
    "chat_files",
    "service_requests",
    "open_file",
    "open_url",
    "pick_files",
    "set_open_chat",
    "tickets",
    "ticket",
    "ticket_detail",
    "take_ticket",
    "transfer_ticket",
    "close_ticket",
    "rate_ticket",
    "my_agents",
    "set_presence",
    "company_agents",
    "company_lines",
    "services",
    "register_service_request",
    "set_service_request_status",
    "hints",
    "hint_click",
    "press",
    "open_menu",
    "automation",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        println!("cargo:warning=tauri build failed: {e}");
        std::process::exit(1);
    }
}
