//! The user interface: routes, layout, and one module per screen.

mod account_page;
mod auth_pages;
mod board;
mod board_context;
mod boards_page;
mod chat;
mod comments;
mod common;
mod composer;
mod emoji_picker;
pub mod json;
pub mod live;
mod mention_input;
mod messages_page;
mod my_tasks_page;
mod notifications;
mod post_actions;
mod reactions;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes, A};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

use crate::api::auth::{current_user, Logout};
use crate::error::AppError;
use crate::model::User;

/// The Content-Security-Policy of every page. Scripts run only with this
/// response's nonce (the hydration script; what it imports is trusted through
/// `'strict-dynamic'`), WebAssembly may be compiled, and nothing is inline:
/// no inline styles, no `eval`, no plugins, no framing.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The HTML document around the app (server side only). It also sets the
/// page's Content-Security-Policy, with the nonce of this response.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
        {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    // The bundle's files are named after their content (see server/build.rs).
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" href=stylesheet />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

thread_local! {
    static PAGE_HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether the whole page has hydrated (tracked). The browser entry point
/// fetches the page's code first and then hydrates it in one go, so effects
/// run after it anyway; this keeps the live connection from starting early
/// should that change. Never true on the server.
pub fn page_hydrated() -> bool {
    PAGE_HYDRATED.with(|h| h.get())
}

/// Called by the browser entry point (frontend/) once the page has hydrated;
/// it also sets `data-hydrated` on `<body>`, which browser tests wait for.
pub fn mark_page_hydrated() {
    PAGE_HYDRATED.with(|h| h.set(true));
}

/// Who is logged in. Provided at the root.
///
/// The log-in and sign-up actions belong to their forms (in the small
/// pages' chunk, not in the code every page loads); they count `changed`
/// up when they are answered, and `user` is read again.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: json::JsonResource<Result<Option<User>, AppError>>,
    pub changed: RwSignal<i64>,
    pub logout: ServerAction<Logout>,
}

impl Auth {
    fn provide() -> Self {
        let changed = RwSignal::new(0_i64);
        let logout = ServerAction::<Logout>::new();
        let user = json::resource(
            move || (changed.get(), logout.version().get()),
            |_| current_user(),
        );
        let auth = Self {
            user,
            changed,
            logout,
        };
        provide_context(auth);
        auth
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = Auth::provide();
    // One live connection per tab, for whoever is logged in.
    let live = live::Live::new();
    provide_context(live);
    // Not before the whole page has hydrated: what the socket brings would
    // change views that still had to match the server's HTML.
    Effect::new(move |_| {
        if !page_hydrated() {
            return;
        }
        match auth.user.get() {
            Some(Ok(Some(user))) => live.start(&user),
            Some(Ok(None)) => live.stop(),
            _ => {}
        }
    });
    view! {
        <Title formatter=page_title />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <common::NotFound /> }>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/boards") view={Lazy::<BoardsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/my-tasks") view={Lazy::<MyTasksRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages") view={Lazy::<MessagesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages/:room_id") view={Lazy::<MessagesRoute>::new()} ssr=SsrMode::Async />
                    <ParentRoute path=path!("/boards/:board_id") view={Lazy::<BoardRoute>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view=|| () />
                        <Route path=path!("tasks/:task_id") view={Lazy::<TaskRoute>::new()} />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

// Every page is a lazy route: with `cargo leptos build --split` (scripts/build.sh)
// its code is a separate WASM chunk, fetched when the page is shown (and
// preloaded by the server-rendered page that shows it), so the first download
// holds the shell (header, live connection, router) and not every screen.
// Without `--split` (debug builds, `cargo test`) they are ordinary routes.
// The small pages share one chunk: each split point multiplies the
// little chunks of code that some pages share, and every file is a request.

/// The board page's pieces that wait until the page is live or asked for:
/// the Members tab, the chat's two room dialogs (new room, other rooms), the
/// board's late controls (filter bar, a card's details, the archive, the
/// keys), a message's actions, and replies with a room's notification
/// settings (measured as a split point of their own: the board page 538,
/// the room 556, the task route 546 KB gzip — every page over its budget
/// from the shared code cut into smaller chunks).
#[derive(Clone, Copy)]
pub(crate) enum PanePiece {
    Members,
    Rooms(chat::rooms::RoomsDialog, Callback<()>),
    Board(board::extras::Extra),
    Post(post_actions::PostPiece),
    /// Replies (the pane, the followed list) and a room's notification
    /// settings.
    Conversation(chat::ConversationPiece),
}

/// One lazily loaded piece of code for all of them. One split point, not
/// two: wasm-split makes a small chunk for every set of split points that
/// shares some code, and each is fetched and compressed on its own —
/// measured, merging these two took the board page from 526 to 515 KB gzip,
/// the task route from 530 to 519, and the chunks from 61 to 34.
#[lazy]
pub(crate) fn pane_piece(piece: PanePiece) -> AnyView {
    match piece {
        PanePiece::Members => board::members::members_view(),
        PanePiece::Rooms(which, done) => chat::rooms::rooms_dialog_view(which, done),
        PanePiece::Board(piece) => board::extras::board_extra(piece),
        PanePiece::Post(piece) => post_actions::post_piece(piece),
        PanePiece::Conversation(piece) => chat::conversation_piece(piece),
    }
}

/// The small pages, one lazily loaded piece of code for all of them.
#[derive(Clone, Copy)]
enum SmallPage {
    Login,
    Signup,
    Invite,
    Account,
    Boards,
    Notifications,
    MyTasks,
    Messages,
    /// Not a page: the header bell's open menu, which shares most of its
    /// code with the notifications page (one chunk less to fetch).
    BellMenu(Callback<()>),
}

/// The header bell's open menu (its code comes with the small pages').
pub(crate) async fn bell_menu(close: Callback<()>) -> AnyView {
    small_page(SmallPage::BellMenu(close)).await
}

#[lazy]
fn small_page(page: SmallPage) -> AnyView {
    match page {
        SmallPage::Login => view! { <auth_pages::LoginPage /> }.into_any(),
        SmallPage::Signup => view! { <auth_pages::SignupPage /> }.into_any(),
        SmallPage::Invite => view! { <auth_pages::InvitePage /> }.into_any(),
        SmallPage::Account => view! { <account_page::AccountPage /> }.into_any(),
        SmallPage::Boards => view! { <boards_page::BoardsPage /> }.into_any(),
        SmallPage::Notifications => view! { <notifications::NotificationsPage /> }.into_any(),
        SmallPage::MyTasks => view! { <my_tasks_page::MyTasksPage /> }.into_any(),
        SmallPage::Messages => view! { <messages_page::MessagesPage /> }.into_any(),
        SmallPage::BellMenu(close) => view! { <notifications::BellMenu close /> }.into_any(),
    }
}

/// A route showing one of the small pages.
macro_rules! small_route {
    ($route:ident, $page:ident, $doc:literal) => {
        #[doc = $doc]
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            async fn view(_this: Self) -> AnyView {
                small_page(SmallPage::$page).await
            }
            // Hydration loads the route's code before it hydrates the route.
            async fn preload() {
                #[cfg(feature = "hydrate")]
                __preload_small_page().await;
            }
        }
    };
}

small_route!(LoginRoute, Login, "`/login`.");
small_route!(SignupRoute, Signup, "`/signup`.");
small_route!(
    InviteRoute,
    Invite,
    "`/invite/:token`: an invite link's page."
);
small_route!(
    AccountRoute,
    Account,
    "`/account`: one's own name and password."
);
small_route!(BoardsRoute, Boards, "`/boards`.");
small_route!(NotificationsRoute, Notifications, "`/notifications`.");
small_route!(
    MessagesRoute,
    Messages,
    "`/messages` and `/messages/:room_id`: direct messages."
);
small_route!(
    MyTasksRoute,
    MyTasks,
    "`/my-tasks`: the cards I am on, across my boards."
);

/// `/boards/:board_id`. The board loads once the page's code is here (its
/// resource belongs to the page, as before the split; starting it in `data()`
/// would save a round trip on client-side navigation only).
struct BoardRoute;

#[lazy_route]
impl LazyRoute for BoardRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        prefetch_when_idle();
        view! { <board::BoardPage /> }.into_any()
    }
}

/// The code a board page is likely to need next — the task dialog, the
/// page's late pieces (`pane_piece`), the room's view, the bell's menu —
/// fetched once the page is connected and idle, so the first card opens at
/// once on a slow link, and still opens after the connection drops. (Only while connected: a fetch that fails would stop the page.)
fn prefetch_when_idle() {
    #[cfg(feature = "hydrate")]
    {
        let live = expect_context::<live::Live>();
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) || live.status.get() != live::LiveStatus::Live {
                return done.unwrap_or(false);
            }
            set_timeout(
                move || {
                    if live.status.get_untracked() == live::LiveStatus::Live {
                        leptos::task::spawn_local(async {
                            <TaskRoute as LazyRoute>::preload().await;
                            __preload_pane_piece().await;
                            chat::prefetch().await;
                            // (The bell's menu comes with the small pages.)
                            __preload_small_page().await;
                        });
                    }
                },
                std::time::Duration::from_millis(1_500),
            );
            true
        });
    }
}

/// `/boards/:board_id/tasks/:task_id`: the task dialog over the board.
struct TaskRoute;

#[lazy_route]
impl LazyRoute for TaskRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <board::TaskDialog /> }.into_any()
    }
}

/// Fetches the code of the page at `path` (its lazy routes' chunks) before
/// the page hydrates. With the code here the page hydrates synchronously, as
/// an unsplit bundle does: no effect can run (and change what the server
/// rendered) while part of the page is still waiting for its code.
#[cfg(feature = "hydrate")]
pub async fn preload_page(path: &str) {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match parts.as_slice() {
        ["login"]
        | ["signup"]
        | ["boards"]
        | ["notifications"]
        | ["my-tasks"]
        | ["messages"]
        | ["messages", _]
        | ["invite", _]
        | ["account"] => __preload_small_page().await,
        ["boards", _] => <BoardRoute as LazyRoute>::preload().await,
        ["boards", _, "tasks", _] => {
            <BoardRoute as LazyRoute>::preload().await;
            <TaskRoute as LazyRoute>::preload().await;
        }
        _ => {}
    }
}

/// The document title for a page. On the server it is HTML-escaped here,
/// because leptos_meta writes `<title>` text into the page unescaped (a board
/// named `</title><script>…` would otherwise run as script).
fn page_title(page: String) -> String {
    let title = if page.is_empty() {
        "TaskFlow".to_string()
    } else {
        format!("{page} · TaskFlow")
    };
    if cfg!(feature = "ssr") {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        title
    }
}

/// `/`: the board list when logged in, the login page otherwise.
#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    view! {
        <common::Loading>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => view! { <Redirect path="/boards" /> }.into_any(),
                    _ => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}
        </common::Loading>
    }
}

/// The top bar: brand, the notification bell and the user menu.
#[component]
fn Header() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header class="topbar">
            <A href="/boards" attr:class="brand">
                <span class="brand-mark" aria-hidden="true"></span>
                "TaskFlow"
            </A>
            <nav class="topbar-right" aria-label="Account">
                <Transition>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => view! {
                                <A href="/messages" attr:class="btn btn-ghost btn-sm topbar-link">"Messages"</A>
                                <A href="/my-tasks" attr:class="btn btn-ghost btn-sm topbar-link">"My tasks"</A>
                                <notifications::NotificationBell />
                                <UserMenu user />
                            }.into_any(),
                            _ => view! {
                                <A href="/login" attr:class="btn btn-ghost">"Log in"</A>
                                <A href="/signup" attr:class="btn">"Sign up"</A>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn UserMenu(user: User) -> impl IntoView {
    let auth = use_auth();
    let details = NodeRef::<leptos::html::Details>::new();
    common::browser::dismissable_menu(details);
    view! {
        <details class="user-menu" node_ref=details>
            <summary aria-label=format!("Account menu for {}", user.display_name)>
                <common::Avatar name=user.display_name.clone() />
                <span class="user-name">{user.display_name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-who">"Signed in as " <strong>"@"{user.username.clone()}</strong></p>
                <A href="/boards" attr:class="menu-item" attr:role="menuitem">"My boards"</A>
                <A href="/my-tasks" attr:class="menu-item" attr:role="menuitem">"My tasks"</A>
                <A href="/messages" attr:class="menu-item" attr:role="menuitem">"Messages"</A>
                <A href="/account" attr:class="menu-item" attr:role="menuitem">"Your account"</A>
                <common::PostForm url=Logout::url()
                    submit=Callback::new(move |_| { auth.logout.dispatch(Logout {}); })>
                    <button type="submit" class="menu-item" role="menuitem">"Log out"</button>
                </common::PostForm>
            </div>
        </details>
    }
}

/// Renders `children` only for a logged-in user; sends others to the login page.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let children = StoredValue::new(children);
    view! {
        <common::Loading fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => children.with_value(|c| c()).into_any(),
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(e) => view! { <common::ErrorNote error=e /> }.into_any(),
                }
            })}
        </common::Loading>
    }
}
