//! A room's notification settings, in its settings dialog: which of its
//! notifications reach me (as the board says, everything, mentions only,
//! nothing), muting it (no unread badge), and whether a muted room still
//! calls me with @room, @board and @here. Part of the conversation chunk
//! (`replies::conversation_piece`).

use leptos::prelude::*;

use crate::api::chat::{my_notification_prefs, set_room_pref};
use crate::model::{NotificationPref, NotifyLevel, PrefScope};
use crate::ui::live::Live;

pub(super) fn room_notifications(room_id: i64) -> AnyView {
    view! { <RoomNotifications room_id /> }.into_any()
}

#[component]
fn RoomNotifications(room_id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let pref = RwSignal::new(None::<NotificationPref>);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match my_notification_prefs().await {
            Ok(all) => pref.set(Some(
                all.preferences
                    .into_iter()
                    .find(|p| p.scope == PrefScope::Room && p.id == room_id)
                    .unwrap_or(NotificationPref {
                        scope: PrefScope::Room,
                        id: room_id,
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
            match set_room_pref(room_id, level, muted, group_calls).await {
                Ok(now) => {
                    error.set(None);
                    saved.set(true);
                    pref.set(Some(now));
                    live.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            r.muted = now.muted;
                        }
                    });
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let level = move || {
        pref.with(|p| match p.and_then(|p| p.level) {
            None => "board",
            Some(l) => l.as_str(),
        })
    };
    let muted = move || pref.with(|p| p.is_some_and(|p| p.muted));
    let calls = move || pref.with(|p| p.is_some_and(|p| p.group_calls));
    view! {
        <fieldset class="notify-settings" disabled=move || pref.with(Option::is_none)>
            <legend>"Notifications"</legend>
            <label for="room-notify-level">"Notify me of"</label>
            <select id="room-notify-level" prop:value=level
                on:change=move |ev| save(Some(event_target_value(&ev)), None, None)>
                <option value="board">"As the board says"</option>
                <option value=NotifyLevel::All.as_str()>"Everything"</option>
                <option value=NotifyLevel::Mentions.as_str()>"Mentions of me only"</option>
                <option value=NotifyLevel::Nothing.as_str()>"Nothing"</option>
            </select>
            <label class="check">
                <input type="checkbox" prop:checked=muted
                    on:change=move |ev| save(None, Some(event_target_checked(&ev)), None) />
                "Mute this room (no unread badge)"
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=calls disabled=move || !muted()
                    on:change=move |ev| save(None, None, Some(event_target_checked(&ev))) />
                "While muted, still notify me of @room, @board and @here"
            </label>
            <p class="muted small" aria-live="polite">{move || saved.get().then_some("Saved.")}</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </fieldset>
    }
}
