//! Small pieces shared by several screens.

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
    view! {
        <span class="avatar" class:avatar-sm=small title=name.clone() aria-hidden="true">
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

/// A message or comment text (`dir="auto"`, so right-to-left text reads
/// right). A long one is cut to about 15 lines behind "Show more".
#[component]
pub fn LongText(
    #[prop(into)] text: String,
    #[prop(optional)] mentions: Vec<User>,
    #[prop(default = None)] me: Option<i64>,
) -> impl IntoView {
    // Only long texts are measured; short ones can never overflow.
    let long = text.lines().count() > COLLAPSE_LINES || text.chars().count() > COLLAPSE_CHARS;
    let expanded = RwSignal::new(false);
    // Server-side (and until measured) a long text counts as overflowing.
    let overflows = RwSignal::new(long);
    let node = NodeRef::<leptos::html::P>::new();
    if long {
        Effect::new(move |_| {
            if let Some(el) = node.get() {
                request_animation_frame(move || {
                    overflows.set(el.scroll_height() > el.client_height() + 2);
                });
            }
        });
    }
    view! {
        <p class="msg-text" dir="auto" class:clamped=move || long && !expanded.get() node_ref=node>
            <RichText text=text mentions=mentions me=me />
        </p>
        <If when=move || long && (overflows.get() || expanded.get())>
            <button type="button" class="show-more" aria-expanded=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|e| *e = !*e)>
                {move || if expanded.get() { "Show less" } else { "Show more" }}
            </button>
        </If>
    }
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
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(86_400_000);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {:02} {year}",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day
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

/// The rows of a [`List`], one per item of `items`, keyed by `key` (an id).
/// A row is drawn once, when its key appears; its view gets the item as a
/// signal that follows every later state of the item with that key (found
/// in `items`), so a change of any field shows without redrawing the row.
pub fn rows_of<T, K, V>(
    items: Signal<Vec<T>>,
    key: fn(&T) -> K,
    view: impl Fn(Signal<T>) -> V + Clone + Send + Sync + 'static,
) -> Vec<Row>
where
    T: Clone + PartialEq + Send + Sync + 'static,
    K: PartialEq + ToString + Send + Sync + 'static,
    V: IntoView + 'static,
{
    items.with(|list| {
        list.iter()
            .map(|item| {
                let first = item.clone();
                let id = key(item);
                let row_key = id.to_string();
                let view = view.clone();
                Row {
                    key: row_key,
                    view: ViewFn::from(move || {
                        let first = first.clone();
                        let id = key(&first);
                        let current = Memo::new(move |last: Option<&T>| {
                            items
                                .with(|list| list.iter().find(|t| key(t) == id).cloned())
                                // Gone: the row is about to go too.
                                .or_else(|| last.cloned())
                                .unwrap_or_else(|| first.clone())
                        });
                        view(current.into()).into_any()
                    }),
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

/// Browser-only helpers; on the server they do nothing.
pub mod browser {
    /// Whether a click landed on the element that listens (a dialog's
    /// backdrop), not on something inside it.
    pub fn on_itself(ev: &leptos::ev::MouseEvent) -> bool {
        #[cfg(feature = "hydrate")]
        {
            match (ev.target(), ev.current_target()) {
                (Some(t), Some(c)) => {
                    wasm_bindgen::JsValue::from(t) == wasm_bindgen::JsValue::from(c)
                }
                _ => false,
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            false
        }
    }

    /// Asks the user to confirm a destructive action.
    pub fn confirm(message: &str) -> bool {
        #[cfg(feature = "hydrate")]
        {
            web_sys::window()
                .and_then(|w| w.confirm_with_message(message).ok())
                .unwrap_or(false)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = message;
            false
        }
    }

    /// Shows a desktop notification (when the user allowed them); a click
    /// brings the tab to the front on `link`.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn desktop_notification(title: &str, body: &str, link: &str) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;
            use web_sys::{Notification, NotificationOptions, NotificationPermission};
            if Notification::permission() != NotificationPermission::Granted {
                return;
            }
            let options = NotificationOptions::new();
            options.set_body(body);
            options.set_tag(link);
            if let Ok(n) = Notification::new_with_options(title, &options) {
                let link = link.to_string();
                let on_click = Closure::<dyn FnMut()>::new(move || {
                    if let Some(w) = web_sys::window() {
                        let _ = w.focus();
                        let _ = w.location().set_href(&link);
                    }
                });
                n.set_onclick(Some(on_click.as_ref().unchecked_ref()));
                on_click.forget();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (title, body, link);
    }

    /// Whether desktop notifications can still be offered: supported and not
    /// yet allowed or refused.
    pub fn desktop_notifications_askable() -> bool {
        #[cfg(feature = "hydrate")]
        {
            let supported = web_sys::window()
                .map(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
                .unwrap_or(false);
            supported
                && web_sys::Notification::permission() == web_sys::NotificationPermission::Default
        }
        #[cfg(not(feature = "hydrate"))]
        false
    }

    /// Asks the browser for permission to show desktop notifications; `done`
    /// runs once the user answered.
    pub fn ask_desktop_notifications(done: impl FnOnce() + 'static) {
        #[cfg(feature = "hydrate")]
        {
            if let Ok(promise) = web_sys::Notification::request_permission() {
                leptos::task::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                    done();
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = done;
    }

    /// Scrolls the element with this id into view and highlights it briefly.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn reveal(id: &str) -> bool {
        #[cfg(feature = "hydrate")]
        {
            let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
            else {
                return false;
            };
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            el.scroll_into_view_with_scroll_into_view_options(&options);
            let _ = el.class_list().add_1("highlight");
            true
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = id;
            false
        }
    }

    /// Reveals the element with this id (see [`reveal`]) as soon as it is
    /// rendered, trying for a few seconds; then runs `done`.
    pub fn reveal_when_ready(id: String, done: impl FnOnce() + 'static) {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            for _ in 0..30 {
                if reveal(&id) {
                    done();
                    return;
                }
                gloo_timers::future::TimeoutFuture::new(100).await;
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, done);
    }

    /// The value stored under `key` in this browser (localStorage).
    pub fn stored(key: &str) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            web_sys::window()?
                .local_storage()
                .ok()??
                .get_item(key)
                .ok()?
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = key;
            None
        }
    }

    /// Stores a value in this browser (an empty value removes the key).
    pub fn store(key: &str, value: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = if value.is_empty() {
                storage.remove_item(key)
            } else {
                storage.set_item(key, value)
            };
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, value);
    }

    /// Whether the tab is in the background (another tab, minimised).
    pub fn tab_hidden() -> bool {
        #[cfg(feature = "hydrate")]
        {
            web_sys::window()
                .and_then(|w| w.document())
                .map(|d| d.hidden())
                .unwrap_or(false)
        }
        #[cfg(not(feature = "hydrate"))]
        false
    }

    /// Whether the window is phone-sized (the layout's one breakpoint).
    pub fn is_narrow() -> bool {
        #[cfg(feature = "hydrate")]
        {
            web_sys::window()
                .and_then(|w| w.match_media("(max-width: 760px)").ok().flatten())
                .is_some_and(|m| m.matches())
        }
        #[cfg(not(feature = "hydrate"))]
        false
    }

    /// Keeps Tab and Shift+Tab inside `container` (a modal dialog): from the
    /// last focusable element Tab goes to the first, and back.
    pub fn keep_tab_inside(ev: &leptos::ev::KeyboardEvent, container: &leptos::web_sys::Element) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if ev.key() != "Tab" || ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
                return;
            }
            const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
                select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
            let Ok(list) = container.query_selector_all(FOCUSABLE) else {
                return;
            };
            let items: Vec<web_sys::HtmlElement> = (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                // Only what is shown (not in a hidden tab panel).
                .filter(|el| el.get_client_rects().length() > 0)
                .collect();
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                ev.prevent_default();
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let is = |el: &web_sys::HtmlElement| {
                active.as_ref().is_some_and(|a| {
                    wasm_bindgen::JsValue::from(a) == wasm_bindgen::JsValue::from(el)
                })
            };
            let inside = active
                .as_ref()
                .is_some_and(|a| container.contains(Some(a.unchecked_ref())));
            if ev.shift_key() && (is(first) || !inside) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && (is(last) || !inside) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, container);
    }

    /// Gives focus back, when the current reactive owner is cleaned up (a
    /// dialog closes), to the element that had it now: the same element if it
    /// is still on the page, else the element now carrying its id (a card
    /// re-rendered while its dialog was open).
    pub fn return_focus_on_cleanup() {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let opener = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            let Some(opener) = opener else { return };
            let id = opener.id();
            // The browser is one thread: the wrapper only satisfies `Send`.
            let opener = send_wrapper::SendWrapper::new(opener);
            leptos::prelude::on_cleanup(move || {
                let opener = opener.take();
                leptos::task::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(0).await;
                    let target = if opener.is_connected() {
                        Some(opener)
                    } else if !id.is_empty() {
                        web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id(&id))
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    } else {
                        None
                    };
                    if let Some(el) = target {
                        let _ = el.focus();
                    }
                });
            });
        }
    }

    /// The id of the first `items` element in view in a scroller, and how far
    /// below the scroller's top it is (px): what to keep in place while
    /// content is added above it.
    pub fn first_in_view(scroller: &leptos::web_sys::Element, items: &str) -> (String, f64) {
        #[cfg(feature = "hydrate")]
        {
            let top = scroller.get_bounding_client_rect().top();
            if let Ok(list) = scroller.query_selector_all(items) {
                for i in 0..list.length() {
                    let Some(el) = list
                        .item(i)
                        .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                    else {
                        continue;
                    };
                    let rect = el.get_bounding_client_rect();
                    if rect.bottom() > top && !el.id().is_empty() {
                        return (el.id(), rect.top() - top);
                    }
                }
            }
            (String::new(), 0.0)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (scroller, items);
            (String::new(), 0.0)
        }
    }

    /// Scrolls so that the element `id` is again `offset` px below the
    /// scroller's top (see [`first_in_view`]).
    pub fn keep_in_place(scroller: &leptos::web_sys::Element, id: &str, offset: f64) {
        #[cfg(feature = "hydrate")]
        {
            let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
            else {
                return;
            };
            let now =
                el.get_bounding_client_rect().top() - scroller.get_bounding_client_rect().top();
            let by = (now - offset).round() as i32;
            scroller.set_scroll_top(scroller.scroll_top() + by);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (scroller, id, offset);
    }

    /// Makes a `<details>` menu behave like a menu: a click outside it or Esc
    /// closes it (Esc puts focus back on its summary), and so does choosing
    /// an item (call [`close_menu`] from the item).
    pub fn dismissable_menu(details: leptos::prelude::NodeRef<leptos::html::Details>) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::prelude::*;
            use wasm_bindgen::JsCast;
            let inside =
                move |target: Option<web_sys::EventTarget>| match (details.get_untracked(), target)
                {
                    (Some(d), Some(t)) => t
                        .dyn_into::<web_sys::Node>()
                        .ok()
                        .is_some_and(|node| d.contains(Some(&node))),
                    _ => false,
                };
            let click = window_event_listener(leptos::ev::click, move |ev| {
                if let Some(d) = details.get_untracked() {
                    if d.open() && !inside(ev.target()) {
                        d.set_open(false);
                    }
                }
            });
            let key = window_event_listener(leptos::ev::keydown, move |ev| {
                let Some(d) = details.get_untracked() else {
                    return;
                };
                if ev.key() == "Escape" && d.open() && inside(ev.target()) {
                    ev.prevent_default();
                    ev.stop_propagation();
                    close_menu(&d);
                }
            });
            on_cleanup(move || {
                click.remove();
                key.remove();
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = details;
    }

    /// Closes a `<details>` menu and puts focus back on its summary.
    pub fn close_menu(details: &leptos::web_sys::HtmlDetailsElement) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            details.set_open(false);
            if let Some(summary) = details
                .query_selector("summary")
                .ok()
                .flatten()
                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = details;
    }

    /// Moves keyboard focus to the element with this id, once it is rendered.
    pub fn focus_soon(id: String) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(30).await;
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(&id))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = el.focus();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    }
}

#[cfg(test)]
mod tests {
    use super::utc_date;

    #[test]
    fn dates_read_like_the_browsers() {
        assert_eq!(utc_date(0), "Thu Jan 01 1970");
        assert_eq!(utc_date(1_795_670_671_308), "Thu Nov 26 2026");
        assert_eq!(utc_date(951_782_400_000), "Tue Feb 29 2000");
        assert_eq!(utc_date(-86_400_000), "Wed Dec 31 1969");
    }
}
