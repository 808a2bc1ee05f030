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

/// A modal dialog: a backdrop, focus moved inside, Esc or a backdrop click closes.
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
    browser::focus_soon(focus);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() {
            ev.prevent_default();
            on_close.run(());
        }
    };
    let on_backdrop = move |ev: leptos::ev::MouseEvent| {
        if browser::on_itself(&ev) {
            on_close.run(());
        }
    };
    view! {
        <div class="overlay" on:click=on_backdrop on:keydown=on_keydown>
            <div class="dialog dialog-sm" role="dialog" aria-modal="true" aria-labelledby=labelled_by>
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

/// An error message for the user, announced by screen readers.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let login = matches!(error, AppError::Unauthenticated(_));
    view! {
        <div class="note note-error" role="alert">
            <p>{error.message().to_string()}</p>
            <Show when=move || login>
                <p><A href="/login">"Log in"</A></p>
            </Show>
        </div>
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
