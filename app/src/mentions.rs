//! Finding `@username` mentions in text. Pure functions, shared by the server
//! (which decides who is mentioned — never the client) and the browser (which
//! renders mention chips and drives the autocomplete).
//!
//! Rules:
//! - a mention is `@` followed by username characters (`a–z 0–9 _ . -`, any
//!   case); it ends at the first character that cannot be in a username, so
//!   `@bob,` `(@bob)` and `@bobé` all mention `bob`;
//! - the `@` must start the text or follow a character that cannot end a
//!   word of a name or address, so `name@example.com` and `a.@bob` are plain text;
//! - a sentence's trailing dot, dash or underscore is not part of the name
//!   when the name without it is the one that exists (`thanks @bob.`); the
//!   server resolves both spellings, see [`candidates`].

use std::ops::Range;

use crate::validate::{is_username_char, USERNAME_MAX, USERNAME_MIN};

/// One `@name` found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionSpan {
    /// Byte range of the whole mention, `@` included.
    pub range: Range<usize>,
    /// The name as a username: lower case, without the `@`.
    pub name: String,
}

fn name_char(c: char) -> bool {
    is_username_char(c.to_ascii_lowercase())
}

/// Can a mention start right after this character?
fn boundary_before(c: char) -> bool {
    !(c.is_alphanumeric() || name_char(c) || c == '@')
}

/// Every `@name` in the text, in order (repeats included).
pub fn spans(text: &str) -> Vec<MentionSpan> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((at, c)) = iter.next() {
        if c == '@' && prev.is_none_or(boundary_before) {
            let start_of_name = at + 1;
            let mut end = start_of_name;
            while let Some(&(i, n)) = iter.peek() {
                if !name_char(n) {
                    break;
                }
                end = i + n.len_utf8();
                iter.next();
            }
            let name = text[start_of_name..end].to_ascii_lowercase();
            if !name.is_empty() {
                out.push(MentionSpan {
                    range: at..end,
                    name,
                });
            }
            prev = text[..end].chars().last();
            continue;
        }
        prev = Some(c);
    }
    out
}

/// The usernames a span may mean, best first: as written, then without
/// trailing sentence punctuation (`bob.` → `bob`). Names that cannot be
/// usernames (too short or long) are left out.
pub fn candidates(name: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(2);
    let plausible = |n: &str| (USERNAME_MIN..=USERNAME_MAX).contains(&n.chars().count());
    if plausible(name) {
        out.push(name.to_string());
    }
    let trimmed = name.trim_end_matches(['.', '-', '_']);
    if trimmed != name && plausible(trimmed) {
        out.push(trimmed.to_string());
    }
    out
}

/// Every username the text may mention, each once, in order of appearance.
pub fn mentioned_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for span in spans(text) {
        for name in candidates(&span.name) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Which of the resolved usernames a span stands for (the first candidate that
/// is one of them), with the byte length of the mention as displayed.
pub fn resolve<'a>(span: &MentionSpan, known: &'a [String]) -> Option<(&'a str, usize)> {
    candidates(&span.name).into_iter().find_map(|c| {
        known
            .iter()
            .find(|k| **k == c)
            .map(|k| (k.as_str(), 1 + c.len()))
    })
}

/// The `@prefix` being typed just before the caret (byte offset), for the
/// autocomplete: where it starts (the `@`) and the letters typed so far.
pub fn typing_at(text: &str, caret: usize) -> Option<(usize, String)> {
    let caret = caret.min(text.len());
    if !text.is_char_boundary(caret) {
        return None;
    }
    let before = &text[..caret];
    let at = before.rfind('@')?;
    let typed = &before[at + 1..];
    if typed.chars().count() > USERNAME_MAX || !typed.chars().all(name_char) {
        return None;
    }
    if !before[..at].chars().last().is_none_or(boundary_before) {
        return None;
    }
    Some((at, typed.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        mentioned_names(text)
    }

    #[test]
    fn finds_mentions_and_where_they_end() {
        assert_eq!(names("hi @bob"), vec!["bob"]);
        assert_eq!(
            names("@bob, @carol: see (@dave)"),
            vec!["bob", "carol", "dave"]
        );
        assert_eq!(
            names("@Bob and @BOB"),
            vec!["bob"],
            "case-insensitive, once"
        );
        assert_eq!(names("@bob!?"), vec!["bob"]);
        assert_eq!(names("line\n@bob\n"), vec!["bob"]);
    }

    #[test]
    fn email_addresses_and_lone_at_signs_are_text() {
        assert!(names("write to name@example.com").is_empty());
        assert!(names("@").is_empty());
        assert!(names("ends with @").is_empty());
        assert!(names("@ bob").is_empty());
        assert!(names("@@bob").is_empty());
        assert!(names("x.@bob").is_empty());
        assert!(names("a@b").is_empty());
    }

    #[test]
    fn unicode_around_names() {
        assert_eq!(names("«@bob»"), vec!["bob"]);
        assert_eq!(names("@bobé"), vec!["bob"], "ends at a non-username char");
        assert!(
            names("café@bob").is_empty(),
            "a letter before @ is an address"
        );
        assert_eq!(names("🎉@bob 🎉"), vec!["bob"]);
        assert_eq!(names("日本@ada"), Vec::<String>::new());
        assert_eq!(names("— @ada"), vec!["ada"]);
    }

    #[test]
    fn trailing_punctuation_is_tried_both_ways() {
        assert_eq!(names("thanks @bob."), vec!["bob.", "bob"]);
        assert_eq!(names("@ada.l is here"), vec!["ada.l"]);
        assert_eq!(
            names("@ab"),
            Vec::<String>::new(),
            "too short to be a username"
        );
        assert!(names(&format!("@{}", "a".repeat(40))).is_empty());
    }

    #[test]
    fn resolve_picks_the_existing_spelling() {
        let text = "thanks @Bob. and @ada.l";
        let found = spans(text);
        let known = vec!["bob".to_string(), "ada.l".to_string()];
        let (name, len) = resolve(&found[0], &known).unwrap();
        assert_eq!(
            (
                name,
                &text[found[0].range.start..found[0].range.start + len]
            ),
            ("bob", "@Bob")
        );
        let (name, len) = resolve(&found[1], &known).unwrap();
        assert_eq!((name, len), ("ada.l", 6));
        assert!(resolve(&found[0], &[]).is_none());
    }

    #[test]
    fn autocomplete_sees_the_name_being_typed() {
        assert_eq!(typing_at("hi @bo", 6), Some((3, "bo".into())));
        assert_eq!(typing_at("@", 1), Some((0, String::new())));
        assert_eq!(typing_at("hi @Bo there", 6), Some((3, "bo".into())));
        assert_eq!(typing_at("mail a@b", 8), None);
        assert_eq!(typing_at("@bob done", 9), None, "a space ended it");
        assert_eq!(typing_at("no at sign", 5), None);
    }
}
