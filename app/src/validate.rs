//! Input rules, shared by the browser (instant feedback) and the server (the
//! authority). Every limit is documented in docs/api.md.

use crate::error::{AppError, AppResult};

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const BOARD_NAME_MAX: usize = 100;
pub const COLUMN_NAME_MAX: usize = 60;
pub const TASK_TITLE_MAX: usize = 200;
pub const TASK_DESCRIPTION_MAX: usize = 10_000;
pub const ROOM_NAME_MAX: usize = 60;
pub const ROOM_DESCRIPTION_MAX: usize = 500;
/// Longest chat message or comment, in characters (Zulip uses the same).
pub const MESSAGE_MAX: usize = 10_000;
/// History pages: default and largest size.
pub const HISTORY_PAGE_DEFAULT: i64 = 50;
pub const HISTORY_PAGE_MAX: i64 = 100;
pub const MAX_ROOMS_PER_BOARD: i64 = 200;
/// Upper bounds that keep one board usable (and one request cheap).
pub const MAX_COLUMNS_PER_BOARD: i64 = 50;
pub const MAX_TASKS_PER_BOARD: i64 = 5_000;
pub const MAX_MEMBERS_PER_BOARD: i64 = 500;

/// Can this character appear in a username? (Also where an @mention ends.)
pub fn is_username_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-')
}

/// Normalises a username (lower case) and checks it: 3–32 of `[a-z0-9_.-]`.
pub fn username(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_ascii_lowercase();
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(AppError::invalid(format!(
            "username must be {USERNAME_MIN}–{USERNAME_MAX} characters"
        )));
    }
    if !name.chars().all(is_username_char) {
        return Err(AppError::invalid(
            "username may only contain a–z, 0–9, '_', '.' and '-'",
        ));
    }
    if RESERVED_USERNAMES.contains(&name.as_str()) {
        return Err(AppError::invalid(format!(
            "{name:?} is reserved: @{name} calls a whole group. Pick another username"
        )));
    }
    Ok(name)
}

/// Names that a mention uses for a group of people (`@room`: the room's
/// members, `@board`: the board's, `@here`: those online now; `@all`,
/// `@everyone` and `@channel`, what other chat tools call them). No new
/// account takes one. Accounts that had one before keep it and sign in as
/// ever (the server lists them in its log when it starts).
pub const RESERVED_USERNAMES: [&str; 6] = ["room", "board", "here", "all", "everyone", "channel"];

/// Boards of up to this many members let everyone call @room, @board and
/// @here; bigger ones, only their owners (unless an owner lets everyone).
pub const GROUP_MENTION_OPEN_UP_TO: i64 = 15;

/// A person calls a room's group at most once in this long (ms).
pub const GROUP_MENTION_EVERY_MS: i64 = 5 * 60_000;

/// Default most people one group call reaches (`--group-mention-max`).
pub const GROUP_MENTION_MAX: usize = 500;

/// Text that may span lines: line breaks and tabs are fine, other control
/// characters (NUL and the rest of C0, DEL, C1) are refused everywhere —
/// they are invisible, and PostgreSQL cannot store NUL at all.
fn no_controls(what: &str, text: &str) -> AppResult<()> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(AppError::invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

/// Line breaks as `\n` (a browser form sends `\r\n`).
fn unix_lines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

/// What a login names: refused outright (400) if it could never be a
/// username or password, before any database lookup.
pub fn credentials(username: &str, password: &str) -> AppResult<()> {
    if username
        .chars()
        .chain(password.chars())
        .any(|c| c.is_control() && c != '\t')
    {
        return Err(AppError::invalid(
            "username and password must not contain control characters",
        ));
    }
    Ok(())
}

/// A username someone typed to find a user (`@ada`, ` Ada `): normalised
/// for the lookup; empty or control characters are refused.
pub fn lookup_username(raw: &str) -> AppResult<String> {
    let username = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    if username.is_empty() {
        return Err(AppError::invalid("username must not be empty"));
    }
    // No account has a longer name: say so without quoting it back.
    if username.chars().count() > USERNAME_MAX {
        return Err(AppError::invalid(format!(
            "no username is longer than {USERNAME_MAX} characters"
        )));
    }
    if username.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "username must not contain control characters",
        ));
    }
    Ok(username)
}

pub fn password(raw: &str) -> AppResult<()> {
    no_controls("password", raw)?;
    if raw.contains(['\n', '\r']) {
        return Err(AppError::invalid("password must be a single line"));
    }
    let len = raw.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::invalid(format!(
            "password must be at least {PASSWORD_MIN} characters"
        )));
    }
    if len > PASSWORD_MAX {
        return Err(AppError::invalid(format!(
            "password must be at most {PASSWORD_MAX} characters"
        )));
    }
    Ok(())
}

/// A trimmed, non-empty, single-line name of at most `max` characters.
pub fn name(what: &str, raw: &str, max: usize) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid(format!("{what} must not be empty")));
    }
    if name.chars().count() > max {
        return Err(AppError::invalid(format!(
            "{what} must be at most {max} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "{what} must be a single line of text"
        )));
    }
    Ok(name.to_string())
}

/// The display name, or the username when none is given.
pub fn display_name(raw: Option<&str>, username: &str) -> AppResult<String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(username.to_string()),
        Some(s) => name("display name", s, DISPLAY_NAME_MAX),
    }
}

pub fn board_name(raw: &str) -> AppResult<String> {
    name("board name", raw, BOARD_NAME_MAX)
}

pub fn column_name(raw: &str) -> AppResult<String> {
    name("column name", raw, COLUMN_NAME_MAX)
}

pub fn task_title(raw: &str) -> AppResult<String> {
    name("task title", raw, TASK_TITLE_MAX)
}

pub fn label_name(raw: &str) -> AppResult<String> {
    name("label name", raw, LABEL_NAME_MAX)
}

pub fn checklist_text(raw: &str) -> AppResult<String> {
    name("checklist item", raw, CHECKLIST_TEXT_MAX)
}

/// Labels per board, items per checklist, people per card.
pub const MAX_LABELS_PER_BOARD: i64 = 100;
pub const MAX_CHECKLIST_ITEMS: i64 = 200;
pub const MAX_ASSIGNEES: usize = 20;
const LABEL_NAME_MAX: usize = 40;
const CHECKLIST_TEXT_MAX: usize = 300;

/// A due date: Unix milliseconds between 1970 and the year 9999.
pub fn due_at(raw: i64) -> AppResult<i64> {
    const YEAR_9999: i64 = 253_402_300_799_999;
    if (0..=YEAR_9999).contains(&raw) {
        Ok(raw)
    } else {
        Err(AppError::invalid(
            "due_at must be a time in Unix milliseconds between 1970 and 9999",
        ))
    }
}

/// A list of ids with each one once, in the order first given.
pub fn distinct_ids(what: &str, ids: &[i64], max: usize) -> AppResult<Vec<i64>> {
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > max {
        return Err(AppError::invalid(format!("at most {max} {what}")));
    }
    Ok(out)
}

/// Descriptions keep their line breaks; only the ends are trimmed. May be empty.
pub fn task_description(raw: &str) -> AppResult<String> {
    no_controls("task description", raw)?;
    let text = unix_lines(raw.trim());
    let text = text.as_str();
    if text.chars().count() > TASK_DESCRIPTION_MAX {
        return Err(AppError::invalid(format!(
            "task description must be at most {TASK_DESCRIPTION_MAX} characters"
        )));
    }
    Ok(text.to_string())
}

pub fn room_name(raw: &str) -> AppResult<String> {
    name("room name", raw, ROOM_NAME_MAX)
}

pub fn room_description(raw: &str) -> AppResult<String> {
    no_controls("room description", raw)?;
    let text = unix_lines(raw.trim());
    let text = text.as_str();
    if text.chars().count() > ROOM_DESCRIPTION_MAX {
        return Err(AppError::invalid(format!(
            "room description must be at most {ROOM_DESCRIPTION_MAX} characters"
        )));
    }
    Ok(text.to_string())
}

/// A chat message or comment: trimmed, not empty, at most [`MESSAGE_MAX`] characters.
pub fn message(raw: &str) -> AppResult<String> {
    no_controls("message", raw)?;
    let text = unix_lines(raw.trim());
    let text = text.as_str();
    if text.is_empty() {
        return Err(AppError::invalid("message must not be empty"));
    }
    if text.chars().count() > MESSAGE_MAX {
        return Err(AppError::invalid(format!(
            "message must be at most {MESSAGE_MAX} characters"
        )));
    }
    Ok(text.to_string())
}

/// A client's own id for a text it sends (see `protocol::ClientFrame`): 1 to
/// 64 printable ASCII characters, or none.
pub fn client_id(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(id) = raw else { return Ok(None) };
    let max = crate::protocol::CLIENT_ID_MAX;
    if id.is_empty() || id.len() > max || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(format!(
            "client_id must be 1 to {max} printable ASCII characters"
        )));
    }
    Ok(Some(id.to_string()))
}

/// A history page size: default when absent, 1..=100 otherwise.
pub fn page_limit(raw: Option<i64>) -> AppResult<i64> {
    match raw {
        None => Ok(HISTORY_PAGE_DEFAULT),
        Some(n) if (1..=HISTORY_PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid(format!(
            "limit must be between 1 and {HISTORY_PAGE_MAX}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(username(" Ada.L-1_ ").unwrap(), "ada.l-1_");
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username(&"a".repeat(32)).is_ok());
        assert!(username("ada lovelace").is_err());
        assert!(username("ada@home").is_err());
        assert!(username("adä").is_err());
    }

    #[test]
    fn group_mention_names_are_reserved() {
        for name in ["room", "Board", " HERE ", "all", "everyone", "channel"] {
            let err = username(name).unwrap_err();
            assert!(err.to_string().contains("reserved"), "{name}: {err}");
        }
        for name in ["rooms", "boardroom", "hereford", "ally"] {
            assert!(username(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_are_trimmed_non_empty_and_bounded() {
        assert_eq!(board_name("  Roadmap ").unwrap(), "Roadmap");
        assert!(board_name("   ").is_err());
        assert!(board_name(&"x".repeat(BOARD_NAME_MAX + 1)).is_err());
        assert!(board_name(&"é".repeat(BOARD_NAME_MAX)).is_ok());
        assert!(column_name("To\ndo").is_err());
        assert!(task_title(&"t".repeat(TASK_TITLE_MAX + 1)).is_err());
    }

    #[test]
    fn descriptions_keep_line_breaks() {
        assert_eq!(task_description(" a\nb ").unwrap(), "a\nb");
        assert_eq!(task_description("").unwrap(), "");
        assert!(task_description(&"d".repeat(TASK_DESCRIPTION_MAX + 1)).is_err());
    }

    #[test]
    fn messages_are_trimmed_and_bounded() {
        assert_eq!(message("  hi\nthere \n").unwrap(), "hi\nthere");
        assert!(message(" \n\t ").is_err());
        assert!(message(&"m".repeat(MESSAGE_MAX)).is_ok());
        assert!(message(&"m".repeat(MESSAGE_MAX + 1)).is_err());
        assert_eq!(page_limit(None).unwrap(), HISTORY_PAGE_DEFAULT);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(101)).is_err());
        assert_eq!(page_limit(Some(100)).unwrap(), 100);
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_and_tabs() {
        for bad in ["a\u{0}b", "a\u{7}b", "a\u{1b}[31m", "a\u{7f}", "a\u{85}b"] {
            assert!(message(bad).is_err(), "{bad:?}");
            assert!(task_description(bad).is_err(), "{bad:?}");
            assert!(room_description(bad).is_err(), "{bad:?}");
            assert!(board_name(bad).is_err(), "{bad:?}");
            assert!(display_name(Some(bad), "ada").is_err(), "{bad:?}");
        }
        assert_eq!(message("a\r\nb\tc").unwrap(), "a\nb\tc");
        assert_eq!(task_description("a\rb").unwrap(), "a\nb");
        assert!(password("pass\u{0}word").is_err());
        assert!(credentials("ada\u{0}", "whatever1").is_err());
        assert!(credentials("ada", "tab\tin password").is_ok());
    }

    #[test]
    fn passwords_have_a_minimum() {
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(password(&"p".repeat(PASSWORD_MAX + 1)).is_err());
    }

    #[test]
    fn display_name_defaults_to_username() {
        assert_eq!(display_name(None, "ada").unwrap(), "ada");
        assert_eq!(display_name(Some("  "), "ada").unwrap(), "ada");
        assert_eq!(display_name(Some(" Ada L "), "ada").unwrap(), "Ada L");
    }
}
