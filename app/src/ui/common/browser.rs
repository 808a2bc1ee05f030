//! Browser-only helpers; on the server they do nothing.

/// Whether a click landed on the element that listens (a dialog's
/// backdrop), not on something inside it.
pub fn on_itself(ev: &leptos::ev::MouseEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        match (ev.target(), ev.current_target()) {
            (Some(t), Some(c)) => wasm_bindgen::JsValue::from(t) == wasm_bindgen::JsValue::from(c),
            _ => false,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Puts `text` on the clipboard (where the browser allows it; the caller
/// also shows the text, selectable, for when it does not).
pub fn copy_text(text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
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
        supported && web_sys::Notification::permission() == web_sys::NotificationPermission::Default
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
    matches_media("(max-width: 760px)")
}

/// Whether the window is narrower than a laptop's (below 1100 px): the
/// board's side pane then starts closed.
pub fn is_laptop_or_narrower() -> bool {
    matches_media("(max-width: 1099px)")
}

fn matches_media(query: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.match_media(query).ok().flatten())
            .is_some_and(|m| m.matches())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = query;
        false
    }
}

/// Which child of a horizontal scroller starts nearest to where it is
/// scrolled (the one a snapping scroller shows).
pub fn snapped_child(scroller: &leptos::web_sys::HtmlElement) -> usize {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let left = scroller.scroll_left();
        let base = scroller.offset_left();
        let children = scroller.children();
        let mut best = (0usize, i32::MAX);
        for i in 0..children.length() {
            let Some(child) = children
                .item(i)
                .and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                continue;
            };
            let distance = (child.offset_left() - base - left).abs();
            if distance < best.1 {
                best = (i as usize, distance);
            }
        }
        best.0
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = scroller;
        0
    }
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
            active
                .as_ref()
                .is_some_and(|a| wasm_bindgen::JsValue::from(a) == wasm_bindgen::JsValue::from(el))
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
        let now = el.get_bounding_client_rect().top() - scroller.get_bounding_client_rect().top();
        let by = (now - offset).round() as i32;
        scroller.set_scroll_top(scroller.scroll_top() + by);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (scroller, id, offset);
}

/// Whether focus leaving an element (its `focusout`) goes to something
/// inside it (then nothing "left").
pub fn focus_stays_within(ev: &leptos::ev::FocusEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let (Some(current), Some(next)) = (ev.current_target(), ev.related_target()) else {
            return false;
        };
        match (
            current.dyn_into::<leptos::web_sys::Node>(),
            next.dyn_into::<leptos::web_sys::Node>(),
        ) {
            (Ok(current), Ok(next)) => current.contains(Some(&next)),
            _ => false,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Whether a key went to the page's body: the focus is nowhere, as when the
/// button that had it disabled itself or was drawn anew.
#[cfg(feature = "hydrate")]
pub fn focus_on_body(ev: &leptos::web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        .is_some_and(|el| el.tag_name() == "BODY")
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
            move |target: Option<web_sys::EventTarget>| match (details.get_untracked(), target) {
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
            // Focus inside the menu, or nowhere (a button in it that just
            // disabled itself, like "Mark all read", leaves it on the body).
            if ev.key() == "Escape" && d.open() && (inside(ev.target()) || focus_on_body(&ev)) {
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

/// Calls `changed` whenever the element's box changes size (also from
/// nothing to something: it was hidden, and is shown), while it is mounted.
pub fn on_resize(
    element: leptos::prelude::NodeRef<leptos::html::Div>,
    changed: impl Fn() + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let callback = Closure::<dyn Fn()>::new(changed);
        let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        let observer = send_wrapper::SendWrapper::new(observer);
        let callback = send_wrapper::SendWrapper::new(callback);
        Effect::new({
            let observer = observer.clone();
            move |_| {
                if let Some(el) = element.get() {
                    observer.observe(&el);
                }
            }
        });
        on_cleanup(move || {
            observer.disconnect();
            drop(callback);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (element, changed);
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

/// Whether the keyboard focus is in a place that takes typing (a field, a
/// select, an editable element): single-key shortcuts leave it alone.
#[cfg(feature = "hydrate")]
pub fn typing_in_field() -> bool {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
    else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || el
            .get_attribute("contenteditable")
            .is_some_and(|v| v != "false")
}

/// Whether a click landed on a link (or inside one): text that edits on a
/// click lets its links work.
pub fn inside_link(ev: &leptos::ev::MouseEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            .and_then(|el| el.closest("a").ok().flatten())
            .is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}
