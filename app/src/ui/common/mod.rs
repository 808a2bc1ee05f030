//! Small pieces shared by several screens: components (avatars, rich
//! text, dialogs, keyed lists, forms), dates, and the browser's helpers.

pub mod browser;
pub mod when;

pub use when::{
    ago, due_date_text, due_fields, due_from_fields, due_label, now_and_offset, offset_at, Urgency,
};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::model::User;
use crate::richtext::{pieces_with_mentions, Piece};

/// A round badge with a person's initials.
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(optional)] small: bool) -> impl IntoView {
    let initials = crate::model::initials(&name);
    // One of eight colours per person (from the name: the same everywhere),
    // so two people with the same initials still look apart.
    let colour = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 8;
    view! {
        <span class=format!("avatar avatar-c{colour}") class:avatar-sm=small title=name.clone() aria-hidden="true">
            {initials}
        </span>
    }
}

/// Message or comment text: text nodes, line breaks, links and mention chips
/// (a mention of `me` stands out). Never HTML.
#[component]
pub fn RichText(
    #[prop(into)] text: String,
    #[prop(optional)] mentions: Vec<User>,
    /// The viewer, whose mentions stand out.
    #[prop(default = None)]
    me: Option<i64>,
) -> impl IntoView {
    pieces_with_mentions(&text, &mentions)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => t.into_any(),
            Piece::LineBreak => view! { <br /> }.into_any(),
            Piece::Link(url) => {
                let href = url.clone();
                view! { <a href=href target="_blank" rel="noopener noreferrer nofollow">{url}</a> }
                    .into_any()
            }
            Piece::Mention { text, user } => {
                let mine = Some(user.id) == me;
                let title = format!("{} (@{})", user.display_name, user.username);
                view! { <span class="mention" class:mention-me=mine title=title>{text}</span> }
                    .into_any()
            }
        })
        .collect_view()
}

/// Longer texts than this (lines, or characters) may be collapsed.
pub const COLLAPSE_LINES: usize = 15;
const COLLAPSE_CHARS: usize = 600;

/// What a `#123` task reference shows to this reader: the task's title,
/// its column and where it opens — or `None` when they cannot see it (it
/// stays `#123`). Provided by the board page, which knows its cards.
#[derive(Clone, Copy)]
pub struct TaskRefs(pub Callback<i64, Option<(String, String, String)>>);

/// A message or comment: the HTML the server rendered and sanitized (see
/// `services::markdown`), inserted as it is — with two touches for this
/// reader: a mention of `me` stands out, and a `#123` the reader may see
/// becomes a link with the task's title (live: it follows renames).
/// `dir="auto"`, so right-to-left text reads right. A long one (by its
/// source `text`) is cut to about 15 lines behind "Show more".
#[component]
pub fn LongText(
    #[prop(into)] html: String,
    /// The Markdown source: only measured, to know whether it may be long.
    #[prop(into)]
    text: String,
    #[prop(default = None)] me: Option<i64>,
) -> impl IntoView {
    // Only long texts are measured; short ones can never overflow.
    let long = text.lines().count() > COLLAPSE_LINES || text.chars().count() > COLLAPSE_CHARS;
    let expanded = RwSignal::new(false);
    // Server-side (and until measured) a long text counts as overflowing.
    let overflows = RwSignal::new(long);
    let node = NodeRef::<leptos::html::Div>::new();
    if long {
        Effect::new(move |_| {
            if let Some(el) = node.get() {
                request_animation_frame(move || {
                    overflows.set(el.scroll_height() > el.client_height() + 2);
                });
            }
        });
    }
    let refs = use_context::<TaskRefs>();
    // A text that was only HTML renders to nothing (raw HTML is dropped):
    // say so rather than show an empty line.
    let html = if html.trim().is_empty() && !text.trim().is_empty() {
        r#"<p class="muted"><em>(nothing to show: HTML in messages is not displayed)</em></p>"#
            .to_string()
    } else {
        html
    };
    let shown = move || for_reader(&html, me, refs);
    view! {
        <div class="msg-text" dir="auto" class:clamped=move || long && !expanded.get() node_ref=node
            inner_html=shown></div>
        <If when=move || long && (overflows.get() || expanded.get())>
            <button type="button" class="show-more" aria-expanded=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|e| *e = !*e)>
                {move || if expanded.get() { "Show less" } else { "Show more" }}
            </button>
        </If>
    }
}

/// The server's HTML as this reader sees it (see [`LongText`]). Only the
/// server's own tokens are touched, and what is put in is escaped.
pub(crate) fn for_reader(html: &str, me: Option<i64>, refs: Option<TaskRefs>) -> String {
    let mut out = match me {
        Some(me) => html.replace(
            &format!(r#"<span class="mention" data-user-id="{me}">"#),
            &format!(r#"<span class="mention mention-me" data-user-id="{me}">"#),
        ),
        None => html.to_string(),
    };
    let Some(TaskRefs(resolve)) = refs else {
        return out;
    };
    const OPEN: &str = r#"<span class="task-ref" data-task-id=""#;
    let mut from = 0;
    while let Some(at) = out[from..].find(OPEN).map(|i| i + from) {
        let id_start = at + OPEN.len();
        let Some(id_len) = out[id_start..].find('"') else {
            break;
        };
        let id: Option<i64> = out[id_start..id_start + id_len].parse().ok();
        let Some(end) = out[at..].find("</span>").map(|i| at + i + "</span>".len()) else {
            break;
        };
        match id.and_then(|id| resolve.run(id).map(|r| (id, r))) {
            Some((id, (title, column, href))) => {
                let chip = format!(
                    r##"<a class="task-ref" data-task-id="{id}" href="{}" title="{}">#{id} {}</a>"##,
                    escape_html(&href),
                    escape_html(&column),
                    escape_html(&title)
                );
                out.replace_range(at..end, &chip);
                from = at + chip.len();
            }
            None => from = end,
        }
    }
    out
}

/// Text made safe to put into HTML (element text or a quoted attribute).
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Hours and minutes of a timestamp, in the browser's time zone.
pub fn clock(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let minutes = ms.div_euclid(60_000);
        format!(
            "{:02}:{:02}",
            minutes.div_euclid(60).rem_euclid(24),
            minutes.rem_euclid(60)
        )
    }
}

/// The calendar day of a timestamp, for day separators and lists.
pub fn day(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        String::from(d.to_date_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        utc_date(ms)
    }
}

/// A timestamp's day in UTC, written like the browser's `toDateString()`
/// ("Thu Nov 26 2026"): what the server renders before the page is live.
#[cfg_attr(feature = "hydrate", allow(dead_code))]
pub fn utc_date(ms: i64) -> String {
    let d = when::Civil::of(ms);
    format!(
        "{} {} {:02} {}",
        d.weekday_name(),
        d.month_name(),
        d.day,
        d.year
    )
}

/// A modal dialog: a backdrop, focus moved inside and kept there (Tab and
/// Shift+Tab cycle within it), Esc or a backdrop click closes, and focus goes
/// back to what opened it.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    /// Id of the element to focus when it opens.
    #[prop(into)]
    focus: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let title_id = format!("{focus}-dialog-title");
    let labelled_by = title_id.clone();
    browser::return_focus_on_cleanup();
    browser::focus_soon(focus);
    let dialog = NodeRef::<leptos::html::Div>::new();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() {
            ev.prevent_default();
            on_close.run(());
        } else if let Some(el) = dialog.get_untracked() {
            browser::keep_tab_inside(&ev, &el);
        }
    };
    let on_backdrop = move |ev: leptos::ev::MouseEvent| {
        if browser::on_itself(&ev) {
            on_close.run(());
        }
    };
    // Esc also closes it when the focus fell out of it to the page's body (a
    // button in it that disabled itself or was drawn anew leaves it there).
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && !ev.default_prevented() && browser::focus_on_body(&ev) {
                ev.prevent_default();
                on_close.run(());
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <div class="overlay" on:click=on_backdrop on:keydown=on_keydown>
            <div class="dialog dialog-sm" role="dialog" aria-modal="true" aria-labelledby=labelled_by node_ref=dialog>
                <div class="dialog-body stack">
                    <div class="dialog-head">
                        <h2 id=title_id>{title}</h2>
                        <button type="button" class="btn btn-ghost btn-sm" aria-label="Close" on:click=move |_| on_close.run(())>"✕"</button>
                    </div>
                    {children()}
                </div>
            </div>
        </div>
    }
    .into_any()
}

/// A live character count for a text field with a limit: quiet until the
/// text nears the limit, then "57 / 60", and a plain message once it is over
/// (the field itself never cuts what was typed or pasted).
#[component]
pub fn CharCount(
    /// The field's current length in characters.
    len: Signal<usize>,
    max: usize,
    /// The field's id (the count describes it: `{id}-count`).
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let near = move || len.get() * 5 >= max * 4;
    let over = move || len.get() > max;
    view! {
        <span id=format!("{id}-count") class="char-count" class:over=over aria-live="polite">
            {move || {
                if over() {
                    format!("Too long: {} of at most {max} characters", len.get())
                } else if near() {
                    format!("{} / {max}", len.get())
                } else {
                    String::new()
                }
            }}
        </span>
    }
}

/// How many characters a field holds (what limits count, not bytes).
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// An error message for the user, announced by screen readers.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let login = matches!(error, AppError::Unauthenticated(_));
    view! {
        <div class="note note-error" role="alert">
            <p>{error.message().to_string()}</p>
            <If when=move || login>
                <p><A href="/login">"Log in"</A></p>
            </If>
        </div>
    }
}

/// A form that calls a server function. Before the page has hydrated (or
/// without script) it posts itself to the function's URL as plain form data;
/// once hydrated, `submit` reads its fields and dispatches the call (sent as
/// JSON, see [`crate::api::FormOrJson`]).
///
/// Leptos' `ActionForm` does the same, but decodes the fields with serde_qs
/// in the browser: a form decoder in the bundle for four forms.
#[component]
pub fn PostForm(
    /// The server function's URL (`Login::url()`).
    url: &'static str,
    /// Reads the fields and dispatches the action.
    submit: Callback<FormFields>,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] label: &'static str,
    children: Children,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(FormFields::of(&ev));
    };
    view! {
        <form action=url method="post" class=class aria-label=(!label.is_empty()).then_some(label)
            on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The fields of a submitted [`PostForm`].
pub struct FormFields {
    #[cfg(feature = "hydrate")]
    data: Option<web_sys::FormData>,
}

impl FormFields {
    fn of(ev: &leptos::ev::SubmitEvent) -> Self {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let form = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            Self {
                data: form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            Self {}
        }
    }

    /// A text field's value ("" when the form has none by that name).
    pub fn text(&self, name: &str) -> String {
        #[cfg(feature = "hydrate")]
        if let Some(data) = &self.data {
            return data.get(name).as_string().unwrap_or_default();
        }
        let _ = name;
        String::new()
    }
}

/// Shows `children` while `when` holds, else `fallback` (if any): Leptos'
/// `Show`, compiled once. `Show` is generic over its condition and its
/// children's view type, so each of the page's two dozen uses carried its own
/// copy of it (about 3 KB of browser bundle each); here the condition is a
/// `Signal<bool>` (a closure passed to `when` becomes one) and the children
/// are type-erased.
#[component]
pub fn If(
    #[prop(into)] when: Signal<bool>,
    children: ChildrenFn,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    let when = Memo::new(move |_| when.get());
    move || {
        if when.get() {
            children()
        } else {
            fallback.run()
        }
    }
}

/// Leptos' `Suspense` (generic over its children's view type), compiled
/// once for all the pages' loading boundaries: the children are
/// type-erased, as with [`If`].
#[component]
pub fn Loading(#[prop(optional, into)] fallback: ViewFn, children: ChildrenFn) -> impl IntoView {
    view! { <Suspense fallback=move || fallback.run()>{children()}</Suspense> }
}

/// One row of a [`List`]: its key (the id of what it shows: a row keeps its
/// DOM while its key stays in the list) and how to draw it.
#[derive(Clone)]
pub struct Row {
    key: String,
    view: ViewFn,
}

/// One item of a [`List`], as its row sees it: the item with its key, read
/// from the list each time (so every later state of it shows, whichever
/// field changed). Cheap to copy; no reactive node of its own (one per row
/// and item type cost the bundle kilobytes).
pub struct Item<T: Send + Sync + 'static> {
    items: Signal<Vec<T>>,
    key: fn(&T) -> i64,
    id: i64,
}

impl<T: Send + Sync + 'static> Clone for Item<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Item<T> {}

impl<T: Clone + Send + Sync + 'static> Item<T> {
    /// Reads the item (tracked); the default once it has left the list
    /// (its row is about to go too).
    pub fn with<R: Default>(self, read: impl FnOnce(&T) -> R) -> R {
        let (key, id) = (self.key, self.id);
        self.items
            .with(|list| list.iter().find(|t| key(t) == id).map(read))
            .unwrap_or_default()
    }

    /// Reads the item without tracking it.
    pub fn with_untracked<R: Default>(self, read: impl FnOnce(&T) -> R) -> R {
        let (key, id) = (self.key, self.id);
        self.items
            .with_untracked(|list| list.iter().find(|t| key(t) == id).map(read))
            .unwrap_or_default()
    }

    /// The item now (tracked), if it is still in the list.
    pub fn get(self) -> Option<T> {
        self.with(|t| Some(t.clone()))
    }
}

/// The rows of a [`List`], one per item of `items`, keyed by `key` (an id).
/// A row is drawn once, when its key appears; its view gets the item as an
/// [`Item`], which follows every later state of the item with that key.
///
/// Make `items` once, outside the list's closure (`let items: Signal<_> =
/// memo.into();`): a signal made inside it belongs to the list's effect and
/// is disposed when the list is computed again, while the rows drawn before
/// still read it ("Tried to access a reactive value that has already been
/// disposed").
pub fn rows_of<T, V>(
    items: Signal<Vec<T>>,
    key: fn(&T) -> i64,
    view: impl Fn(Item<T>) -> V + Clone + Send + Sync + 'static,
) -> Vec<Row>
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    items.with(|list| {
        list.iter()
            .map(|item| {
                let id = key(item);
                let view = view.clone();
                Row {
                    key: id.to_string(),
                    view: ViewFn::from(move || view(Item { items, key, id }).into_any()),
                }
            })
            .collect()
    })
}

/// A keyed list: Leptos' `For`, compiled once. `For` is generic over the
/// item, key and view types, and each of the pages' lists carried its own
/// copy of the keyed diff (about 9 KB of browser bundle each); here the
/// items come as [`rows_of`], keyed by their ids.
#[component]
pub fn List(#[prop(into)] rows: Signal<Vec<Row>>) -> impl IntoView {
    view! {
        <For each=move || rows.get() key=|row| row.key.clone() let:row>
            {row.view.run()}
        </For>
    }
}

/// Shows the error of the last action, if any.
#[component]
pub fn ActionError<T, V>(value: V) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(e)) => {
            Some(view! { <p class="field-error" role="alert">{e.message().to_string()}</p> })
        }
        _ => None,
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="page narrow">
            <h1>"Not found"</h1>
            <p>"There is nothing here, or you do not have access to it."</p>
            <p><A href="/boards">"Back to your boards"</A></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{for_reader, utc_date, TaskRefs};
    use leptos::prelude::*;

    #[test]
    fn the_readers_touches_to_the_servers_html() {
        let html = r#"<p>hi <span class="mention" data-user-id="7">@ann</span> <span class="mention" data-user-id="8">@bo</span>, see <span class="task-ref" data-task-id="12">#12</span> and <span class="task-ref" data-task-id="99">#99</span></p>"#;
        // No board around: only my mention stands out.
        let plain = for_reader(html, Some(7), None);
        assert!(plain.contains(r#"<span class="mention mention-me" data-user-id="7">@ann</span>"#));
        assert!(plain.contains(r#"<span class="mention" data-user-id="8">@bo</span>"#));
        assert!(plain.contains(r#"<span class="task-ref" data-task-id="12">#12</span>"#));
        // On a board: a card I may see becomes a link with its (escaped)
        // title; one I may not see stays "#99".
        let owner = Owner::new();
        owner.set();
        let refs = TaskRefs(Callback::new(|id: i64| {
            (id == 12).then(|| {
                (
                    "Fix <b>&</b> ship".to_string(),
                    "Doing".to_string(),
                    "/boards/3/tasks/12".to_string(),
                )
            })
        }));
        let shown = for_reader(html, None, Some(refs));
        assert!(
            shown.contains(r#"<a class="task-ref" data-task-id="12" href="/boards/3/tasks/12" title="Doing">#12 Fix &lt;b&gt;&amp;&lt;/b&gt; ship</a>"#),
            "{shown}"
        );
        assert!(
            shown.contains(r#"<span class="task-ref" data-task-id="99">#99</span>"#),
            "{shown}"
        );
        assert!(!shown.contains("mention-me"));
    }

    #[test]
    fn dates_read_like_the_browsers() {
        assert_eq!(utc_date(0), "Thu Jan 01 1970");
        assert_eq!(utc_date(1_795_670_671_308), "Thu Nov 26 2026");
        assert_eq!(utc_date(951_782_400_000), "Tue Feb 29 2000");
        assert_eq!(utc_date(-86_400_000), "Wed Dec 31 1969");
    }
}
