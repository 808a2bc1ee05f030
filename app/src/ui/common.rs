//! Small pieces shared by several screens.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;

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
