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
/// (the network dropped, or a new release replaced the chunks this tab knows)
/// reloads the page from the server, which serves the current bundle — at most
/// once in 10 s, so a chunk that never loads cannot loop.
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
    const KEY: &str = "taskflow.reloaded-for-code";
    let storage = window.session_storage().ok().flatten();
    // (Whole milliseconds: float parsing would cost the bundle kilobytes.)
    let now = js_sys::Date::now() as u64;
    let last = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|v| v.parse::<u64>().ok());
    if last.is_some_and(|at| now.saturating_sub(at) < 10_000) {
        return;
    }
    if let Some(s) = &storage {
        let _ = s.set_item(KEY, &now.to_string());
    }
    let _ = window.location().reload();
}
