//! The board's filter: which cards show (text, labels, people, due date,
//! done). It lives in the page's address (`?q=…&labels=…&who=…&due=…&done=…`)
//! so a filtered board can be shared and survives a reload; it applies to
//! cards as they change. Plain data, unit-tested; the bar is in `filter_bar`.

use crate::model::Task;

/// Which cards are shown: all of them when every part is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardFilter {
    /// Words the title or description contains (any case).
    pub text: String,
    /// Cards with any of these labels.
    pub labels: Vec<i64>,
    pub who: Who,
    pub due: Due,
    pub done: Progress,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Who {
    #[default]
    Anyone,
    /// The viewer's own cards.
    Me,
    Nobody,
    Member(i64),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Due {
    #[default]
    Any,
    Overdue,
    /// Due within the next seven days (not yet overdue).
    Week,
    /// No due date.
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Progress {
    #[default]
    Any,
    Open,
    Done,
}

impl Due {
    /// From its value in the address (and in the filter bar's choice).
    pub fn from_param(value: &str) -> Self {
        match value {
            "overdue" => Self::Overdue,
            "week" => Self::Week,
            "none" => Self::None,
            _ => Self::Any,
        }
    }
}

impl Progress {
    /// From its value in the address (and in the filter bar's choice).
    pub fn from_param(value: &str) -> Self {
        match value {
            "open" => Self::Open,
            "done" => Self::Done,
            _ => Self::Any,
        }
    }
}

const WEEK_MS: i64 = 7 * 86_400_000;

impl CardFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The filter of a page address's query (`get`: a parameter's value).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = get("q").unwrap_or_default().trim().to_string();
        let labels = get("labels")
            .unwrap_or_default()
            .split(',')
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        let who = match get("who").as_deref() {
            Some("me") => Who::Me,
            Some("nobody") => Who::Nobody,
            Some(id) => id.parse().map_or(Who::Anyone, Who::Member),
            None => Who::Anyone,
        };
        let due = Due::from_param(get("due").as_deref().unwrap_or_default());
        let done = Progress::from_param(get("done").as_deref().unwrap_or_default());
        Self {
            text,
            labels,
            who,
            due,
            done,
        }
    }

    /// Its query string, `?` included; empty for no filter.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(format!("q={}", encode(&self.text)));
        }
        if !self.labels.is_empty() {
            let ids: Vec<String> = self.labels.iter().map(i64::to_string).collect();
            parts.push(format!("labels={}", ids.join(",")));
        }
        match self.who {
            Who::Anyone => {}
            Who::Me => parts.push("who=me".into()),
            Who::Nobody => parts.push("who=nobody".into()),
            Who::Member(id) => parts.push(format!("who={id}")),
        }
        match self.due {
            Due::Any => {}
            Due::Overdue => parts.push("due=overdue".into()),
            Due::Week => parts.push("due=week".into()),
            Due::None => parts.push("due=none".into()),
        }
        match self.done {
            Progress::Any => {}
            Progress::Open => parts.push("done=open".into()),
            Progress::Done => parts.push("done=done".into()),
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// Whether `task` shows, for `viewer` at `now` (Unix ms).
    pub fn shows(&self, task: &Task, viewer: i64, now: i64) -> bool {
        if !self.text.is_empty() {
            let words = self.text.to_lowercase();
            let title = task.title.to_lowercase();
            let description = task.description.to_lowercase();
            if !words
                .split_whitespace()
                .all(|w| title.contains(w) || description.contains(w))
            {
                return false;
            }
        }
        if !self.labels.is_empty() && !self.labels.iter().any(|l| task.labels.contains(l)) {
            return false;
        }
        let people = match self.who {
            Who::Anyone => true,
            Who::Me => task.assignee_ids.contains(&viewer),
            Who::Nobody => task.assignee_ids.is_empty(),
            Who::Member(id) => task.assignee_ids.contains(&id),
        };
        let done = task.done_at.is_some();
        let due = match (self.due, task.due_at) {
            (Due::Any, _) => true,
            (Due::None, due) => due.is_none(),
            (Due::Overdue, Some(at)) => !done && at <= now,
            (Due::Week, Some(at)) => at > now && at <= now + WEEK_MS,
            (_, None) => false,
        };
        let state = match self.done {
            Progress::Any => true,
            Progress::Open => !done,
            Progress::Done => done,
        };
        people && due && state
    }
}

/// Percent-encodes a query value (what `URLSearchParams` reads back).
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64) -> Task {
        Task {
            id,
            title: format!("Card {id}"),
            ..Task::default()
        }
    }

    fn query<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_address_keeps_the_filter() {
        let f = CardFilter::from_query(query(&[
            ("q", "release notes"),
            ("labels", "3,x,7"),
            ("who", "me"),
            ("due", "week"),
            ("done", "open"),
            ("comment", "12"),
        ]));
        assert_eq!(f.text, "release notes");
        assert_eq!(f.labels, vec![3, 7]);
        assert_eq!((f.who, f.due, f.done), (Who::Me, Due::Week, Progress::Open));
        assert_eq!(
            f.to_query(),
            "?q=release+notes&labels=3,7&who=me&due=week&done=open"
        );
        assert_eq!(
            CardFilter::from_query(query(&[("who", "42")])).who,
            Who::Member(42)
        );
        assert_eq!(CardFilter::default().to_query(), "");
        assert!(CardFilter::from_query(query(&[("due", "bogus")])).is_empty());
        assert_eq!(encode("a&b=c/é"), "a%26b%3Dc%2F%C3%A9");
    }

    #[test]
    fn cards_show_when_every_part_agrees() {
        const NOW: i64 = 1_796_571_000_000;
        const DAY: i64 = 86_400_000;
        let mut a = task(1);
        a.title = "Write the Release notes".into();
        a.labels = vec![3];
        a.assignee_ids = vec![10, 11];
        a.due_at = Some(NOW - DAY);
        let mut b = task(2);
        b.description = "notes for the release".into();
        b.due_at = Some(NOW + 2 * DAY);
        let mut c = task(3);
        c.done_at = Some(NOW);
        c.due_at = Some(NOW - 2 * DAY);

        let shown = |f: &CardFilter| -> Vec<i64> {
            [&a, &b, &c]
                .into_iter()
                .filter(|t| f.shows(t, 10, NOW))
                .map(|t| t.id)
                .collect()
        };
        let with = |f: fn(&mut CardFilter)| {
            let mut filter = CardFilter::default();
            f(&mut filter);
            filter
        };
        assert_eq!(shown(&CardFilter::default()), vec![1, 2, 3]);
        assert_eq!(
            shown(&with(|f| f.text = "RELEASE notes".into())),
            vec![1, 2]
        );
        assert_eq!(shown(&with(|f| f.labels = vec![3, 9])), vec![1]);
        assert_eq!(shown(&with(|f| f.who = Who::Me)), vec![1]);
        assert_eq!(shown(&with(|f| f.who = Who::Member(11))), vec![1]);
        assert_eq!(shown(&with(|f| f.who = Who::Nobody)), vec![2, 3]);
        // A done card is not overdue.
        assert_eq!(shown(&with(|f| f.due = Due::Overdue)), vec![1]);
        assert_eq!(shown(&with(|f| f.due = Due::Week)), vec![2]);
        assert_eq!(shown(&with(|f| f.due = Due::None)), Vec::<i64>::new());
        assert_eq!(shown(&with(|f| f.done = Progress::Done)), vec![3]);
        assert_eq!(shown(&with(|f| f.done = Progress::Open)), vec![1, 2]);
        assert_eq!(
            shown(&with(|f| {
                f.text = "notes".into();
                f.due = Due::Week;
            })),
            vec![2]
        );
    }
}
