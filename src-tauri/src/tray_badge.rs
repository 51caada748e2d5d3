//! The tray icon with the unread total drawn on it, as messengers badge theirs: most panels (KDE,
//! XFCE, Cinnamon) show a tray item's icon and not its label, so without a badge the total would
//! be in the tooltip alone. Drawn with cairo, which GTK has loaded anyway.

use std::sync::Mutex;
use tauri::image::Image;

/// The tray's icon at 64 px (panels scale it to their size).
const BASE: &[u8] = include_bytes!("../../icons/64x64.png");

/// What the badge says, if anything: the count, or "99+".
pub fn badge_text(unread: i64) -> Option<String> {
    match unread {
        n if n <= 0 => None,
        n if n > 99 => Some("99+".to_owned()),
        n => Some(n.to_string()),
    }
}

/// The badge the tray shows now: none at first (the icon in tauri.conf.json).
static SHOWN: Mutex<Option<String>> = Mutex::new(None);

/// The tray's icon with `unread` on it (none for 0).
pub fn icon(unread: i64) -> Option<Image<'static>> {
    let base = match Image::from_bytes(BASE) {
        Ok(base) => base,
        Err(e) => {
            tracing::warn!(error = %e, "the tray icon does not decode");
            return None;
        }
    };
    match badge_text(unread) {
        None => Some(base.to_owned()),
        Some(text) => draw(&base, &text),
    }
}

/// The icon for `unread`, when its badge differs from the one shown (the icon is written to a
/// file for the panel: only when it changes).
pub(crate) fn changed(unread: i64) -> Option<Image<'static>> {
    let text = badge_text(unread);
    let mut shown = SHOWN.lock().ok()?;
    if *shown == text {
        return None;
    }
    let icon = icon(unread)?;
    *shown = text;
    Some(icon)
}

/// Red, as tray badges go (the page's pills are the accent blue, which the icon is already).
const RED: (f64, f64, f64) = (0.898, 0.224, 0.208);

/// `base` with a red pill holding `text` in its lower right corner, ringed in white so that it
/// stands out on dark and light panels alike.
fn draw(base: &Image<'_>, text: &str) -> Option<Image<'static>> {
    use gtk::cairo::{Context, FontSlant, FontWeight, Format, ImageSurface};
    let (w, h) = (base.width(), base.height());
    let (wi, hi) = (i32::try_from(w).ok()?, i32::try_from(h).ok()?);
    let mut surface = ImageSurface::create(Format::ARgb32, wi, hi).ok()?;
    let stride = usize::try_from(surface.stride()).ok()?;
    let width = w as usize;
    {
        // cairo's ARGB32: premultiplied, one native-endian u32 a pixel.
        let mut data = surface.data().ok()?;
        for (i, px) in base.rgba().chunks_exact(4).enumerate() {
            let at = (i / width) * stride + (i % width) * 4;
            let a = u32::from(px[3]);
            let pre = |c: u8| (u32::from(c) * a + 127) / 255;
            let v = (a << 24) | (pre(px[0]) << 16) | (pre(px[1]) << 8) | pre(px[2]);
            data.get_mut(at..at + 4)?.copy_from_slice(&v.to_ne_bytes());
        }
    }
    {
        let cr = Context::new(&surface).ok()?;
        let (wf, hf) = (f64::from(w), f64::from(h));
        let ring = hf * 0.05;
        let pill_h = hf * 0.58;
        cr.select_font_face("Sans", FontSlant::Normal, FontWeight::Bold);
        let mut size = pill_h * 0.72;
        cr.set_font_size(size);
        let mut ext = cr.text_extents(text).ok()?;
        // Three characters may not fit at that size: smaller, to the icon's width.
        let room = wf - pill_h * 0.45 - 2.0 * ring;
        if ext.width() > room {
            size *= room / ext.width();
            cr.set_font_size(size);
            ext = cr.text_extents(text).ok()?;
        }
        let pill_w = (ext.width() + pill_h * 0.45).max(pill_h);
        let (x, y) = (wf - pill_w - ring, hf - pill_h - ring);
        let r = pill_h / 2.0;
        let pill = |grow: f64| {
            cr.new_sub_path();
            cr.arc(
                x + r,
                y + r,
                r + grow,
                std::f64::consts::FRAC_PI_2,
                1.5 * std::f64::consts::PI,
            );
            cr.arc(
                x + pill_w - r,
                y + r,
                r + grow,
                -std::f64::consts::FRAC_PI_2,
                std::f64::consts::FRAC_PI_2,
            );
            cr.close_path();
        };
        pill(ring);
        cr.set_source_rgb(1.0, 1.0, 1.0);
        cr.fill().ok()?;
        pill(0.0);
        cr.set_source_rgb(RED.0, RED.1, RED.2);
        cr.fill().ok()?;
        cr.set_source_rgb(1.0, 1.0, 1.0);
        cr.move_to(
            x + (pill_w - ext.width()) / 2.0 - ext.x_bearing(),
            y + (pill_h - ext.height()) / 2.0 - ext.y_bearing(),
        );
        cr.show_text(text).ok()?;
    }
    surface.flush();
    let data = surface.data().ok()?;
    let mut rgba = Vec::with_capacity(width * h as usize * 4);
    for row in 0..h as usize {
        for col in 0..width {
            let at = row * stride + col * 4;
            let v = u32::from_ne_bytes(data.get(at..at + 4)?.try_into().ok()?);
            let a = v >> 24;
            // Back to straight alpha; a transparent pixel has no colour.
            let un = |c: u32| {
                (c * 255 + a / 2)
                    .checked_div(a)
                    .map_or(0, |v| v.min(255) as u8)
            };
            rgba.extend_from_slice(&[
                un((v >> 16) & 0xff),
                un((v >> 8) & 0xff),
                un(v & 0xff),
                a as u8,
            ]);
        }
    }
    Some(Image::new_owned(rgba, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_red(px: &[u8]) -> bool {
        px[0] > 180 && px[1] < 110 && px[2] < 110 && px[3] > 200
    }

    fn pixel<'a>(img: &'a Image<'_>, x: u32, y: u32) -> &'a [u8] {
        let at = ((y * img.width() + x) * 4) as usize;
        &img.rgba()[at..at + 4]
    }

    #[test]
    fn the_badge_says_the_count_up_to_99() {
        assert_eq!(badge_text(0), None);
        assert_eq!(badge_text(-3), None);
        assert_eq!(badge_text(7).as_deref(), Some("7"));
        assert_eq!(badge_text(99).as_deref(), Some("99"));
        assert_eq!(badge_text(100).as_deref(), Some("99+"));
    }

    #[test]
    fn the_badge_is_red_in_the_lower_right_with_white_text_and_the_icon_kept_elsewhere() {
        let base = Image::from_bytes(BASE).unwrap();
        for text in ["3", "42", "99+"] {
            let icon = draw(&base, text).unwrap();
            if let Some(dir) = std::env::var_os("OKNO_BADGE_DIR") {
                let path = std::path::Path::new(&dir)
                    .join(format!("badge-{}.png", text.replace('+', "plus")));
                let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
                let mut enc = png::Encoder::new(file, icon.width(), icon.height());
                enc.set_color(png::ColorType::Rgba);
                enc.write_header()
                    .unwrap()
                    .write_image_data(icon.rgba())
                    .unwrap();
            }
            assert_eq!((icon.width(), icon.height()), (base.width(), base.height()));
            let (w, h) = (icon.width(), icon.height());
            let lower_right: Vec<&[u8]> = (h / 2..h)
                .flat_map(|y| (w / 2..w).map(move |x| (x, y)))
                .map(|(x, y)| pixel(&icon, x, y))
                .collect();
            let red = lower_right.iter().filter(|p| is_red(p)).count();
            let white = lower_right
                .iter()
                .filter(|p| p[0] > 230 && p[1] > 230 && p[2] > 230 && p[3] > 200)
                .count();
            assert!(red * 4 > lower_right.len(), "{text}: {red} red");
            assert!(white > 20, "{text}: the digits and the ring, {white} white");
            // The upper left is the icon as it was.
            for (x, y) in [(8, 8), (20, 12), (44, 16)] {
                let (a, b) = (pixel(&base, x, y), pixel(&icon, x, y));
                assert!(
                    a.iter().zip(b).all(|(p, q)| p.abs_diff(*q) <= 2),
                    "{text} at {x},{y}: {a:?} became {b:?}"
                );
            }
        }
    }

    #[test]
    fn the_icon_changes_only_when_the_badge_does() {
        // One test owns the process-wide state: set, repeat, change, clear.
        assert!(changed(0).is_none(), "the configured icon has no badge");
        assert!(changed(3).is_some());
        assert!(changed(3).is_none());
        assert!(changed(4).is_some());
        assert!(changed(150).is_some());
        assert!(changed(120).is_none(), "both read 99+");
        let plain = changed(0).unwrap();
        let base = Image::from_bytes(BASE).unwrap();
        assert_eq!(plain.rgba(), base.rgba());
        assert!(changed(0).is_none());
    }
}
