//! Turning message text into safe pieces for display: plain text, line
//! breaks, http(s) links and @mentions. Never HTML: the UI renders each piece
//! as a text node, an `<a>` whose text is the URL itself, or a mention chip.

use crate::mentions;
use crate::model::User;

/// One piece of a message, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link(String),
    LineBreak,
    /// An @mention of a user the server resolved: the text as written, and who.
    Mention {
        text: String,
        user: User,
    },
}

/// Like [`pieces`], with the @mentions of `mentioned` (the users the server
/// says the text mentions) as their own pieces. Other `@names` stay text.
pub fn pieces_with_mentions(text: &str, mentioned: &[User]) -> Vec<Piece> {
    if mentioned.is_empty() {
        return pieces(text);
    }
    let known: Vec<String> = mentioned.iter().map(|u| u.username.clone()).collect();
    let mut out = Vec::new();
    for piece in pieces(text) {
        let Piece::Text(t) = piece else {
            out.push(piece);
            continue;
        };
        let mut from = 0;
        for span in mentions::spans(&t) {
            let Some((name, len)) = mentions::resolve(&span, &known) else {
                continue;
            };
            let Some(user) = mentioned.iter().find(|u| u.username == name) else {
                continue;
            };
            let (start, end) = (span.range.start, span.range.start + len);
            if start > from {
                out.push(Piece::Text(t[from..start].to_string()));
            }
            out.push(Piece::Mention {
                text: t[start..end].to_string(),
                user: user.clone(),
            });
            from = end;
        }
        if from < t.len() {
            out.push(Piece::Text(t[from..].to_string()));
        }
    }
    out
}

/// Splits a message into text, links and line breaks.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(Piece::LineBreak);
        }
        let mut rest = line;
        while let Some(start) = find_url(rest) {
            let (before, from_url) = rest.split_at(start);
            let end = url_end(from_url);
            if !before.is_empty() {
                out.push(Piece::Text(before.to_string()));
            }
            out.push(Piece::Link(from_url[..end].to_string()));
            rest = &from_url[end..];
        }
        if !rest.is_empty() {
            out.push(Piece::Text(rest.to_string()));
        }
    }
    out
}

fn find_url(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("http").map(|p| p + from) {
        let tail = &lower[pos..];
        let boundary = pos == 0 || !s[..pos].ends_with(|c: char| c.is_alphanumeric());
        let scheme = if tail.starts_with("https://") {
            8
        } else if tail.starts_with("http://") {
            7
        } else {
            0
        };
        if boundary
            && scheme > 0
            && tail.len() > scheme
            && !tail[scheme..].starts_with(char::is_whitespace)
        {
            return Some(pos);
        }
        from = pos + 4;
    }
    None
}

/// Where a URL ends: at whitespace, minus trailing punctuation that usually
/// belongs to the sentence ("see https://x.org/a." → without the dot).
fn url_end(s: &str) -> usize {
    let mut end = s.find(char::is_whitespace).unwrap_or(s.len());
    while end > 0 {
        let last = s[..end].chars().last().unwrap_or(' ');
        let unbalanced_paren =
            last == ')' && s[..end].matches('(').count() < s[..end].matches(')').count();
        if matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '>' | ']'
        ) || unbalanced_paren
        {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::Piece::*;
    use super::*;

    #[test]
    fn text_links_and_breaks() {
        assert_eq!(
            pieces("see https://example.com/a?b=1.\nok"),
            vec![
                Text("see ".into()),
                Link("https://example.com/a?b=1".into()),
                Text(".".into()),
                LineBreak,
                Text("ok".into())
            ]
        );
        assert_eq!(
            pieces("(http://x.org/wiki/A_(b))"),
            vec![
                Text("(".into()),
                Link("http://x.org/wiki/A_(b)".into()),
                Text(")".into())
            ]
        );
        assert_eq!(
            pieces("<b>not html</b>"),
            vec![Text("<b>not html</b>".into())]
        );
        assert_eq!(
            pieces("javascript:alert(1) ftp://x"),
            vec![Text("javascript:alert(1) ftp://x".into())]
        );
        assert_eq!(pieces("xhttp://a.b"), vec![Text("xhttp://a.b".into())]);
        assert_eq!(
            pieces("http:// nothing"),
            vec![Text("http:// nothing".into())]
        );
        assert_eq!(
            pieces("a\n\nb"),
            vec![Text("a".into()), LineBreak, LineBreak, Text("b".into())]
        );
        assert_eq!(
            pieces("HTTPS://EXAMPLE.COM"),
            vec![Link("HTTPS://EXAMPLE.COM".into())]
        );
    }

    #[test]
    fn mentions_become_chips_only_when_resolved() {
        let bob = User {
            id: 2,
            username: "bob".into(),
            display_name: "Bob".into(),
        };
        assert_eq!(
            pieces_with_mentions(
                "hi @Bob. and @nobody, mail bob@x.org",
                std::slice::from_ref(&bob)
            ),
            vec![
                Text("hi ".into()),
                Mention {
                    text: "@Bob".into(),
                    user: bob.clone()
                },
                Text(". and @nobody, mail bob@x.org".into()),
            ]
        );
        assert_eq!(
            pieces_with_mentions("@bob\nhttps://x.org @bob", std::slice::from_ref(&bob)).len(),
            5,
            "mention, break, link, space, mention"
        );
        assert_eq!(pieces_with_mentions("@bob", &[]), vec![Text("@bob".into())]);
    }
}
