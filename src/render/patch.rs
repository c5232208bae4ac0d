//! `git format-patch` mbox text for one slice: headers, message, diffstat,
//! diff, signature. `git am` applies the files in order.

use std::io;

use super::diff::{write_file_diff_with_blobs, write_stat};
use crate::rewrite::FileChange;

/// Everything a patch's header needs.
#[derive(Debug, Clone)]
pub struct PatchHeader<'a> {
    /// `Name <email>`.
    pub author: &'a str,
    /// Seconds since the Unix epoch, for the `Date:` header.
    pub date: u64,
    pub number: usize,
    pub total: usize,
    pub subject: &'a str,
    pub body: &'a str,
}

/// One patch in mbox form; `path_of` names each change as the repository sees it.
pub fn format_patch(
    header: &PatchHeader,
    changes: &[FileChange],
    path_of: &dyn Fn(&FileChange) -> String,
) -> io::Result<String> {
    let mut out = Vec::new();
    use std::io::Write;
    writeln!(out, "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001")?;
    writeln!(out, "From: {}", header.author)?;
    writeln!(out, "Date: {}", rfc2822(header.date))?;
    let prefix = if header.total > 1 {
        format!("[PATCH {}/{}]", header.number, header.total)
    } else {
        "[PATCH]".into()
    };
    writeln!(out, "Subject: {prefix} {}", header.subject)?;
    writeln!(out)?;
    writeln!(out, "{}", header.body.trim_end())?;
    writeln!(out, "---")?;
    // The diffstat and the diff name files as git sees them.
    let renamed: Vec<FileChange> =
        changes.iter().map(|c| FileChange { display: path_of(c), ..c.clone() }).collect();
    write_stat(".", &renamed, false, &mut out)?;
    writeln!(out)?;
    for change in &renamed {
        write_file_diff_with_blobs(&change.display, change, &mut out)?;
    }
    writeln!(out, "-- ")?;
    writeln!(out, "corral {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `Thu, 26 Nov 2026 16:36:31 +0000`.
pub fn rfc2822(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let seconds = epoch % 86_400;
    let (year, month, day) = civil_from_days(days);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days.rem_euclid(7)) as usize];
    let month_name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [month as usize - 1];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} +0000",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_795_710_991), "Thu, 26 Nov 2026 16:36:31 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    #[test]
    fn patch_has_mbox_headers_stat_and_diff() {
        let change = FileChange {
            path: PathBuf::from("/ws/src/lib.rs"),
            display: "src/lib.rs".into(),
            original: Some("a\n".into()),
            new_text: "b\n".into(),
            package: None,
        };
        let header =
            PatchHeader { author: "A <a@b>", date: 0, number: 1, total: 2, subject: "Track", body: "Why.\n" };
        let text = format_patch(&header, &[change], &|c| format!("repo/{}", c.display)).unwrap();
        assert!(text.starts_with("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Thu, 01 Jan 1970 00:00:00 +0000\nSubject: [PATCH 1/2] Track\n\nWhy.\n---\n repo/src/lib.rs | "));
        assert!(text.contains("diff --git a/repo/src/lib.rs b/repo/src/lib.rs\nindex 78981922613b2afb6025042ff6bd878ac1994e85..61780798228d17af2d34fce4cfbdf35556832472\n--- a/repo/src/lib.rs\n+++ b/repo/src/lib.rs\n@@ -1 +1 @@\n-a\n+b\n-- \ncorral "));
    }
}
