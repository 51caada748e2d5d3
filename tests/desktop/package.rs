//! The Debian package `scripts/package` builds (`scripts/test` builds it before this suite; by
//! hand, run `scripts/package` first, or name a package with `OKNO_PACKAGE`): what it installs,
//! and the app it installs working in a real window.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package under test.
fn package() -> PathBuf {
    if let Some(p) = std::env::var_os("OKNO_PACKAGE") {
        return PathBuf::from(p);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("desktop/bundle/deb");
    std::fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .unwrap_or_else(|| panic!("no package in {}: run scripts/package first", dir.display()))
}

fn field(deb: &Path, name: &str) -> String {
    let out = Command::new("dpkg-deb")
        .arg("-f")
        .arg(deb)
        .arg(name)
        .output()
        .unwrap();
    assert!(out.status.success(), "dpkg-deb -f {name}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_package_installs_a_working_app_with_its_menu_entry_and_icons() {
    let deb = package();
    assert_eq!(field(&deb, "Package"), "okno");
    assert_eq!(field(&deb, "Version"), env!("CARGO_PKG_VERSION"));
    let depends = field(&deb, "Depends");
    for dep in [
        "libwebkit2gtk-4.1-0",
        "libgtk-3-0",
        "libayatana-appindicator3-1",
        "ca-certificates",
        "fonts-noto-color-emoji",
        "xdg-utils",
    ] {
        assert!(depends.contains(dep), "depends on {dep}: {depends}");
    }

    // Unpacked as dpkg installs it, under a root of our own.
    let root = tempfile::tempdir().unwrap();
    let ok = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let bin = root.path().join("usr/bin/okno-desktop");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bin).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "the app is executable");
    }
    // Named as notifications name it (their `desktop-entry` hint).
    let entry_path = root.path().join("usr/share/applications/Okno.desktop");
    let entry = std::fs::read_to_string(&entry_path).unwrap();
    assert_valid_desktop_entry(&entry_path);
    for line in [
        "Name=Okno",
        "Name[ru]=Окно",
        "Exec=okno-desktop",
        "Icon=okno-desktop",
        "Categories=Network;InstantMessaging;Chat;",
        "StartupWMClass=okno-desktop",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in\n{entry}");
    }
    // Every size the hicolor theme looks in for menus, docks and app grids, none scaled up.
    for size in ["32x32", "64x64", "128x128", "256x256", "512x512"] {
        let icon = root.path().join(format!(
            "usr/share/icons/hicolor/{size}/apps/okno-desktop.png"
        ));
        assert!(icon.is_file(), "{}", icon.display());
    }

    // The installed app signs in and shows its lines; docks match its window to the entry.
    let cloud = Cloud::start().await;
    let app = Desktop::start_app("package", &cloud.url(), &bin).await;
    app.sign_in(&cloud.url(), "user").await;
    app.find("[data-testid=lines-list]").await;
    assert_eq!(app.find_all("[data-testid=line-item]").await.len(), 2);
    assert!(
        app.window_class().iter().any(|c| c == "okno-desktop"),
        "{:?}",
        app.window_class()
    );
    app.screenshot("lines").await;
    app.quit().await;
}
