//! The memory floor of the desktop app (`bench/desktop/run.sh`, step `memory`): the emptiest
//! Tauri app that still draws what the benchmarks look for — one window with one WebView
//! showing a static page (`bench/desktop/floor.html`, as `webkit_floor.py` does), with the same
//! Cargo profile, the same WebKitGTK environment defaults as `okno-desktop` and nothing else:
//! no tray, no plugins, no commands, no core, no server, no Svelte. What it costs is what any
//! Tauri window costs on the machine before Okno does anything.
//!
//! `cargo run --profile desktop -p okno-desktop --example blank_window`

/// The same page as the plain WebKitGTK floor's (`webkit_floor.py`).
const PAGE: &str = include_str!("../../bench/desktop/floor.html");

fn main() -> anyhow::Result<()> {
    // Before any thread starts, as in `okno-desktop`'s `main`.
    #[cfg(target_os = "linux")]
    okno_desktop::set_linux_env_defaults();
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // The app's own window and tray are left out; the window below is the only thing shown.
    context.config_mut().app.windows.clear();
    context.config_mut().app.tray_icon = None;
    tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_ctx, _request| {
            tauri::http::Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .body(PAGE.as_bytes().to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = if cfg!(windows) {
                "http://floor.localhost/"
            } else {
                "floor://localhost/"
            };
            tauri::WebviewWindowBuilder::new(
                app,
                "main",
                tauri::WebviewUrl::CustomProtocol(url.parse()?),
            )
            .title("Okno")
            .inner_size(1180.0, 760.0)
            .build()?;
            Ok(())
        })
        .run(context)?;
    Ok(())
}
