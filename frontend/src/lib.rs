//! The browser entry point: hydrates the server-rendered page into the live app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronously: in a split build each page's code is a WASM chunk of its
    // own (the lazy routes in app/src/ui/mod.rs), fetched before that part of
    // the page hydrates.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Now what waited for the whole page may run (the live connection),
        // and browser tests may interact.
        app::ui::mark_page_hydrated();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
