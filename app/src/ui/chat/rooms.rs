//! Managing rooms: creating one, the owner's list of the rooms she is not
//! in (rename, archive, delete, join), a room's members and its settings.

use leptos::prelude::*;

use crate::api::chat::{
    add_room_member, create_room, delete_room, list_other_rooms, remove_room_member, update_room,
};
use crate::error::AppError;
use crate::model::{RoomDetail, RoomSummary};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{browser, char_len, Avatar, CharCount, ErrorNote, If, Loading};
use crate::ui::live::Live;
use crate::validate::{ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX};

#[component]
pub(super) fn NewRoomForm(on_done: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board_id = use_board_context().id;
    let name = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let (name_len, description_len) = (RwSignal::new(0), RwSignal::new(0));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(n), Some(d)) = (name.get(), description.get()) else {
            return;
        };
        let (n, d) = (n.value(), d.value());
        leptos::task::spawn_local(async move {
            match create_room(board_id, n, Some(d)).await {
                Ok(room) => {
                    live.enter_room(RoomSummary {
                        room,
                        member: true,
                        member_count: 1,
                        unread: 0,
                        last_message_id: None,
                    });
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <form class="stack new-room" on:submit=submit aria-label="New room">
            <label for="new-room-name">"Room name"</label>
            <input id="new-room-name" node_ref=name type="text" required aria-describedby="new-room-name-count"
                on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
            <CharCount len=name_len.into() max=ROOM_NAME_MAX id="new-room-name" />
            <label for="new-room-description">"Description " <span class="muted">"(optional)"</span></label>
            <input id="new-room-description" node_ref=description type="text" aria-describedby="new-room-description-count"
                on:input=move |ev| description_len.set(char_len(&event_target_value(&ev))) />
            <CharCount len=description_len.into() max=ROOM_DESCRIPTION_MAX id="new-room-description" />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="inline-form">
                <button type="submit" class="btn btn-primary btn-sm">"Create room"</button>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// The board owner's view of the rooms she is not in: she may rename,
/// archive, delete or join each (reading one means joining it).
#[component]
pub(super) fn OtherRooms(on_joined: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let version = RwSignal::new(0u32);
    let rooms = LocalResource::new(move || {
        version.track();
        list_other_rooms(board.id)
    });
    let error = RwSignal::new(None::<String>);
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            version.update(|v| *v += 1);
            // The list is drawn again: keep the keyboard in the dialog.
            browser::focus_soon("other-rooms".to_string());
        }
        Err(e) => error.set(Some(e.message())),
    };
    let join = move |summary: RoomSummary| {
        let me = live
            .me
            .with_untracked(|me| me.as_ref().map(|u| u.username.clone()));
        let Some(me) = me else { return };
        leptos::task::spawn_local(async move {
            match add_room_member(summary.room.id, me).await {
                Ok(_) => {
                    live.enter_room(RoomSummary {
                        member: true,
                        member_count: summary.member_count + 1,
                        unread: 0,
                        ..summary
                    });
                    on_joined.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div id="other-rooms" class="stack other-rooms" tabindex="-1">
            <p class="muted">"As the board's owner you may manage every room. Join one to read it."</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <Loading fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p>"You are in every room of this board."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="other-room-list" aria-label="Rooms you are not in">
                                {list.into_iter().map(|summary| {
                                    let id = summary.room.id;
                                    let name = summary.room.name.clone();
                                    let archived = summary.room.archived_at.is_some();
                                    let input = NodeRef::<leptos::html::Input>::new();
                                    let len = RwSignal::new(char_len(&name));
                                    let field = format!("other-room-{id}");
                                    let rename = move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        let Some(el) = input.get() else { return };
                                        let patch = crate::model::RoomPatch { name: Some(el.value()), ..Default::default() };
                                        leptos::task::spawn_local(async move {
                                            done(update_room(id, patch).await.map(|_| ()));
                                        });
                                    };
                                    let archive = move |_| {
                                        let patch = crate::model::RoomPatch { archived: Some(!archived), ..Default::default() };
                                        leptos::task::spawn_local(async move {
                                            done(update_room(id, patch).await.map(|_| ()));
                                        });
                                    };
                                    let delete = {
                                        let name = name.clone();
                                        move |_| {
                                            if browser::confirm(&format!("Delete #{name} and all its messages? This cannot be undone.")) {
                                                leptos::task::spawn_local(async move { done(delete_room(id).await) });
                                            }
                                        }
                                    };
                                    let members = summary.member_count;
                                    view! {
                                        <li class="other-room">
                                            <p class="other-room-name">
                                                <span aria-hidden="true">"#"</span>{name.clone()}
                                                {archived.then(|| view! { <span class="tag">"archived"</span> })}
                                                <span class="muted">{format!(" · {members} member{}", if members == 1 { "" } else { "s" })}</span>
                                            </p>
                                            <form class="inline-form" on:submit=rename aria-label=format!("Rename #{name}")>
                                                <label for=field.clone() class="sr-only">{format!("New name for #{name}")}</label>
                                                <input id=field.clone() node_ref=input type="text" required prop:value=name.clone()
                                                    aria-describedby=format!("{field}-count")
                                                    on:input=move |ev| len.set(char_len(&event_target_value(&ev))) />
                                                <CharCount len=len.into() max=ROOM_NAME_MAX id=field.clone() />
                                                <button type="submit" class="btn btn-sm" aria-label=format!("Rename #{name}")>"Rename"</button>
                                            </form>
                                            <div class="inline-form">
                                                <button type="button" class="btn btn-primary btn-sm" aria-label=format!("Join #{name}") on:click={
                                                    let summary = summary.clone();
                                                    move |_| join(summary.clone())
                                                }>"Join"</button>
                                                <button type="button" class="btn btn-ghost btn-sm" on:click=archive
                                                    aria-label=format!("{} #{name}", if archived { "Unarchive" } else { "Archive" })>
                                                    {if archived { "Unarchive" } else { "Archive" }}
                                                </button>
                                                <button type="button" class="btn btn-danger btn-sm" aria-label=format!("Delete #{name}") on:click=delete>"Delete"</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Loading>
        </div>
    }
}

#[component]
pub(super) fn RoomMembers(
    room_id: i64,
    detail: crate::ui::json::JsonResource<Result<RoomDetail, crate::error::AppError>>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let username = el.value();
        el.set_value("");
        leptos::task::spawn_local(async move {
            match add_room_member(room_id, username).await {
                Ok(_) => {
                    error.set(None);
                    detail.refetch();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div class="room-members">
            <Transition>
                {move || Suspend::new(async move {
                    detail.await.ok().map(|d| view! {
                        <ul class="member-list">
                            {d.members.into_iter().map(|m| {
                                let uid = m.id;
                                let remove = move |_| {
                                    leptos::task::spawn_local(async move {
                                        match remove_room_member(room_id, uid).await {
                                            Ok(()) => detail.refetch(),
                                            Err(e) => error.set(Some(e.message())),
                                        }
                                    });
                                };
                                view! {
                                    <li class="member">
                                        <Avatar name=m.display_name.clone() small=true />
                                        <span class="member-name">{m.display_name.clone()}<span class="muted">" @"{m.username.clone()}</span></span>
                                        <button type="button" class="btn btn-ghost btn-sm" on:click=remove
                                            aria-label=format!("Remove {} from the room", m.display_name)>"Remove"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            <form class="inline-form" on:submit=add aria-label="Add a room member">
                <label for="room-member" class="sr-only">"Add a board member to this room"</label>
                <input id="room-member" node_ref=input type="text" placeholder="username" autocapitalize="none" spellcheck="false" />
                <button type="submit" class="btn btn-sm">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <RoomSettings room_id error />
        </div>
    }
}

/// Rename, archive and delete: for the room's creator and the board owner.
#[component]
pub(super) fn RoomSettings(room_id: i64, error: RwSignal<Option<String>>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let room = move || {
        live.rooms.with(|r| {
            r.iter()
                .find(|r| r.room.id == room_id)
                .map(|r| r.room.clone())
        })
    };
    let may_manage =
        move || board.is_owner() || room().is_some_and(|r| r.created_by == board.viewer_id);
    let name = NodeRef::<leptos::html::Input>::new();
    let rename_len = RwSignal::new(room().map(|r| char_len(&r.name)).unwrap_or(0));
    let apply = move |patch: crate::model::RoomPatch| {
        leptos::task::spawn_local(async move {
            match update_room(room_id, patch).await {
                Ok(updated) => {
                    error.set(None);
                    live.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            r.room = updated;
                        }
                    });
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(el) = name.get() {
            apply(crate::model::RoomPatch {
                name: Some(el.value()),
                ..Default::default()
            });
        }
    };
    let toggle_archive = move |_| {
        let archived = room().is_some_and(|r| r.archived_at.is_some());
        apply(crate::model::RoomPatch {
            archived: Some(!archived),
            ..Default::default()
        });
    };
    let delete = move |_| {
        let label = room().map(|r| r.name).unwrap_or_default();
        if !browser::confirm(&format!(
            "Delete #{label} and all its messages? This cannot be undone."
        )) {
            return;
        }
        leptos::task::spawn_local(async move {
            match delete_room(room_id).await {
                Ok(()) => {
                    live.rooms
                        .update(|rooms| rooms.retain(|r| r.room.id != room_id));
                    live.room.open.set(None);
                    if let Some(next) = live.rooms.with_untracked(|r| r.first().map(|r| r.room.id))
                    {
                        live.open_room(next);
                    }
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <If when=may_manage>
            <form class="inline-form" on:submit=rename aria-label="Rename room">
                <label for="room-rename" class="sr-only">"Room name"</label>
                <input id="room-rename" node_ref=name type="text" required aria-describedby="room-rename-count"
                    prop:value=move || room().map(|r| r.name).unwrap_or_default()
                    on:input=move |ev| rename_len.set(char_len(&event_target_value(&ev))) />
                <CharCount len=rename_len.into() max=ROOM_NAME_MAX id="room-rename" />
                <button type="submit" class="btn btn-sm">"Rename"</button>
            </form>
            <div class="inline-form">
                <button type="button" class="btn btn-ghost btn-sm" on:click=toggle_archive>
                    {move || if room().is_some_and(|r| r.archived_at.is_some()) { "Unarchive" } else { "Archive" }}
                </button>
                <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete room"</button>
            </div>
        </If>
    }
}
