//! Times as people read them in a list: "just now", "2 min ago", "Today
//! 09:12", "Yesterday 14:05", "Mon 14:05", "3 Dec 14:05", "3 Dec 2025" — in
//! the reader's own time zone (the server, rendering before the page is
//! live, uses UTC).

/// A day of the (proleptic Gregorian) calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1–12.
    pub month: i64,
    /// 1–31.
    pub day: i64,
    /// 0 = Thursday (1 Jan 1970 was one), as days since the epoch mod 7.
    weekday: i64,
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAY_MS: i64 = 86_400_000;

impl Civil {
    /// The UTC day of a timestamp (ms since the epoch).
    pub fn of(ms: i64) -> Self {
        let days = ms.div_euclid(DAY_MS);
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Self {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            weekday: days.rem_euclid(7),
        }
    }
    pub fn weekday_name(self) -> &'static str {
        WEEKDAYS[self.weekday as usize]
    }
    pub fn month_name(self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }
}

/// When `ms` was, seen at `now`, for a reader whose clock is `offset_ms`
/// ahead of UTC.
pub fn relative(ms: i64, now: i64, offset_ms: i64) -> String {
    let since = now - ms;
    if since < 60_000 {
        return "just now".into();
    }
    if since < 3_600_000 {
        return format!("{} min ago", since / 60_000);
    }
    let (local, local_now) = (ms + offset_ms, now + offset_ms);
    let days_ago = local_now.div_euclid(DAY_MS) - local.div_euclid(DAY_MS);
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    let clock = format!("{:02}:{:02}", minutes / 60, minutes % 60);
    let d = Civil::of(local);
    match days_ago {
        0 => format!("Today {clock}"),
        1 => format!("Yesterday {clock}"),
        2..=6 => format!("{} {clock}", d.weekday_name()),
        _ if d.year == Civil::of(local_now).year => {
            format!("{} {} {clock}", d.day, d.month_name())
        }
        _ => format!("{} {} {}", d.day, d.month_name(), d.year),
    }
}

/// When `ms` was, from now, in the reader's time zone.
pub fn ago(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        // getTimezoneOffset is UTC minus local, in minutes.
        let offset = -(d.get_timezone_offset() as i64) * 60_000;
        relative(ms, js_sys::Date::now() as i64, offset)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        relative(ms, now, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::{relative, Civil};

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    // Sunday 6 Dec 2026, 15:30 UTC.
    const NOW: i64 = 1_796_571_000_000;

    #[test]
    fn the_calendar_is_right() {
        let d = Civil::of(NOW);
        assert_eq!((d.year, d.month, d.day), (2026, 12, 6));
        assert_eq!(d.weekday_name(), "Sun");
        assert_eq!(Civil::of(0).weekday_name(), "Thu");
        let leap = Civil::of(951_782_400_000); // 29 Feb 2000
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
    }

    #[test]
    fn recent_times_count_minutes_older_ones_name_the_day() {
        assert_eq!(relative(NOW - 20_000, NOW, 0), "just now");
        assert_eq!(relative(NOW + 5_000, NOW, 0), "just now");
        assert_eq!(relative(NOW - 2 * MIN - 5_000, NOW, 0), "2 min ago");
        assert_eq!(relative(NOW - 59 * MIN, NOW, 0), "59 min ago");
        assert_eq!(relative(NOW - 3 * HOUR, NOW, 0), "Today 12:30");
        assert_eq!(
            relative(NOW - 25 * HOUR - 25 * MIN, NOW, 0),
            "Yesterday 14:05"
        );
        assert_eq!(relative(NOW - 4 * 24 * HOUR, NOW, 0), "Wed 15:30");
        assert_eq!(relative(NOW - 10 * 24 * HOUR, NOW, 0), "26 Nov 15:30");
        assert_eq!(relative(NOW - 400 * 24 * HOUR, NOW, 0), "1 Nov 2025");
    }

    #[test]
    fn days_are_the_readers_own() {
        // 23:30 UTC yesterday is already today at UTC+1 …
        let late = NOW - 16 * HOUR;
        assert_eq!(relative(late, NOW, 0), "Yesterday 23:30");
        assert_eq!(relative(late, NOW, HOUR), "Today 00:30");
        // … and still yesterday in New York (UTC−5).
        assert_eq!(relative(late, NOW, -5 * HOUR), "Yesterday 18:30");
    }
}
