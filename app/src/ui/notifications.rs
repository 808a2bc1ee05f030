//! Notifications: the header bell (live unread count, the latest in a
//! dropdown, opt-in desktop notifications) and the `/notifications` page (all
//! of them, paginated, "mark all read"). Opening one marks it read and goes to
//! the comment or message, highlighted; the count drops in every tab (the
//! server tells them over the user's topic).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::common::{ago, browser, clock, day, Avatar, ErrorNote, If, Loading};
use super::live::Live;
use super::RequireUser;
use crate::api::comments::{list_notifications, read_all_notifications, read_notification};
use crate::model::Notification;

/// How many the bell's dropdown shows.
pub const BELL_LIMIT: i64 = 8;

/// Marks a notification read (if it is not) and opens what it points at.
fn open_notification(n: &Notification, navigate: impl Fn(&str, leptos_router::NavigateOptions)) {
    if !n.read {
        let id = n.id;
        leptos::task::spawn_local(async move {
            let _ = read_notification(id).await;
        });
    }
    navigate(&n.link, Default::default());
}

/// One notification in a list; a click opens it.
#[component]
fn NotificationRow(notification: Notification, on_open: Callback<Notification>) -> impl IntoView {
    let n = notification.clone();
    let unread = !n.read;
    let link = n.link.clone();
    view! {
        <li class="note-item" class:unread=unread>
            <a href=link class="note-link" on:click=move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                on_open.run(notification.clone());
            }>
                <Avatar name=n.sender.display_name.clone() small=true />
                <span class="note-text">
                    <span class="note-head">{n.headline()}</span>
                    {(!n.snippet.is_empty() && n.snippet != n.context).then(|| view! {
                        <span class="note-snippet">{n.snippet.clone()}</span>
                    })}
                    <time class="note-when muted small" title=format!("{} {}", day(n.created_at), clock(n.created_at))>{ago(n.created_at)}</time>
                </span>
                {unread.then(|| view! { <span class="dot-unread" aria-label="unread"></span> })}
            </a>
        </li>
    }
}

/// The bell in the header. Its menu (the latest notifications) comes with
/// the small pages' code, fetched when the bell is first opened: every page
/// carries the bell, few open it.
#[component]
pub fn NotificationBell() -> impl IntoView {
    let live = expect_context::<Live>();
    let open = RwSignal::new(false);
    let details = NodeRef::<leptos::html::Details>::new();
    // A click elsewhere or Esc closes it.
    browser::dismissable_menu(details);
    let close = Callback::new(move |()| {
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
    });
    let label = move || match live.notifications.unread.get() {
        0 => "Notifications, none unread".to_string(),
        1 => "Notifications, 1 unread".to_string(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <details class="bell" node_ref=details
            on:toggle=move |_| open.set(details.get_untracked().is_some_and(|d| d.open()))>
            <summary aria-label=label title="Notifications">
                <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" fill="currentColor"/>
                </svg>
                {move || {
                    let n = live.notifications.unread.get();
                    (n > 0).then(|| view! {
                        <span class="badge bell-count" data-testid="bell-count">{if n > 99 { "99+".to_string() } else { n.to_string() }}</span>
                    })
                }}
            </summary>
            {move || open.get().then(|| view! {
                <Loading fallback=|| view! { <div class="menu notes-menu"><p class="muted pad">"Loading…"</p></div> }>
                    {Suspend::new(super::bell_menu(close))}
                </Loading>
            })}
        </details>
    }
}

/// The bell's open menu: the latest few, following every change while open.
#[component]
pub(super) fn BellMenu(close: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let items = RwSignal::new(None::<Result<Vec<Notification>, String>>);
    let askable = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        live.notifications.version.track();
        askable.set(browser::desktop_notifications_askable());
        leptos::task::spawn_local(async move {
            let page = list_notifications(None, Some(BELL_LIMIT)).await;
            items.set(Some(page.map(|p| p.notifications).map_err(|e| e.message())));
        });
    });
    let on_open = Callback::new(move |n: Notification| {
        close.run(());
        open_notification(&n, &navigate);
    });
    let mark_all = move |_| {
        leptos::task::spawn_local(async move {
            let _ = read_all_notifications().await;
        });
    };
    view! {
        <div class="menu notes-menu" role="region" aria-label="Latest notifications">
            <div class="notes-head">
                <strong>"Notifications"</strong>
                <span class="spacer"></span>
                <button type="button" class="btn btn-ghost btn-xs" on:click=mark_all
                    disabled=move || live.notifications.unread.get() == 0>"Mark all read"</button>
            </div>
            {move || match items.get() {
                None => view! { <p class="muted pad">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="field-error pad" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted pad">"Nothing yet. Mentions, cards assigned to you and comments on cards you watch show up here."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="note-list">
                        {list.into_iter().map(|n| view! { <NotificationRow notification=n on_open /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <div class="notes-foot">
                <A href="/notifications" on:click=move |_| close.run(())>"See all notifications"</A>
                <If when=move || askable.get()>
                    <button type="button" class="btn btn-ghost btn-xs" on:click=move |_| {
                        browser::ask_desktop_notifications(move || askable.set(browser::desktop_notifications_askable()));
                    }>"Enable desktop notifications"</button>
                </If>
            </div>
        </div>
    }
}

/// `/notifications`: every notification, newest first.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications" />
        <RequireUser>
            <NotificationList />
        </RequireUser>
    }
}

#[component]
fn NotificationList() -> impl IntoView {
    let live = expect_context::<Live>();
    let navigate = use_navigate();
    // The first page follows live changes; older pages are appended on demand.
    let first = super::json::resource(
        move || live.notifications.version.get(),
        |_| list_notifications(None, None),
    );
    let older = RwSignal::new(Vec::<Notification>::new());
    let more = RwSignal::new(None::<bool>);
    let on_open = Callback::new(move |n: Notification| open_notification(&n, &navigate));
    let load_more = move |last: i64| {
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_notifications(Some(last), None).await {
                more.set(Some(page.has_more));
                older.update(|o| o.extend(page.notifications));
            }
        });
    };
    let mark_all = move |_| {
        leptos::task::spawn_local(async move {
            let _ = read_all_notifications().await;
        });
    };
    view! {
        <section class="page narrow notifications-page">
            <div class="page-head">
                <h1>"Notifications"</h1>
                <span class="spacer"></span>
                <button type="button" class="btn" on:click=mark_all>"Mark all read"</button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(page) if page.notifications.is_empty() => view! {
                            <p class="muted">"No notifications yet. Mentions, cards assigned to you, comments on cards you watch and being added to a board or room show up here."</p>
                        }.into_any(),
                        Ok(page) => {
                            let first_ids: Vec<i64> = page.notifications.iter().map(|n| n.id).collect();
                            let has_more = page.has_more;
                            view! {
                                <p class="muted">{format!("{} unread", page.unread)}</p>
                                <ul class="note-list note-list-page">
                                    {page.notifications.into_iter().map(|n| view! { <NotificationRow notification=n on_open /> }).collect_view()}
                                    {move || older.get().into_iter()
                                        .filter(|n| !first_ids.contains(&n.id))
                                        .map(|n| view! { <NotificationRow notification=n on_open /> })
                                        .collect_view()}
                                </ul>
                                <If when=move || more.get().unwrap_or(has_more)>
                                    <button type="button" class="btn" on:click=move |_| {
                                        let last = older.with_untracked(|o| o.last().map(|n| n.id));
                                        if let Some(last) = last.or(page_last(&first)) {
                                            load_more(last);
                                        }
                                    }>"Load older"</button>
                                </If>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The id of the last notification of the first page (where "older" starts).
fn page_last(
    first: &super::json::JsonResource<
        Result<crate::model::NotificationPage, crate::error::AppError>,
    >,
) -> Option<i64> {
    first
        .get_untracked()
        .and_then(|r| r.ok())
        .and_then(|p| p.notifications.last().map(|n| n.id))
}
