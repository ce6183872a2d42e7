//! UTC timestamps without a date-time dependency.

/// Parse `YYYY-MM-DDTHH:MM:SS[.fraction][Z]` or `YYYY-MM-DD HH:MM:SS` (UTC) to Unix ms.
pub fn parse_utc(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':');
    let (h, mi, se): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next().unwrap_or("0").parse().ok()?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let millis: i64 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        format!("{digits:0<3}").parse().ok()?
    };
    Some((days_from_civil(y, mo, da) * 86_400 + h * 3_600 + mi * 60 + se) * 1_000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_utc;

    #[test]
    fn parses_the_formats_in_the_bundled_data() {
        // 2020-03-12T00:00:00Z = 1583971200000 (the Binance file's own open_time column agrees).
        assert_eq!(
            parse_utc("2020-03-12T00:00:00.0000000Z"),
            Some(1_583_971_200_000)
        );
        assert_eq!(parse_utc("2025-10-10 00:00:07"), Some(1_760_054_407_000));
        assert_eq!(parse_utc("2025-10-10T21:00:00Z"), Some(1_760_130_000_000));
        assert_eq!(parse_utc("yesterday"), None);
    }
}
