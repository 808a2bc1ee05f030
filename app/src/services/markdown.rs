//! Markdown to safe HTML, once, on the server, when a message or comment is
//! written (and again when it is edited). The browser only inserts the HTML
//! stored here: the Markdown and sanitizer crates never reach the WASM.
//!
//! Two steps, each by a well-kept crate:
//! 1. comrak parses CommonMark (+ GFM strikethrough, task lists, bare
//!    autolinks; tables only in comments and descriptions). Before rendering,
//!    the tree is changed: raw HTML is dropped (not shown as text), images
//!    become plain links (no picture is fetched from another site), and
//!    @mentions and `#123` task references become structured tokens.
//! 2. ammonia cleans the result against an allow-list of exactly the tags
//!    and attributes step 1 produces; links keep only http(s) and mailto.
//!    Even a bug in step 1 cannot let script through.
//!
//! Tokens: `<span class="mention" data-user-id="7">@ann</span>` for a
//! resolved mention and `<span class="task-ref" data-task-id="123">#123</span>`
//! for a task reference, which each reader's browser turns into a chip with
//! the task's title and column *if they may see it* — no title is ever baked
//! into stored HTML.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use comrak::nodes::{AstNode, NodeValue};
use comrak::{format_html, parse_document, Arena, Options};

use crate::mentions;
use crate::model::User;

/// Where the text is shown: a chat line, or a longer document (a task
/// comment or description) where tables make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Chat,
    Document,
}

/// The sanitized HTML of `text`, with the @mentions of `mentioned` (the
/// users the server resolved for it) as mention tokens.
pub fn render(text: &str, flavor: Flavor, mentioned: &[User]) -> String {
    let options = options(flavor);
    let arena = Arena::new();
    let root = parse_document(&arena, text, &options);
    rewrite(&arena, root, mentioned);
    let mut html = String::new();
    if format_html(root, &options, &mut html).is_err() {
        return String::new();
    }
    // (No trailing line break: the text of the element it goes into ends
    // where the message does.)
    let clean = SANITIZER.clean(&html).to_string().trim_end().to_string();
    // A text that was only raw HTML leaves empty elements (`<p></p>`):
    // nothing, so that readers are told instead of shown a blank line.
    if shows_something(&clean) {
        clean
    } else {
        String::new()
    }
}

/// Whether HTML has any text, a rule or a checkbox to show.
fn shows_something(html: &str) -> bool {
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => return true,
            _ => {}
        }
    }
    html.contains("<hr") || html.contains("<input")
}

/// A task description's HTML (a document: tables allowed; descriptions
/// mention nobody). Empty for an empty description.
pub fn render_description(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    render(text, Flavor::Document, &[])
}

fn options(flavor: Flavor) -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.extension.table = flavor == Flavor::Document;
    // Enter is a line break, as in every chat and comment box.
    options.render.hardbreaks = true;
    // Raw HTML never reaches the output: its nodes are removed from the tree
    // (below), and what is left is rendered with comrak's own escaping. The
    // only verbatim output is the tokens made here (NodeValue::Raw).
    options.render.r#unsafe = false;
    options
}

/// Changes the parsed tree before it is rendered (see the module's doc).
fn rewrite<'a>(arena: &'a Arena<'a>, root: &'a AstNode<'a>, mentioned: &[User]) {
    let known: Vec<String> = mentioned.iter().map(|u| u.username.clone()).collect();
    let nodes: Vec<&'a AstNode<'a>> = root.descendants().collect();
    for node in nodes {
        let value = node.data().value.clone();
        match value {
            NodeValue::HtmlInline(_) | NodeValue::HtmlBlock(_) => node.detach(),
            NodeValue::Image(link) => node.data_mut().value = NodeValue::Link(link),
            NodeValue::Text(text) if !inside_link(node) => {
                let pieces = tokens(&text, mentioned, &known);
                if pieces.iter().all(|p| matches!(p, Token::Text(_))) {
                    continue;
                }
                for piece in pieces {
                    let value = match piece {
                        Token::Text(t) => NodeValue::Text(t.into()),
                        Token::Html(h) => NodeValue::Raw(h),
                    };
                    node.insert_before(arena.alloc(value.into()));
                }
                node.detach();
            }
            _ => {}
        }
    }
}

/// Whether a text node is part of a link's text (no token inside a link).
fn inside_link<'a>(node: &'a AstNode<'a>) -> bool {
    node.ancestors()
        .any(|a| matches!(a.data().value, NodeValue::Link(_) | NodeValue::Image(_)))
}

/// A piece of a text node: text as it is, or a token's HTML.
enum Token {
    Text(String),
    Html(String),
}

/// Splits text into plain text, mention tokens and task-reference tokens.
fn tokens(text: &str, mentioned: &[User], known: &[String]) -> Vec<Token> {
    // Where each token goes: (start, end, html), in order, not overlapping.
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    for span in mentions::spans(text) {
        let Some((name, len)) = mentions::resolve(&span, known) else {
            continue;
        };
        let Some(user) = mentioned.iter().find(|u| u.username == name) else {
            continue;
        };
        let (start, end) = (span.range.start, span.range.start + len);
        found.push((
            start,
            end,
            format!(
                r#"<span class="mention" data-user-id="{}">{}</span>"#,
                user.id,
                escape(&text[start..end])
            ),
        ));
    }
    for (start, end, id) in task_refs(text) {
        if found.iter().any(|(s, e, _)| start < *e && *s < end) {
            continue;
        }
        found.push((
            start,
            end,
            format!(r#"<span class="task-ref" data-task-id="{id}">#{id}</span>"#),
        ));
    }
    found.sort_by_key(|(start, _, _)| *start);
    let mut out = Vec::new();
    let mut from = 0;
    for (start, end, html) in found {
        if start > from {
            out.push(Token::Text(text[from..start].to_string()));
        }
        out.push(Token::Html(html));
        from = end;
    }
    if from < text.len() {
        out.push(Token::Text(text[from..].to_string()));
    }
    out
}

/// `#123` task references: a `#` at the start or after a character that is
/// not a letter, digit, `&` or `#`, then 1 to 15 digits, then no letter or
/// digit. (byte start, byte end, the number)
pub fn task_refs(text: &str) -> Vec<(usize, usize, i64)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let boundary =
            prev.is_none_or(|p| !(p.is_alphanumeric() || p == '&' || p == '#' || p == '_'));
        prev = Some(c);
        if c != '#' || !boundary {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 15 {
            continue;
        }
        let end = i + 1 + digits;
        if text[end..]
            .chars()
            .next()
            .is_some_and(|n| n.is_alphanumeric() || n == '_')
        {
            continue;
        }
        if let Ok(id) = text[i + 1..end].parse::<i64>() {
            if id > 0 {
                out.push((i, end, id));
            }
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The allow-list: exactly what the rendering above produces.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "input",
        "span",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    ]
    .into_iter()
    .collect();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", ["href"].into_iter().collect());
    attributes.insert(
        "input",
        ["type", "checked", "disabled"].into_iter().collect(),
    );
    attributes.insert(
        "span",
        ["data-user-id", "data-task-id"].into_iter().collect(),
    );
    attributes.insert("ol", ["start"].into_iter().collect());
    attributes.insert("th", ["align"].into_iter().collect());
    attributes.insert("td", ["align"].into_iter().collect());
    let mut values: HashMap<&str, HashMap<&str, HashSet<&str>>> = HashMap::new();
    values.insert(
        "input",
        [("type", ["checkbox"].into_iter().collect())]
            .into_iter()
            .collect(),
    );
    let mut classes: HashMap<&str, HashSet<&str>> = HashMap::new();
    classes.insert("span", ["mention", "task-ref"].into_iter().collect());
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .tag_attribute_values(values)
        .allowed_classes(classes)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str) -> User {
        User {
            id,
            username: name.into(),
            display_name: name.into(),
        }
    }

    fn chat(text: &str) -> String {
        render(text, Flavor::Chat, &[])
    }

    #[test]
    fn only_raw_html_renders_to_nothing() {
        let r = |t: &str| render(t, Flavor::Chat, &[]);
        assert_eq!(r(r#"<svg onload="x()"><circle r=1 /></svg>"#), "");
        assert_eq!(r("> > <img src=y onerror=z()>"), "");
        assert_eq!(r("<b></b> <i></i>"), "");
        // Anything visible stays.
        assert_eq!(r("---"), "<hr>");
        assert_eq!(
            r("- [ ]"),
            r#"<ul>
<li><input type="checkbox" disabled=""> </li>
</ul>"#
        );
        assert_eq!(r("<b>hi</b>"), "<p>hi</p>");
    }

    #[test]
    fn the_common_markdown_renders() {
        assert_eq!(
            chat("*a* **b** ~~c~~ `d`"),
            "<p><em>a</em> <strong>b</strong> <del>c</del> <code>d</code></p>"
        );
        let code = chat("```rust\nfn main() { if a < b {} }\n```");
        assert!(
            code.contains("<pre><code>fn main() { if a &lt; b {} }\n</code></pre>"),
            "{code}"
        );
        assert!(chat("> quoted").contains("<blockquote>"));
        let list = chat("- one\n- [x] done\n- [ ] open");
        assert!(
            list.contains("<ul>")
                && list.contains(r#"<input type="checkbox" checked="" disabled="">"#),
            "{list}"
        );
        assert!(chat("1. a\n2. b").contains("<ol>"));
        assert!(chat("line one\nline two").contains("line one<br>"));
    }

    #[test]
    fn links_are_http_or_mailto_and_open_safely() {
        let bare = chat("see https://example.org/a?b=1 now");
        assert!(
            bare.contains(r#"<a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">"#),
            "{bare}"
        );
        assert!(chat("[mail](mailto:a@b.org)").contains(r#"href="mailto:a@b.org""#));
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/relative/path)",
            "[x](java&#x09;script:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
        ] {
            let html = chat(bad);
            assert!(!html.contains("href"), "{bad} gave {html}");
        }
    }

    #[test]
    fn tables_only_in_documents() {
        let md = "| a | b |\n|---|:-:|\n| 1 | 2 |";
        assert!(render(md, Flavor::Document, &[]).contains("<table>"));
        assert!(!chat(md).contains("<table>"));
    }

    #[test]
    fn raw_html_is_dropped_not_shown() {
        assert_eq!(chat("a <b>bold</b> c"), "<p>a bold c</p>");
        assert_eq!(chat("<div onclick=\"x()\">\nblock\n</div>"), "");
        assert_eq!(chat("x <script>alert(1)</script> y"), "<p>x alert(1) y</p>");
    }

    /// The XSS corpus: every one renders inert (no script-bearing tag, no
    /// event handler, no dangerous URL).
    #[test]
    fn the_xss_corpus_is_inert() {
        let corpus = [
            "<img src=x onerror=alert(1)>",
            "![x](https://evil.example/pixel.png)",
            "![x](javascript:alert(1))",
            "<svg onload=alert(1)><circle/></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "[click](javascript&#58;alert(1))",
            "[click](&#106;avascript:alert(1))",
            "[click](\u{200b}javascript:alert(1))",
            "<<script>script>alert(1)<</script>/script>",
            "> > > <img src=x onerror=alert(1)>",
            "`<img src=x onerror=alert(1)>`",
            "```\n<script>alert(1)</script>\n```",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "[a](https://x.org \"title\" onmouseover=alert(1))",
            "<a href=\"https://ok.org\" onclick=\"alert(1)\">x</a>",
            "<style>body{display:none}</style>",
            "<form action=\"https://evil\"><input type=submit></form>",
            "- [x] <input type=\"text\" onfocus=alert(1) autofocus>",
            "@<img src=x onerror=alert(1)>",
            "#1<img src=x onerror=alert(1)>",
            "\u{202e}gnp.exe [x](https://\u{202e}evil.org)",
        ];
        for text in corpus {
            for flavor in [Flavor::Chat, Flavor::Document] {
                let html = render(text, flavor, &[user(1, "ann")]);
                for (name, attributes) in tags(&html) {
                    assert!(
                        !["script", "img", "svg", "iframe", "math", "style", "form", "object"]
                            .contains(&name.as_str()),
                        "{text:?} rendered {html:?}"
                    );
                    for (attribute, value) in attributes {
                        let value = value.to_lowercase();
                        assert!(
                            !attribute.starts_with("on")
                                && attribute != "src"
                                && attribute != "style"
                                && !value.contains("javascript:")
                                && !value.starts_with("data:")
                                && (name != "input" || attribute != "type" || value == "checkbox"),
                            "{text:?} rendered {html:?}"
                        );
                    }
                }
            }
        }
    }

    /// The tags of some HTML as a browser would read them: (name,
    /// [(attribute, value)]), lowercased names. Text never counts as a tag.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let end = after.find('>').unwrap_or(after.len());
            let inside = after[..end].trim_end_matches('/');
            rest = &after[end.min(after.len())..];
            if inside.starts_with('/') {
                continue;
            }
            let mut parts = inside.splitn(2, char::is_whitespace);
            let name = parts.next().unwrap_or_default().to_lowercase();
            let mut attributes = Vec::new();
            let mut attrs = parts.next().unwrap_or_default().trim();
            while !attrs.is_empty() {
                let name_end = attrs
                    .find(|c: char| c == '=' || c.is_whitespace())
                    .unwrap_or(attrs.len());
                let attribute = attrs[..name_end].to_lowercase();
                attrs = attrs[name_end..].trim_start();
                let mut value = String::new();
                if let Some(v) = attrs.strip_prefix('=') {
                    let v = v.trim_start();
                    let (val, left) = match v.chars().next() {
                        Some(q @ ('"' | '\'')) => {
                            let close = v[1..].find(q).map_or(v.len(), |i| i + 1);
                            (&v[1..close], v.get(close + 1..).unwrap_or(""))
                        }
                        _ => {
                            let close = v.find(char::is_whitespace).unwrap_or(v.len());
                            (&v[..close], &v[close..])
                        }
                    };
                    value = val.replace("&amp;", "&");
                    attrs = left.trim_start();
                }
                attributes.push((attribute, value));
            }
            out.push((name, attributes));
        }
        out
    }

    #[test]
    fn the_tag_reader_sees_attributes() {
        let t =
            tags(r#"<p>a &lt;img onerror=x&gt;</p><a href="javascript:x" onclick='y'>z</a><br>"#);
        assert_eq!(t.len(), 3, "{t:?}");
        assert_eq!(t[1].0, "a");
        assert_eq!(
            t[1].1,
            vec![
                ("href".into(), "javascript:x".into()),
                ("onclick".into(), "y".into())
            ]
        );
    }

    #[test]
    fn mentions_and_task_references_are_tokens() {
        let html = render(
            "hi @ann and @nobody, see #12 (#x, a#3, &#4)",
            Flavor::Chat,
            &[user(7, "ann")],
        );
        assert!(
            html.contains(r#"<span class="mention" data-user-id="7">@ann</span>"#),
            "{html}"
        );
        assert!(html.contains("@nobody"));
        assert!(
            html.contains(r#"<span class="task-ref" data-task-id="12">#12</span>"#),
            "{html}"
        );
        assert_eq!(html.matches("task-ref").count(), 1, "{html}");
        // Never inside code or a link.
        let code = render(
            "`@ann #12` [#12 @ann](https://x.org)",
            Flavor::Chat,
            &[user(7, "ann")],
        );
        assert!(!code.contains("class="), "{code}");
        // A forged token is stripped of what makes it one.
        let forged = chat(r#"<span class="mention" data-user-id="1">@root</span>"#);
        assert!(!forged.contains("span"), "{forged}");
    }

    #[test]
    fn task_reference_boundaries() {
        assert_eq!(
            task_refs("#1 #22,(#3) x#4 #5a ##6 #0"),
            vec![(0, 2, 1), (3, 6, 22), (8, 10, 3)]
        );
    }
}
