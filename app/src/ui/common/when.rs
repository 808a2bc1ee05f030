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

/// How pressing a card's due date is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Done,
    Overdue,
    /// Due within the next 24 hours.
    Soon,
    Later,
}

impl Urgency {
    pub fn class(self) -> &'static str {
        match self {
            Self::Done => "due due-done",
            Self::Overdue => "due due-overdue",
            Self::Soon => "due due-soon",
            Self::Later => "due",
        }
    }
}

/// The minute of the day a date without a time is due at (23:59): a card
/// due "on Friday" is overdue from Saturday.
pub const END_OF_DAY_MINUTE: i64 = 23 * 60 + 59;

/// A card's due date as its badge says it: "Due tomorrow", "Due today
/// 14:00", "Overdue 2 days", "Done" — seen at `now` by a reader whose clock
/// is `offset_ms` ahead of UTC.
pub fn due_label(due: i64, done: bool, now: i64, offset_ms: i64) -> (String, Urgency) {
    if done {
        return ("Done".into(), Urgency::Done);
    }
    let (local, local_now) = (due + offset_ms, now + offset_ms);
    let days = local.div_euclid(DAY_MS) - local_now.div_euclid(DAY_MS);
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    let clock = if minutes == END_OF_DAY_MINUTE {
        String::new()
    } else {
        format!(" {:02}:{:02}", minutes / 60, minutes % 60)
    };
    if due <= now {
        let label = match -days {
            0 if clock.is_empty() => "Overdue".into(),
            0 => format!("Overdue since{clock}"),
            1 => "Overdue 1 day".into(),
            n => format!("Overdue {n} days"),
        };
        return (label, Urgency::Overdue);
    }
    let urgency = if due - now <= DAY_MS {
        Urgency::Soon
    } else {
        Urgency::Later
    };
    let d = Civil::of(local);
    let label = match days {
        0 => format!("Due today{clock}"),
        1 => format!("Due tomorrow{clock}"),
        2..=6 => format!("Due {}{clock}", d.weekday_name()),
        _ if d.year == Civil::of(local_now).year => {
            format!("Due {} {}", d.day, d.month_name())
        }
        _ => format!("Due {} {} {}", d.day, d.month_name(), d.year),
    };
    (label, urgency)
}

/// Days since the epoch of a civil date (the inverse of [`Civil::of`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A due date as a date field and a time field show it (`2026-12-06`,
/// `14:00`; the time is empty for a date without one, due at 23:59).
pub fn due_fields(ms: i64, offset_ms: i64) -> (String, String) {
    let local = ms + offset_ms;
    let d = Civil::of(local);
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    let time = if minutes == END_OF_DAY_MINUTE {
        String::new()
    } else {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    };
    (format!("{:04}-{:02}-{:02}", d.year, d.month, d.day), time)
}

/// A due date in words, for a reader `offset_ms` ahead of UTC: "8 Dec
/// 2026", or "8 Dec 2026, 14:00" when it has a time.
pub fn due_date_text(ms: i64, offset_ms: i64) -> String {
    let d = Civil::of(ms + offset_ms);
    let day = format!("{} {} {}", d.day, d.month_name(), d.year);
    match due_fields(ms, offset_ms).1 {
        time if time.is_empty() => day,
        time => format!("{day}, {time}"),
    }
}

/// The due time (Unix ms) of a date field's value and an optional time
/// field's value, for a reader `offset_ms` ahead of UTC. `None`: not a date.
pub fn due_from_fields(date: &str, time: &str, offset_ms: i64) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    let minute = match time.trim().split_once(':') {
        None if time.trim().is_empty() => END_OF_DAY_MINUTE,
        Some((h, m)) => {
            let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
            if !(0..24).contains(&h) || !(0..60).contains(&m) {
                return None;
            }
            h * 60 + m
        }
        None => return None,
    };
    Some(days_from_civil(year, month, day) * DAY_MS + minute * 60_000 - offset_ms)
}

/// How far ahead of UTC the reader's clock is at `ms` (daylight saving time
/// differs by date).
pub fn offset_at(ms: i64) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        -(d.get_timezone_offset() as i64) * 60_000
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ms;
        0
    }
}

/// The reader's clock: now (Unix ms) and how far ahead of UTC they are (the
/// server, rendering before the page is live, uses UTC).
pub fn now_and_offset() -> (i64, i64) {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new_0();
        (
            d.get_time() as i64,
            -(d.get_timezone_offset() as i64) * 60_000,
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        (now, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::{due_fields, due_from_fields, due_label, relative, Civil, Urgency};

    #[test]
    fn due_fields_read_back_what_they_show() {
        // 6 Dec 2026 at 23:59 and at 14:00 UTC.
        let day = NOW.div_euclid(24 * HOUR) * 24 * HOUR;
        let end = day + 23 * HOUR + 59 * MIN;
        assert_eq!(due_fields(end, 0), ("2026-12-06".into(), String::new()));
        assert_eq!(due_from_fields("2026-12-06", "", 0), Some(end));
        assert_eq!(
            due_fields(day + 14 * HOUR, 0),
            ("2026-12-06".into(), "14:00".into())
        );
        assert_eq!(
            due_from_fields("2026-12-06", "14:00", 0),
            Some(day + 14 * HOUR)
        );
        // In Tokyo (UTC+9) 14:00 local is 05:00 UTC.
        assert_eq!(
            due_from_fields("2026-12-06", "14:00", 9 * HOUR),
            Some(day + 5 * HOUR)
        );
        assert_eq!(
            due_fields(day + 5 * HOUR, 9 * HOUR),
            ("2026-12-06".into(), "14:00".into())
        );
        assert_eq!(due_from_fields("2000-02-29", "", 0), Some(951_868_740_000));
        for bad in ["", "2026-13-01", "2026-12", "x-1-2", "2026-12-32"] {
            assert_eq!(due_from_fields(bad, "", 0), None, "{bad}");
        }
        assert_eq!(due_from_fields("2026-12-06", "25:00", 0), None);
        assert_eq!(due_from_fields("2026-12-06", "noon", 0), None);
    }

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

    #[test]
    fn due_dates_say_how_far_off_they_are() {
        // NOW is Sunday 6 Dec 2026, 15:30 UTC; a date without a time is due at 23:59.
        let end_of =
            |days: i64| (NOW.div_euclid(24 * HOUR) + days) * 24 * HOUR + 23 * HOUR + 59 * MIN;
        assert_eq!(
            due_label(end_of(0), false, NOW, 0),
            ("Due today".into(), Urgency::Soon)
        );
        assert_eq!(
            due_label(end_of(1), false, NOW, 0),
            ("Due tomorrow".into(), Urgency::Later)
        );
        assert_eq!(
            due_label(NOW + 2 * HOUR, false, NOW, 0),
            ("Due today 17:30".into(), Urgency::Soon)
        );
        assert_eq!(due_label(end_of(4), false, NOW, 0).0, "Due Thu");
        assert_eq!(due_label(end_of(10), false, NOW, 0).0, "Due 16 Dec");
        assert_eq!(due_label(end_of(40), false, NOW, 0).0, "Due 15 Jan 2027");
        assert_eq!(
            due_label(end_of(-1), false, NOW, 0),
            ("Overdue 1 day".into(), Urgency::Overdue)
        );
        assert_eq!(due_label(end_of(-3), false, NOW, 0).0, "Overdue 3 days");
        assert_eq!(
            due_label(NOW - HOUR, false, NOW, 0).0,
            "Overdue since 14:30"
        );
        assert_eq!(
            due_label(end_of(-3), true, NOW, 0),
            ("Done".into(), Urgency::Done)
        );
        // The reader's own day: 01:00 UTC Monday is still Sunday in New York.
        let monday_1am = end_of(0) + 61 * MIN;
        assert_eq!(due_label(monday_1am, false, NOW, 0).0, "Due tomorrow 01:00");
        assert_eq!(
            due_label(monday_1am, false, NOW, -5 * HOUR).0,
            "Due today 20:00"
        );
    }
}
