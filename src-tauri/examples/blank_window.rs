//! The memory floor of the desktop app (`bench/desktop/run.sh`, step `memory`): the emptiest
//! Tauri app that still draws what the benchmarks look for — one window with one WebView
//! showing a static page (a sidebar with two avatars, like `webkit_floor.py`), with the same
//! Cargo profile, the same WebKitGTK environment defaults as `okno-desktop` and nothing else:
//! no tray, no plugins, no commands, no core, no server, no Svelte. What it costs is what any
//! Tauri window costs on the machine before Okno does anything.
//!
//! `cargo run --profile desktop -p okno-desktop --example blank_window`

const PAGE: &str = r#"<!doctype html><html><head><title>Okno</title></head>
<body style="margin:0;font:14px sans-serif;background:#edf0f5">
<div style="width:320px;height:760px;background:#fff;padding-top:68px;box-sizing:border-box">
<div style="width:44px;height:44px;border-radius:50%;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;margin:0 0 17px 18px;background:#4caf6a">HQ</div>
<div style="width:44px;height:44px;border-radius:50%;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;margin:0 0 17px 18px;background:#3d8fe0">IS</div>
</div></body></html>"#;

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
