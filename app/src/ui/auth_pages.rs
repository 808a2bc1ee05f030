//! Log-in, sign-up and invite-link pages. Plain forms: they work before the
//! WASM loads.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{char_len, ActionError, CharCount, FormFields, Loading, PostForm};
use super::{json, use_auth};
use crate::api::auth::{signup_open, Login, Signup};
use crate::api::invites::{invite_preview, AcceptInvite};
use crate::error::AppError;
use crate::validate::{DISPLAY_NAME_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN};

/// The invite link's token a form carries (empty: none).
fn invite_of(f: &FormFields) -> Option<String> {
    Some(f.text("invite")).filter(|t| !t.is_empty())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    // With sign-up off the page does not offer it: only an invite link.
    let open = json::resource(|| (), |_| signup_open());
    view! {
        <Title text="Log in" />
        <section class="page narrow auth-card">
            <h1>"Log in to TaskFlow"</h1>
            <LoginForm invite=String::new() />
            <Loading fallback=|| ()>
                {move || Suspend::new(async move {
                    if open.await.unwrap_or(false) {
                        view! { <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p> }.into_any()
                    } else {
                        view! { <p class="muted">"New here? Ask a board owner for an invite link."</p> }.into_any()
                    }
                })}
            </Loading>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let open = json::resource(|| (), |_| signup_open());
    view! {
        <Title text="Sign up" />
        <section class="page narrow auth-card">
            <h1>"Create your account"</h1>
            <Loading fallback=|| ()>
                {move || Suspend::new(async move {
                    if open.await.unwrap_or(false) {
                        view! { <SignupForm invite=String::new() /> }.into_any()
                    } else {
                        view! {
                            <p role="status">"Sign-up is by invitation on this server. Ask a board owner for an invite link: opening it lets you create your account."</p>
                        }.into_any()
                    }
                })}
            </Loading>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

/// `/invite/{token}`: whose board it is, and the way in — join at once
/// when logged in, else log in or create an account (which works through
/// a valid link even when open sign-up is off), landing on the board.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = json::resource(token, invite_preview);
    let auth = use_auth();
    let accept = ServerAction::<AcceptInvite>::new();
    view! {
        <Title text="Invitation" />
        <section class="page narrow auth-card">
            <Loading fallback=|| view! { <p class="muted">"Opening the invitation…"</p> }>
                {move || Suspend::new(async move {
                    let preview = match preview.await {
                        Ok(p) => p,
                        Err(e) => return view! {
                            <h1>"This invite link doesn't work"</h1>
                            <p class="field-error" role="alert">{e.message()}</p>
                            <p class="muted"><A href="/login">"Log in"</A></p>
                        }.into_any(),
                    };
                    let token = token();
                    let board = preview.board_name.clone();
                    let heading = view! {
                        <h1 dir="auto">{format!("Join {board}")}</h1>
                        <p>{format!("{} invited you to this board on TaskFlow.", preview.invited_by)}</p>
                    };
                    match auth.user.await {
                        Ok(Some(user)) => {
                            let pending = accept.pending();
                            view! {
                                {heading}
                                <PostForm url=AcceptInvite::url() class="stack" label="Accept the invitation"
                                    submit=Callback::new(move |f: FormFields| {
                                        accept.dispatch(AcceptInvite { token: f.text("token") });
                                    })>
                                    <input type="hidden" name="token" value=token />
                                    <p class="muted">{format!("You are logged in as {} (@{}).", user.display_name, user.username)}</p>
                                    <ActionError value=accept.value() />
                                    <button type="submit" class="btn btn-primary" disabled=pending>
                                        {move || if pending.get() { "Joining…".to_string() } else { format!("Join {board}") }}
                                    </button>
                                </PostForm>
                            }.into_any()
                        }
                        _ => view! {
                            {heading}
                            <h2 class="small-head">"New to TaskFlow? Create your account"</h2>
                            <SignupForm invite=token.clone() />
                            <h2 class="small-head">"Have an account? Log in"</h2>
                            <LoginForm invite=token />
                        }.into_any(),
                    }
                })}
            </Loading>
        </section>
    }
}

/// Username and password; through an invite link (`invite`), the link's
/// board is joined and shown next.
#[component]
fn LoginForm(invite: String) -> impl IntoView {
    let login = AuthCall::new();
    let pending = login.pending;
    // Two forms on one page (an invite's): their fields' ids must differ.
    let id = if invite.is_empty() {
        "login"
    } else {
        "invite-login"
    };
    view! {
        <PostForm url=Login::url() class="stack" label="Log in"
            submit=Callback::new(move |f: FormFields| {
                login.run(crate::api::auth::login(f.text("username"), f.text("password"), invite_of(&f)));
            })>
            <input type="hidden" name="invite" value=invite />
            <label for=format!("{id}-username")>"Username"</label>
            <input id=format!("{id}-username") name="username" type="text" autocomplete="username"
                required autofocus=id == "login" autocapitalize="none" spellcheck="false" />
            <label for=format!("{id}-password")>"Password"</label>
            <input id=format!("{id}-password") name="password" type="password"
                autocomplete="current-password" required />
            <ActionError value=login.value />
            <button type="submit" class="btn btn-primary" disabled=pending>
                {move || if pending.get() { "Logging in…" } else { "Log in" }}
            </button>
        </PostForm>
    }
}

/// A new account; through an invite link (`invite`) it joins the link's
/// board and lands there.
#[component]
fn SignupForm(invite: String) -> impl IntoView {
    let signup = AuthCall::new();
    let pending = signup.pending;
    let pattern = format!("[A-Za-z0-9_.\\-]{{{USERNAME_MIN},{USERNAME_MAX}}}");
    let (username_len, display_len) = (RwSignal::new(0), RwSignal::new(0));
    view! {
        <PostForm url=Signup::url() class="stack" label="Sign up"
            submit=Callback::new(move |f: FormFields| {
                signup.run(crate::api::auth::signup(
                    f.text("username"),
                    f.text("password"),
                    Some(f.text("display_name")),
                    invite_of(&f),
                ));
            })>
            <input type="hidden" name="invite" value=invite />
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
            <ActionError value=signup.value />
            <button type="submit" class="btn btn-primary" disabled=pending>
                {move || if pending.get() { "Creating…" } else { "Create account" }}
            </button>
        </PostForm>
    }
}

/// A log-in or sign-up under way (`pending`) and its last answer (`value`).
///
/// Who is logged in is read again the moment the answer arrives, in the same
/// step: the server also redirects (to the board list, or an invite's
/// board), and the page it leads to must not see the old "nobody". Not a
/// `ServerAction`: that one would live in the code every page loads (the
/// root's), or die with this form before its answer counted.
struct AuthCall<T: Send + Sync + 'static> {
    changed: RwSignal<i64>,
    pending: RwSignal<bool>,
    value: RwSignal<Option<Result<T, AppError>>>,
}

impl<T: Send + Sync + 'static> Clone for AuthCall<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for AuthCall<T> {}

impl<T: Send + Sync + 'static> AuthCall<T> {
    fn new() -> Self {
        Self {
            changed: use_auth().changed,
            pending: RwSignal::new(false),
            value: RwSignal::new(None),
        }
    }

    fn run(self, call: impl std::future::Future<Output = Result<T, AppError>> + 'static) {
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = call.await;
            self.changed.update(|n| *n += 1);
            self.pending.try_set(false);
            self.value.try_set(Some(answer));
        });
    }
}
