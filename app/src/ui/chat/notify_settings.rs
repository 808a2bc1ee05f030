//! Notification settings for one place: a room (in its settings dialog), a
//! direct message (the same dialog), a board (its header's "Notifications")
//! and a card (its dialog). Which notifications reach me there (as the wider
//! place says, everything, mentions only, nothing), and for a room muting it
//! (no unread badge) and whether a muted room still calls me with @room,
//! @board and @here. Part of the late piece (`ui::pane_piece`).

use leptos::prelude::*;

use crate::api::chat::{my_notification_prefs, set_notify_pref};
use crate::model::{NotificationPref, NotifyLevel, PrefScope};
use crate::ui::live::Live;

/// The settings of a room, a board or a card (`scope`, `id`).
pub(crate) fn notify_settings(scope: PrefScope, id: i64) -> AnyView {
    view! { <NotifySettings scope id /> }.into_any()
}

#[component]
fn NotifySettings(scope: PrefScope, id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let pref = RwSignal::new(None::<NotificationPref>);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    // A direct message belongs to no board: its default is everything.
    let direct = live
        .rooms
        .with_untracked(|r| r.iter().any(|r| r.room.id == id && r.room.is_direct()));
    let room = scope == PrefScope::Room;
    let what = match scope {
        PrefScope::Board => "board",
        PrefScope::Task => "card",
        PrefScope::Room if direct => "conversation",
        PrefScope::Room => "room",
    };
    leptos::task::spawn_local(async move {
        match my_notification_prefs().await {
            Ok(all) => pref.set(Some(
                all.preferences
                    .into_iter()
                    .find(|p| p.scope == scope && p.id == id)
                    .unwrap_or(NotificationPref {
                        scope,
                        id,
                        level: None,
                        muted: false,
                        group_calls: false,
                    }),
            )),
            Err(e) => error.set(Some(e.message())),
        }
    });
    let save = move |level: Option<String>, muted: Option<bool>, group_calls: Option<bool>| {
        leptos::task::spawn_local(async move {
            match set_notify_pref(scope, id, level, muted, group_calls).await {
                Ok(now) => {
                    error.set(None);
                    saved.set(true);
                    pref.set(Some(now));
                    if room {
                        live.rooms.update(|rooms| {
                            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == id) {
                                r.muted = now.muted;
                            }
                        });
                    }
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let level = move || {
        pref.with(|p| match p.and_then(|p| p.level) {
            None => "default",
            Some(l) => l.as_str(),
        })
    };
    let default_label = match scope {
        PrefScope::Board => "Everything (the default)",
        PrefScope::Room if direct => "Every message (the default)",
        _ => "As the board says",
    };
    let muted = move || pref.with(|p| p.is_some_and(|p| p.muted));
    let calls = move || pref.with(|p| p.is_some_and(|p| p.group_calls));
    let select_id = format!("{}-notify-level", scope.as_str());
    view! {
        <fieldset class="notify-settings" disabled=move || pref.with(Option::is_none)>
            <legend>"Notifications"</legend>
            <label for=select_id.clone()>{format!("Notify me of this {what}")}</label>
            <select id=select_id prop:value=level
                on:change=move |ev| save(Some(event_target_value(&ev)), None, None)>
                <option value="default">{default_label}</option>
                {(scope != PrefScope::Board && !direct).then(|| view! {
                    <option value=NotifyLevel::All.as_str()>"Everything"</option>
                })}
                <option value=NotifyLevel::Mentions.as_str()>"Mentions of me only"</option>
                <option value=NotifyLevel::Nothing.as_str()>"Nothing"</option>
            </select>
            {room.then(|| view! {
                <label class="check">
                    <input type="checkbox" prop:checked=muted
                        on:change=move |ev| save(None, Some(event_target_checked(&ev)), None) />
                    {format!("Mute this {what} (no unread badge)")}
                </label>
            })}
            {(room && !direct).then(|| view! {
                <label class="check">
                    <input type="checkbox" prop:checked=calls disabled=move || !muted()
                        on:change=move |ev| save(None, None, Some(event_target_checked(&ev))) />
                    "While muted, still notify me of @room, @board and @here"
                </label>
            })}
            <p class="muted small" aria-live="polite">{move || saved.get().then_some("Saved.")}</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </fieldset>
    }
}
