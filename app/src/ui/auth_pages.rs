//! Log-in and sign-up pages. Plain forms: they work before the WASM loads.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{char_len, ActionError, CharCount, FormFields, PostForm};
use super::use_auth;
use crate::api::auth::{Login, Signup};
use crate::validate::{DISPLAY_NAME_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let pending = auth.login.pending();
    view! {
        <Title text="Log in" />
        <section class="page narrow auth-card">
            <h1>"Log in to TaskFlow"</h1>
            <PostForm url=Login::url() class="stack" label="Log in"
                submit=Callback::new(move |f: FormFields| {
                    auth.login.dispatch(Login { username: f.text("username"), password: f.text("password") });
                })>
                <label for="login-username">"Username"</label>
                <input id="login-username" name="username" type="text" autocomplete="username"
                    required autofocus autocapitalize="none" spellcheck="false" />
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password"
                    autocomplete="current-password" required />
                <ActionError value=auth.login.value() />
                <button type="submit" class="btn btn-primary" disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </PostForm>
            <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let pending = auth.signup.pending();
    let pattern = format!("[A-Za-z0-9_.\\-]{{{USERNAME_MIN},{USERNAME_MAX}}}");
    let (username_len, display_len) = (RwSignal::new(0), RwSignal::new(0));
    view! {
        <Title text="Sign up" />
        <section class="page narrow auth-card">
            <h1>"Create your account"</h1>
            <PostForm url=Signup::url() class="stack" label="Sign up"
                submit=Callback::new(move |f: FormFields| {
                    auth.signup.dispatch(Signup {
                        username: f.text("username"),
                        password: f.text("password"),
                        display_name: Some(f.text("display_name")),
                    });
                })>
                <label for="signup-username">"Username"</label>
                <input id="signup-username" name="username" type="text" autocomplete="username"
                    required autofocus autocapitalize="none" spellcheck="false"
                    minlength=USERNAME_MIN pattern=pattern
                    aria-describedby="signup-username-help signup-username-count"
                    on:input=move |ev| username_len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=username_len.into() max=USERNAME_MAX id="signup-username" />
                <small id="signup-username-help" class="muted">
                    {format!("{USERNAME_MIN}–{USERNAME_MAX} characters: letters, digits, '_', '.', '-'. Others @mention you with it.")}
                </small>
                <label for="signup-display">"Display name " <span class="muted">"(optional)"</span></label>
                <input id="signup-display" name="display_name" type="text" autocomplete="name"
                    aria-describedby="signup-display-count"
                    on:input=move |ev| display_len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=display_len.into() max=DISPLAY_NAME_MAX id="signup-display" />
                <label for="signup-password">"Password"</label>
                <input id="signup-password" name="password" type="password" autocomplete="new-password"
                    required minlength=PASSWORD_MIN aria-describedby="signup-password-help" />
                <small id="signup-password-help" class="muted">{format!("At least {PASSWORD_MIN} characters.")}</small>
                <ActionError value=auth.signup.value() />
                <button type="submit" class="btn btn-primary" disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create account" }}
                </button>
            </PostForm>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
