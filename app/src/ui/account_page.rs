//! `/account`: one's own account — the name others see (with the avatar it
//! gives), and a new password (the current one required; every other
//! session of the account ends).

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{char_len, Avatar, CharCount};
use super::{use_auth, RequireUser};
use crate::api::auth::{change_password, update_profile};
use crate::validate::{DISPLAY_NAME_MAX, PASSWORD_MIN};

/// What a form's last answer said (kept above the forms: saving the name
/// reloads who is logged in, which draws the forms again).
type Note = RwSignal<Option<Result<String, String>>>;

#[component]
pub fn AccountPage() -> impl IntoView {
    let (profile_note, password_note): (Note, Note) = (RwSignal::new(None), RwSignal::new(None));
    view! {
        <Title text="Your account" />
        <RequireUser>
            <AccountForms profile_note password_note />
        </RequireUser>
    }
}

#[component]
fn AccountForms(profile_note: Note, password_note: Note) -> impl IntoView {
    let auth = use_auth();
    let me = move || auth.user.get().and_then(|u| u.ok()).flatten();
    let name = NodeRef::<leptos::html::Input>::new();
    let name_len = RwSignal::new(me().map(|u| char_len(&u.display_name)).unwrap_or(0));
    let preview = RwSignal::new(me().map(|u| u.display_name).unwrap_or_default());
    let save_name = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = name.get() else { return };
        let value = el.value();
        leptos::task::spawn_local(async move {
            match update_profile(value).await {
                Ok(user) => {
                    profile_note.set(Some(Ok(format!(
                        "Saved: others now see you as {}.",
                        user.display_name
                    ))));
                    auth.user.refetch();
                }
                Err(e) => profile_note.set(Some(Err(e.message()))),
            }
        });
    };
    let (current, new, again) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    let save_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(c), Some(n), Some(a)) = (current.get(), new.get(), again.get()) else {
            return;
        };
        if n.value() != a.value() {
            password_note.set(Some(Err("The two new passwords differ.".into())));
            return;
        }
        let (old, fresh) = (c.value(), n.value());
        leptos::task::spawn_local(async move {
            match change_password(old, fresh).await {
                Ok(()) => {
                    for el in [&c, &n, &a] {
                        el.set_value("");
                    }
                    password_note.set(Some(Ok(
                        "Password changed. You were logged out everywhere else.".into(),
                    )));
                }
                Err(e) => password_note.set(Some(Err(e.message()))),
            }
        });
    };
    let note = |n: Note| {
        move || {
            n.get().map(|r| match r {
                Ok(text) => view! { <p class="note-ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-error" role="alert">{text}</p> }.into_any(),
            })
        }
    };
    view! {
        <section class="page narrow account">
            <h1>"Your account"</h1>
            <p class="muted">{move || me().map(|u| format!("Your username is @{} — others @mention you with it.", u.username))}</p>
            <form class="stack card-form" on:submit=save_name aria-label="Your name">
                <h2 class="small-head">"Your name"</h2>
                <div class="inline-form">
                    {move || view! { <Avatar name=preview.get() /> }}
                    <label for="account-name" class="sr-only">"Display name"</label>
                    <input id="account-name" node_ref=name type="text" required autocomplete="name"
                        prop:value=move || me().map(|u| u.display_name).unwrap_or_default()
                        aria-describedby="account-name-count"
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            name_len.set(char_len(&v));
                            preview.set(v);
                        } />
                </div>
                <CharCount len=name_len.into() max=DISPLAY_NAME_MAX id="account-name" />
                {note(profile_note)}
                <button type="submit" class="btn btn-primary">"Save name"</button>
            </form>
            <form class="stack card-form" on:submit=save_password aria-label="Change password">
                <h2 class="small-head">"Password"</h2>
                <label for="account-current">"Current password"</label>
                <input id="account-current" node_ref=current type="password" required autocomplete="current-password" />
                <label for="account-new">"New password"</label>
                <input id="account-new" node_ref=new type="password" required minlength=PASSWORD_MIN
                    autocomplete="new-password" aria-describedby="account-new-help" />
                <small id="account-new-help" class="muted">{format!("At least {PASSWORD_MIN} characters. Changing it logs you out on your other devices.")}</small>
                <label for="account-again">"New password again"</label>
                <input id="account-again" node_ref=again type="password" required minlength=PASSWORD_MIN autocomplete="new-password" />
                {note(password_note)}
                <button type="submit" class="btn btn-primary">"Change password"</button>
            </form>
        </section>
    }
}
