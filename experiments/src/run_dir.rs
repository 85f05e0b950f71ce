//! Run folders: `results/<UTC time>-<kind>-<host>/`, created once and never reused.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates a new, empty run folder under `root`, named `<UTC time>-<kind>-<host>` (with `-2`,
/// `-3` ... appended if a folder of that name exists). Creation is atomic (`create_dir`, not
/// `create_dir_all`), so two runs never share a folder and an existing one is never overwritten.
pub fn create(root: &Path, kind: &str, host: &str, now: SystemTime) -> Result<PathBuf> {
    std::fs::create_dir_all(root)
        .with_context(|| format!("cannot create the results folder {}", root.display()))?;
    let base = format!("{}-{kind}-{}", compact_utc(now), sanitize(host));
    for n in 1..1000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let path = root.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    bail!("too many run folders named {base}* in {}", root.display())
}

/// Keeps a host name usable in a path: letters, digits, `-` and `.`; anything else becomes `_`.
fn sanitize(host: &str) -> String {
    let s: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "host".into() } else { s }
}

/// `20261122T021519Z`: the UTC time, sortable and safe in a path.
pub fn compact_utc(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `2026-11-22T02:15:19Z`: RFC 3339 in UTC, for metadata.
pub fn rfc3339(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Year, month, day, hour, minute, second in UTC (Hinnant's `civil_from_days`).
fn civil(t: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_314_919); // 2026-11-22T02:35:19Z
        assert_eq!(rfc3339(t), "2026-11-22T02:35:19Z");
        assert_eq!(compact_utc(t), "20261122T023519Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // A leap day.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn never_reuses_a_folder() {
        let root = std::env::temp_dir().join(format!("tmlab-rundir-{}", std::process::id()));
        let t = UNIX_EPOCH + Duration::from_secs(1_795_314_919);
        let a = create(&root, "probe", "my host", t).unwrap();
        let b = create(&root, "probe", "my host", t).unwrap();
        assert_ne!(a, b);
        assert!(a.ends_with("20261122T023519Z-probe-my_host"));
        assert!(b.ends_with("20261122T023519Z-probe-my_host-2"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
