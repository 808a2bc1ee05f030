//! Managing rooms: creating one, the owner's list of the rooms she is not
//! in (rename, archive, delete, join), a room's members and its settings.

use leptos::prelude::*;

use crate::api::chat::{
    add_room_member, create_room, delete_room, join_room, leave_room, list_other_rooms,
    remove_room_member, update_room,
};
use crate::error::AppError;
use crate::model::{RoomDetail, RoomSummary};
use crate::ui::board_context::use_board_context;
use crate::ui::common::{browser, char_len, Avatar, CharCount, ErrorNote, If, Loading, Modal};
use crate::ui::live::Live;
use crate::validate::{ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX};

/// The chat's two dialogs about rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomsDialog {
    /// Making a room.
    New,
    /// The rooms one is not in.
    Browse,
}

/// The new-room form and the room browser, in their dialog. Their code
/// comes with the pane's other late pieces (`ui::pane_piece`), fetched when
/// first opened, not with the board (measured: inline, they cost the board
/// page about 40 KB gzip).
pub(crate) fn rooms_dialog_view(which: RoomsDialog, on_done: Callback<()>) -> AnyView {
    match which {
        RoomsDialog::New => view! {
            <Modal title="New room" focus="new-room-name" on_close=on_done>
                <NewRoomForm on_done />
            </Modal>
        }
        .into_any(),
        RoomsDialog::Browse => view! {
            <Modal title="Rooms you are not in" focus="browse-rooms" on_close=on_done>
                <BrowseRooms on_done />
            </Modal>
        }
        .into_any(),
    }
}

/// Joins a public room and opens it (then `on_done`); a refusal is shown in `error`.
fn join_and_open(live: Live, room_id: i64, error: RwSignal<Option<String>>, on_done: Callback<()>) {
    leptos::task::spawn_local(async move {
        match join_room(room_id).await {
            Ok(joined) => {
                live.enter_room(joined);
                on_done.run(());
            }
            Err(e) => error.set(Some(e.message())),
        }
    });
}

/// A new room: its name and description, public (any board member may
/// find and join it) or private, and who is in it from the start (every
/// board member, or those picked). A name that exists offers to join that
/// room when it is public.
#[component]
fn NewRoomForm(on_done: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let name = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    // A public room of that name exists: offer it instead.
    let existing = RwSignal::new(None::<RoomSummary>);
    let (name_len, description_len) = (RwSignal::new(0), RwSignal::new(0));
    let is_private = RwSignal::new(false);
    let add_all = RwSignal::new(false);
    let picked = RwSignal::new(Vec::<String>::new());
    let others = Memo::new(move |_| {
        let mut users: Vec<_> = board
            .members
            .get()
            .into_iter()
            .map(|m| m.user)
            .filter(|u| u.id != board.viewer_id)
            .collect();
        users.sort_by_key(|u| u.display_name.to_lowercase());
        users
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(n), Some(d)) = (name.get(), description.get()) else {
            return;
        };
        let (name, description) = (n.value(), d.value());
        let all = add_all.get_untracked();
        let members = if all {
            Vec::new()
        } else {
            picked.get_untracked()
        };
        existing.set(None);
        leptos::task::spawn_local(async move {
            let wanted = name.trim().to_lowercase();
            let made = create_room(
                board.id,
                name,
                Some(description),
                Some(is_private.get_untracked()),
                Some(members),
                Some(all),
            );
            match made.await {
                Ok(room) => {
                    let member_count = 1 + if add_all.get_untracked() {
                        others.get_untracked().len()
                    } else {
                        picked.get_untracked().len()
                    } as i64;
                    live.enter_room(RoomSummary {
                        people: Vec::new(),
                        read_only: false,
                        room,
                        member: true,
                        member_count,
                        unread: 0,
                        last_message_id: None,
                        muted: false,
                    });
                    on_done.run(());
                }
                Err(e) => {
                    if matches!(e, AppError::Conflict(_)) {
                        existing.set(live.rooms.with_untracked(|r| {
                            r.iter()
                                .find(|r| {
                                    r.room.name.to_lowercase() == wanted && !r.room.is_private
                                })
                                .cloned()
                        }));
                    }
                    error.set(Some(e.message()));
                }
            }
        });
    };
    let open_existing = move |_| {
        let Some(summary) = existing.get_untracked() else {
            return;
        };
        let id = summary.room.id;
        if summary.member {
            live.open_room(id);
            on_done.run(());
            return;
        }
        join_and_open(live, id, error, on_done);
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
            <label class="check">
                <input type="checkbox" prop:checked=move || is_private.get()
                    on:change=move |ev| is_private.set(event_target_checked(&ev)) />
                " Private — only the people in it can find and read it"
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || add_all.get()
                    on:change=move |ev| add_all.set(event_target_checked(&ev)) />
                " Add all board members"
            </label>
            <If when=move || !add_all.get() && !others.with(Vec::is_empty)>
                <fieldset class="member-picker">
                    <legend>"Add people " <span class="muted">"(optional)"</span></legend>
                    <ul>
                        {move || others.get().into_iter().map(|u| {
                            let username = u.username.clone();
                            let checked = {
                                let username = username.clone();
                                move || picked.with(|p| p.contains(&username))
                            };
                            view! {
                                <li>
                                    <label class="check">
                                        <input type="checkbox" prop:checked=checked
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                picked.update(|p| {
                                                    p.retain(|x| *x != username);
                                                    if on { p.push(username.clone()); }
                                                });
                                            } />
                                        <Avatar name=u.display_name.clone() small=true />
                                        {u.display_name.clone()}<span class="muted">" @"{u.username.clone()}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </fieldset>
            </If>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || existing.get().map(|r| view! {
                <button type="button" class="btn btn-sm" on:click=open_existing>
                    {if r.member { format!("Open #{}", r.room.name) } else { format!("Join #{}", r.room.name) }}
                </button>
            })}
            <div class="inline-form">
                <button type="submit" class="btn btn-primary btn-sm">"Create room"</button>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// Every room of the board one is not in: the public ones to open (read
/// before joining) or join, and for a board owner the private ones too, to
/// manage.
#[component]
fn BrowseRooms(on_done: Callback<()>) -> impl IntoView {
    let live = expect_context::<Live>();
    let board = use_board_context();
    let error = RwSignal::new(None::<String>);
    let joinable: Signal<Vec<RoomSummary>> = Memo::new(move |_| {
        live.rooms
            .with(|r| r.iter().filter(|r| !r.member).cloned().collect::<Vec<_>>())
    })
    .into();
    let join = move |id: i64| {
        join_and_open(live, id, error, on_done);
    };
    view! {
        <div id="browse-rooms" class="stack browse-rooms" tabindex="-1">
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || if joinable.with(Vec::is_empty) {
                view! { <p class="muted">"You are in every public room of this board."</p> }.into_any()
            } else {
                view! {
                    <ul class="other-room-list" aria-label="Public rooms you can join">
                        {move || joinable.get().into_iter().map(|summary| {
                            let id = summary.room.id;
                            let name = summary.room.name.clone();
                            let members = summary.member_count;
                            view! {
                                <li class="other-room">
                                    <p class="other-room-name">
                                        <span aria-hidden="true">"#"</span>{name.clone()}
                                        {summary.room.archived_at.is_some().then(|| view! { <span class="tag">"archived"</span> })}
                                        <span class="muted">{format!(" · {members} member{}", if members == 1 { "" } else { "s" })}</span>
                                    </p>
                                    {(!summary.room.description.is_empty()).then(|| view! {
                                        <p class="muted small" dir="auto">{summary.room.description.clone()}</p>
                                    })}
                                    <div class="inline-form">
                                        <button type="button" class="btn btn-primary btn-sm" aria-label=format!("Join #{name}")
                                            on:click=move |_| join(id)>"Join"</button>
                                        <button type="button" class="btn btn-ghost btn-sm" aria-label=format!("Open #{name} without joining")
                                            on:click=move |_| { live.open_room(id); on_done.run(()); }>"Open"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <If when=move || board.is_owner()>
                <h3 class="small-head">"Private rooms (you manage them as an owner)"</h3>
                <OtherRooms on_joined=on_done />
            </If>
        </div>
    }
}

/// A board owner's view of the private rooms she is not in: she may
/// rename, archive, delete or join each (reading one means joining it).
#[component]
fn OtherRooms(on_joined: Callback<()>) -> impl IntoView {
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
                        people: Vec::new(),
                        read_only: false,
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
            <p class="muted">"As an owner of the board you may manage every room. Join one to read it."</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <Loading fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"None."</p>
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
    let live = expect_context::<Live>();
    // Who is in it may have changed since the room opened (people join).
    detail.refetch();
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let room = move || {
        live.rooms
            .with(|r| r.iter().find(|r| r.room.id == room_id).cloned())
    };
    // Everyone is in the board's #general, and a direct message's people
    // are fixed: nobody to add, nobody leaves.
    let is_default = move || room().is_some_and(|r| r.room.is_default || r.room.is_direct());
    let is_member = move || room().is_some_and(|r| r.member);
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
    let leave = move |_| {
        leptos::task::spawn_local(async move {
            match leave_room(room_id).await {
                // The room list follows (access changed): a public room
                // stays open to read, a private one closes.
                Ok(()) => {
                    live.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            r.member = false;
                            r.unread = 0;
                        }
                    });
                    detail.refetch();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div id="room-members" class="stack room-members" tabindex="-1">
            {move || room().filter(|r| !r.room.description.is_empty()).map(|r| view! {
                <p class="muted" dir="auto">{r.room.description}</p>
            })}
            <p class="muted small">{move || match room() {
                Some(r) if r.room.is_direct() => "A direct message: only the people in it read it, and they stay the same.",
                Some(r) if r.room.is_default => "Everyone on the board is in this room.",
                Some(r) if r.room.is_private => "Private: only the people in it can find and read it.",
                _ => "Public: everyone on the board can find, read and join it.",
            }}</p>
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
                                        <If when=move || !is_default()>
                                            <button type="button" class="btn btn-ghost btn-sm" on:click=remove
                                                aria-label=format!("Remove {} from the room", m.display_name)>"Remove"</button>
                                        </If>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            <If when=move || !is_default() && is_member()>
                <form class="inline-form" on:submit=add aria-label="Add a room member">
                    <label for="room-member" class="sr-only">"Add a board member to this room"</label>
                    <input id="room-member" node_ref=input type="text" placeholder="username" autocapitalize="none" spellcheck="false" />
                    <button type="submit" class="btn btn-sm">"Add"</button>
                </form>
                <button type="button" class="btn btn-ghost btn-sm" on:click=leave>"Leave room"</button>
            </If>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <If when=is_member>
                <Loading fallback=|| ()>
                    {Suspend::new(crate::ui::pane_piece(crate::ui::PanePiece::Conversation(
                        super::ConversationPiece::Notifications(crate::model::PrefScope::Room, room_id),
                    )))}
                </Loading>
            </If>
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
            <div class="inline-form" hidden=move || room().is_some_and(|r| r.is_default)>
                <button type="button" class="btn btn-ghost btn-sm" on:click=toggle_archive>
                    {move || if room().is_some_and(|r| r.archived_at.is_some()) { "Unarchive" } else { "Archive" }}
                </button>
                <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete room"</button>
            </div>
        </If>
    }
}
