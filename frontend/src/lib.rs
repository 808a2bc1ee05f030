//! The browser entry point: hydrates the server-rendered page into the live app.

use std::panic::PanicHookInfo;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(on_panic));
    // In a split build each page's code is a WASM chunk of its own (the lazy
    // routes in app/src/ui/mod.rs): fetched first, then the page hydrates in
    // one go, so no effect runs before all of it has hydrated.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::ui::preload_page(&path).await;
        leptos::mount::hydrate_body(app::App);
        // Now what waited for the whole page may run (the live connection),
        // and browser tests may interact.
        app::ui::mark_page_hydrated();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

/// Spare bytes in the module's data segment, used by no code. wasm-split
/// lays the segment out again with each chunk's data together, and puts the
/// whole segment in the main module (every page's strings and tables with
/// it: +24 KB gzip) if that layout, with its alignment padding, comes out
/// even a few bytes longer than the input segment. Bytes no module needs are
/// left out of the new layout: room for that padding. (`#[used]` keeps them
/// through the linker; they are not zero, so they are data, not BSS.)
#[used]
static DATA_SLACK_FOR_WASM_SPLIT: [u8; 2048] = [0x5a; 2048];

/// What wasm-split's generated code panics with when a chunk does not load.
const CHUNK_NOT_LOADED: &str = "load callback should succeed";

/// Panics go to the console. One that says a page's code could not be fetched
/// (the network dropped, the server is away, or a new release replaced the
/// chunks this tab knows) reloads the page from the server, which serves the
/// current bundle — but only once the server answers: offline, a reload
/// would replace the app with the browser's "site can't be reached" page.
/// Until then a note says what is happening (what was typed and not sent
/// yet is kept in the browser, and goes out after the reload). At most one
/// reload in 10 s, so a chunk that never loads cannot loop.
fn on_panic(info: &PanicHookInfo) {
    console_error_panic_hook::hook(info);
    let payload = info.payload();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    if !message.is_some_and(|m| m.contains(CHUNK_NOT_LOADED)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    show_waiting_note(&window);
    reload_when_reachable(window);
}

/// Whether this tab reloaded for its code less than 10 s ago.
fn reloaded_lately(storage: Option<&web_sys::Storage>) -> bool {
    // (Whole milliseconds: float parsing would cost the bundle kilobytes.)
    let now = js_sys::Date::now() as u64;
    storage
        .and_then(|s| s.get_item(KEY_RELOADED).ok().flatten())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|at| now.saturating_sub(at) < 10_000)
}

/// A note over the page while the code it needs cannot be fetched. Plain
/// DOM: the app's own code is not to be relied on after this panic.
fn show_waiting_note(window: &web_sys::Window) {
    let Some(document) = window.document() else {
        return;
    };
    if document.get_element_by_id("code-wait").is_some() {
        return;
    }
    let (Some(body), Ok(note)) = (document.body(), document.create_element("div")) else {
        return;
    };
    note.set_id("code-wait");
    note.set_class_name("code-wait");
    let _ = note.set_attribute("role", "alert");
    note.set_text_content(Some(
        "Can't reach TaskFlow to load this part of the app. Waiting for the connection — \
         the page picks up by itself when it is back; nothing you typed is lost.",
    ));
    let _ = body.append_child(&note);
}

/// Asks the server every 2 s whether it answers; reloads once it does (and
/// the last reload for code is 10 s old).
fn reload_when_reachable(window: web_sys::Window) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let reload =
        Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |answer: wasm_bindgen::JsValue| {
            let ok = answer.dyn_into::<web_sys::Response>().is_ok_and(|r| r.ok());
            let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
            if !ok || reloaded_lately(storage.as_ref()) {
                return;
            }
            if let Some(s) = &storage {
                let _ = s.set_item(KEY_RELOADED, &(js_sys::Date::now() as u64).to_string());
            }
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        });
    let ignore = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
    let probe_window = window.clone();
    let probe = Closure::<dyn FnMut()>::new(move || {
        let _ = probe_window
            .fetch_with_str("/healthz")
            .then2(&reload, &ignore);
    });
    let callback: &js_sys::Function = probe.as_ref().unchecked_ref();
    let _ = callback.call0(&wasm_bindgen::JsValue::NULL);
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(callback, 2_000);
    // (They live as long as the page: it is reloaded, or stays waiting.)
    probe.forget();
}

const KEY_RELOADED: &str = "taskflow.reloaded-for-code";
