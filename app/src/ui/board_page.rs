//! `/boards/:board_id`: the kanban board — columns, task cards, members.
//!
//! The page renders fully on the server. Once hydrated, every change is sent
//! through a server function, shown at once where that is safe (drag-and-drop
//! and keyboard moves are applied locally first), then the board is reloaded
//! from the server so what you see is what is stored.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;

use super::chat::ChatPanel;
use super::common::{browser, Avatar, ErrorNote, NotFound};
use super::live::Live;
use super::RequireUser;
use crate::api::boards::*;
use crate::error::AppError;
use crate::model::{BoardDetail, Column, ColumnPatch, Role, Task, TaskPatch};
use crate::validate::{BOARD_NAME_MAX, COLUMN_NAME_MAX, TASK_TITLE_MAX};

/// The board being shown, shared by its columns, cards and the task dialog.
#[derive(Clone, Copy)]
pub struct BoardState {
    pub board: RwSignal<BoardDetail>,
    /// The last failed change, shown in a banner.
    pub error: RwSignal<Option<String>>,
    /// Polite announcements for screen readers ("Moved … to Done").
    pub status: RwSignal<String>,
    /// The task being dragged, and where it would land (column, index).
    drag: RwSignal<Option<i64>>,
    drop_at: RwSignal<Option<(i64, i64)>>,
}

impl BoardState {
    fn new(board: BoardDetail) -> Self {
        Self {
            board: RwSignal::new(board),
            error: RwSignal::new(None),
            status: RwSignal::new(String::new()),
            drag: RwSignal::new(None),
            drop_at: RwSignal::new(None),
        }
    }

    pub fn id(self) -> i64 {
        self.board.with_untracked(|b| b.id)
    }

    pub fn is_owner(self) -> bool {
        self.board.with(|b| b.role == Role::Owner)
    }

    /// Sends a change to the server, then reloads the board from it.
    pub fn run<T: 'static>(self, call: impl Future<Output = Result<T, AppError>> + 'static) {
        self.run_then(call, |_| {});
    }

    /// Like [`run`](Self::run), with something to do after a success.
    pub fn run_then<T: 'static>(
        self,
        call: impl Future<Output = Result<T, AppError>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        spawn_local(async move {
            match call.await {
                Ok(value) => {
                    self.error.set(None);
                    then(value);
                }
                Err(e) => self.error.set(Some(e.message().to_string())),
            }
            self.reload().await;
        });
    }

    async fn reload(self) {
        match get_board(self.id()).await {
            Ok(board) => self.board.set(board),
            Err(e) => self.error.set(Some(e.message().to_string())),
        }
    }

    /// Moves a task (optimistically), announces it and keeps focus on its card.
    pub fn move_task(self, task_id: i64, column_id: i64, position: i64) {
        self.board
            .update(|b| b.move_task(task_id, column_id, position));
        let (title, column, pos) = self.board.with_untracked(|b| {
            let task = b.task(task_id);
            (
                task.map(|t| t.title.clone()).unwrap_or_default(),
                b.columns
                    .iter()
                    .find(|c| c.id == column_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                task.map_or(0, |t| t.position),
            )
        });
        self.status
            .set(format!("Moved “{title}” to {column}, position {}", pos + 1));
        let patch = TaskPatch {
            column_id: Some(column_id),
            position: Some(position),
            ..Default::default()
        };
        self.run(update_task(task_id, patch));
    }
}

/// Shows the board's rooms in the chat panel, goes live once in the browser
/// (board presence, rooms, the room a link asked for), and stops following
/// the board when the page goes away.
fn follow_board(board_id: i64, rooms: &[crate::model::RoomSummary]) {
    let live = expect_context::<Live>();
    live.show_board(board_id, rooms.to_vec());
    let query = leptos_router::hooks::use_query_map();
    let linked = move || {
        let q = query.read();
        let id = |key: &str| q.get(key).and_then(|s| s.parse::<i64>().ok());
        (id("room"), id("message"))
    };
    // Effects run only in the browser: SSR renders the room list, no room.
    Effect::new(move |entered: Option<()>| {
        let (room, message) = linked();
        if message.is_some() {
            live.focus_message.set(message);
        }
        if entered.is_none() {
            live.room.set(room);
            live.enter_board();
        } else if let Some(room) = room {
            // A notification link while already on this board.
            live.open_room(room);
        }
    });
    on_cleanup(move || live.leave_board(board_id));
}

/// The board page's state (for components rendered on the board page).
pub fn use_board() -> BoardState {
    expect_context::<BoardState>()
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let board_id = move || {
        params
            .read()
            .get("board_id")
            .and_then(|s| s.parse::<i64>().ok())
    };
    // The board and its chat rooms load together: one wait, and no nested
    // suspense boundaries to hydrate.
    let data = Resource::new(board_id, |id| async move {
        let Some(id) = id else {
            return (Err(AppError::not_found("board")), Ok(Vec::new()));
        };
        let board = get_board(id).await;
        let rooms = match &board {
            Ok(_) => crate::api::chat::list_rooms(id).await,
            Err(_) => Ok(Vec::new()),
        };
        (board, rooms)
    });
    view! {
        <RequireUser>
            <Suspense fallback=|| view! { <p class="muted pad">"Loading board…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        (Ok(board), rooms) => view! { <BoardView board rooms /> }.into_any(),
                        (Err(AppError::NotFound(_)), _) => view! { <NotFound /> }.into_any(),
                        (Err(e), _) => view! { <section class="page"><ErrorNote error=e /></section> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn BoardView(
    board: BoardDetail,
    rooms: Result<Vec<crate::model::RoomSummary>, AppError>,
) -> impl IntoView {
    let state = BoardState::new(board);
    provide_context(state);
    follow_board(state.id(), rooms.as_deref().unwrap_or_default());
    let columns = move || state.board.with(|b| b.columns.clone());
    // On the server, leptos_axum renders the head after the body, outside the
    // request's reactive arena: the title must not read a signal there (it
    // panicked under concurrent requests). In the browser it follows renames.
    let first_name = state.board.with_untracked(|b| b.name.clone());
    let title = move || {
        if cfg!(feature = "ssr") {
            first_name.clone()
        } else {
            state.board.with(|b| b.name.clone())
        }
    };
    view! {
        <Title text=title />
        <div class="board-page">
            <BoardHeader />
            <p class="sr-only" role="status" aria-live="polite">{move || state.status.get()}</p>
            {move || state.error.get().map(|message| view! {
                <div class="note note-error banner" role="alert">
                    <span>{message}</span>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| state.error.set(None)>"Dismiss"</button>
                </div>
            })}
            <div class="board-body">
                <div class="columns" aria-label="Columns">
                    <For each=columns key=|c| (c.id, c.name.clone(), c.position) let:column>
                        <ColumnView column />
                    </For>
                    <AddColumn />
                </div>
                <div class="sidebar">
                    <MembersPanel />
                    <ChatPanel rooms />
                </div>
            </div>
            <p class="hint muted">
                "Tip: drag cards between columns, or focus a card and press Alt + arrow keys to move it."
            </p>
            <Outlet />
        </div>
    }
}

#[component]
fn BoardHeader() -> impl IntoView {
    let state = use_board();
    let renaming = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = name_input.get() else {
            return;
        };
        let name = input.value();
        renaming.set(false);
        state.run(rename_board(state.id(), name));
    };
    let delete = move |_| {
        let name = state.board.with_untracked(|b| b.name.clone());
        if browser::confirm(&format!(
            "Delete the board “{name}” with all its columns and tasks? This cannot be undone."
        )) {
            state.run(delete_board(state.id()));
        }
    };
    view! {
        <div class="board-head">
            <A href="/boards" attr:class="back-link">"← Boards"</A>
            <Show
                when=move || renaming.get()
                fallback=move || view! { <h1 class="board-title">{move || state.board.with(|b| b.name.clone())}</h1> }
            >
                <form class="inline-form" on:submit=rename aria-label="Rename board">
                    <label for="board-name" class="sr-only">"Board name"</label>
                    <input id="board-name" node_ref=name_input type="text" required maxlength=BOARD_NAME_MAX
                        prop:value=move || state.board.with_untracked(|b| b.name.clone()) autofocus />
                    <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| renaming.set(false)>"Cancel"</button>
                </form>
            </Show>
            <Show when=move || state.is_owner() && !renaming.get()>
                <div class="board-actions">
                    <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| renaming.set(true)>"Rename"</button>
                    <button type="button" class="btn btn-danger btn-sm" on:click=delete>"Delete board"</button>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn ColumnView(column: Column) -> impl IntoView {
    let state = use_board();
    let column_id = column.id;
    let heading_id = format!("column-{column_id}-name");
    let renaming = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let title_input = NodeRef::<leptos::html::Input>::new();
    let tasks = move || {
        state
            .board
            .with(|b| b.tasks_in(column_id).cloned().collect::<Vec<_>>())
    };
    let count = move || state.board.with(|b| b.tasks_in(column_id).count());
    let position = column.position;
    let column_name = column.name.clone();

    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = name_input.get() else {
            return;
        };
        renaming.set(false);
        let patch = ColumnPatch {
            name: Some(input.value()),
            position: None,
        };
        state.run(update_column(column_id, patch));
    };
    let shift = move |by: i64| {
        let patch = ColumnPatch {
            name: None,
            position: Some(position + by),
        };
        state.run_then(update_column(column_id, patch), move |_| {
            browser::focus_soon(format!("column-{column_id}-menu"));
        });
    };
    let name_for_delete = column.name.clone();
    let delete = move |_| {
        let n = count();
        let msg = if n == 0 {
            format!("Delete the column “{name_for_delete}”?")
        } else {
            format!(
                "Delete the column “{name_for_delete}” and its {n} task(s)? This cannot be undone."
            )
        };
        if browser::confirm(&msg) {
            state.run(delete_column(column_id));
        }
    };
    let add_task = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = title_input.get() else {
            return;
        };
        let title = input.value();
        if title.trim().is_empty() {
            return;
        }
        input.set_value("");
        state.run(create_task(state.id(), column_id, title, None));
    };

    // Drag-and-drop: dropping on the list's empty space appends to the column.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if state.drag.get_untracked().is_some() {
            ev.prevent_default();
            let end = count() as i64;
            if state.drop_at.get_untracked().map(|(c, _)| c) != Some(column_id) {
                state.drop_at.set(Some((column_id, end)));
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let (Some(task_id), Some((col, index))) =
            (state.drag.get_untracked(), state.drop_at.get_untracked())
        {
            state.move_task(task_id, col, index);
        }
        state.drag.set(None);
        state.drop_at.set(None);
    };
    let is_drop_target = move || state.drop_at.get().map(|(c, _)| c) == Some(column_id);

    view! {
        <section class="column" aria-labelledby=heading_id.clone() class:drop-target=is_drop_target>
            <header class="column-head">
                <Show
                    when=move || renaming.get()
                    fallback={
                        let heading_id = heading_id.clone();
                        let name = column.name.clone();
                        move || view! {
                            <h2 id=heading_id.clone() class="column-title">
                                {name.clone()} <span class="count" aria-label=move || format!("{} tasks", count())>{count}</span>
                            </h2>
                        }
                    }
                >
                    <form class="inline-form" on:submit=rename aria-label="Rename column">
                        <label class="sr-only" for=format!("column-{column_id}-rename")>"Column name"</label>
                        <input id=format!("column-{column_id}-rename") node_ref=name_input type="text" required
                            maxlength=COLUMN_NAME_MAX prop:value=column_name.clone() autofocus />
                        <button type="submit" class="btn btn-primary btn-sm">"Save"</button>
                    </form>
                </Show>
                <details class="column-menu">
                    <summary id=format!("column-{column_id}-menu") aria-label=format!("Column actions for {}", column.name)>"⋯"</summary>
                    <div class="menu">
                        <button type="button" class="menu-item" on:click=move |_| renaming.set(true)>"Rename"</button>
                        <button type="button" class="menu-item" disabled=move || position == 0 on:click=move |_| shift(-1)>"Move left"</button>
                        <button type="button" class="menu-item" disabled=move || position + 1 >= state.board.with(|b| b.columns.len() as i64) on:click=move |_| shift(1)>"Move right"</button>
                        <button type="button" class="menu-item danger" on:click=delete>"Delete column"</button>
                    </div>
                </details>
            </header>
            <ol class="cards" on:dragover=on_dragover on:drop=on_drop aria-label=format!("Tasks in {}", column.name)>
                <For each=tasks key=|t| (t.id, t.position, t.column_id, t.title.clone(), t.assignee_id) let:task>
                    <TaskCard task />
                </For>
            </ol>
            <form class="add-task" on:submit=add_task aria-label=format!("Add a task to {}", column.name)>
                <label class="sr-only" for=format!("new-task-{column_id}")>{format!("New task in {}", column.name)}</label>
                <input id=format!("new-task-{column_id}") node_ref=title_input type="text" placeholder="Add a task…"
                    maxlength=TASK_TITLE_MAX />
                <button type="submit" class="btn btn-sm">"Add"</button>
            </form>
        </section>
    }
}

#[component]
fn TaskCard(task: Task) -> impl IntoView {
    let state = use_board();
    let (id, column_id, position) = (task.id, task.column_id, task.position);
    let assignee = state.board.with_untracked(|b| {
        task.assignee_id
            .and_then(|a| b.member(a))
            .map(|m| m.user.display_name.clone())
    });
    let href = format!("/boards/{}/tasks/{id}", task.board_id);

    let on_dragstart = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &id.to_string());
            dt.set_effect_allowed("move");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
        state.drag.set(Some(id));
    };
    let on_dragend = move |_| {
        state.drag.set(None);
        state.drop_at.set(None);
    };
    // Hovering a card: the dragged card takes this card's place, which moves aside.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        let Some(dragged) = state.drag.get_untracked() else {
            return;
        };
        ev.prevent_default();
        ev.stop_propagation();
        let _ = dragged;
        if state.drop_at.get_untracked() != Some((column_id, position)) {
            state.drop_at.set(Some((column_id, position)));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.alt_key() {
            return;
        }
        let (columns, len) = state.board.with_untracked(|b| {
            (
                b.columns.iter().map(|c| c.id).collect::<Vec<_>>(),
                b.tasks_in(column_id).count() as i64,
            )
        });
        let col_idx = columns.iter().position(|&c| c == column_id).unwrap_or(0);
        let target = match ev.key().as_str() {
            "ArrowUp" if position > 0 => Some((column_id, position - 1)),
            "ArrowDown" if position + 1 < len => Some((column_id, position + 1)),
            "ArrowLeft" if col_idx > 0 => Some((columns[col_idx - 1], position)),
            "ArrowRight" if col_idx + 1 < columns.len() => Some((columns[col_idx + 1], position)),
            _ => None,
        };
        if let Some((to_column, to_position)) = target {
            ev.prevent_default();
            state.move_task(id, to_column, to_position);
            browser::focus_soon(format!("task-{id}"));
        }
    };
    let dragging = move || state.drag.get() == Some(id);
    let drop_here =
        move || state.drop_at.get() == Some((column_id, position)) && state.drag.get() != Some(id);
    view! {
        <li class="card-slot" class:drop-here=drop_here on:dragover=on_dragover>
            <A href=href attr:id=format!("task-{id}") attr:class=move || if dragging() { "card dragging" } else { "card" }
                attr:draggable="true" on:dragstart=on_dragstart on:dragend=on_dragend on:keydown=on_keydown
                attr:data-task-id=id.to_string()
                attr:aria-describedby="card-help">
                <span class="card-title">{task.title.clone()}</span>
                {(!task.description.is_empty()).then(|| view! { <span class="card-desc-mark" title="Has a description">"≡"</span> })}
                {assignee.map(|name| view! {
                    <span class="card-assignee"><Avatar name=name.clone() small=true /><span class="sr-only">{format!("Assigned to {name}")}</span></span>
                })}
            </A>
        </li>
    }
}

#[component]
fn AddColumn() -> impl IntoView {
    let state = use_board();
    let input = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let name = el.value();
        if name.trim().is_empty() {
            return;
        }
        el.set_value("");
        state.run(create_column(state.id(), name));
    };
    view! {
        <section class="column column-new" aria-label="Add a column">
            <span id="card-help" class="sr-only">"Press Alt and an arrow key to move this card."</span>
            <form class="stack" on:submit=submit>
                <label for="new-column-name">"New column"</label>
                <input id="new-column-name" node_ref=input type="text" placeholder="Column name" maxlength=COLUMN_NAME_MAX />
                <button type="submit" class="btn btn-sm">"Add column"</button>
            </form>
        </section>
    }
}

#[component]
fn MembersPanel() -> impl IntoView {
    let state = use_board();
    let input = NodeRef::<leptos::html::Input>::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let username = el.value();
        if username.trim().is_empty() {
            return;
        }
        el.set_value("");
        let board_id = state.id();
        state.run_then(add_member(board_id, username), move |m| {
            state
                .status
                .set(format!("Added {} to the board", m.user.display_name));
        });
    };
    let members = move || state.board.with(|b| b.members.clone());
    let live = expect_context::<Live>();
    let live_online = move |user_id: i64| live.board_online.with(|o| o.contains(&user_id));
    let navigate = leptos_router::hooks::use_navigate();
    let leave = move |_| {
        if !browser::confirm("Leave this board? You will lose access to it.") {
            return;
        }
        let (board_id, me) = state.board.with_untracked(|b| (b.id, b.viewer_id));
        let navigate = navigate.clone();
        spawn_local(async move {
            match remove_member(board_id, me).await {
                Ok(()) => navigate("/boards", Default::default()),
                Err(e) => state.error.set(Some(e.message())),
            }
        });
    };
    view! {
        <aside class="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members " <span class="count">{move || state.board.with(|b| b.members.len())}</span></h2>
            <ul class="member-list">
                <For each=members key=|m| (m.user.id, m.role) let:member>
                    {
                        let user_id = member.user.id;
                        let name = member.user.display_name.clone();
                        let is_owner_row = member.role == Role::Owner;
                        let remove = {
                            let name = name.clone();
                            move |_| {
                                if browser::confirm(&format!("Remove {name} from this board?")) {
                                    state.run(remove_member(state.id(), user_id));
                                }
                            }
                        };
                        let online = move || live_online(user_id);
                        view! {
                            <li class="member" class:online=online>
                                <span class="who-item" class:online=online>
                                    <Avatar name=name.clone() />
                                    <span class="dot" aria-hidden="true"></span>
                                </span>
                                <span class="sr-only">{move || if online() { "online" } else { "offline" }}</span>
                                <span class="member-name">
                                    {name.clone()}
                                    <span class="muted">" @"{member.user.username.clone()}</span>
                                </span>
                                {is_owner_row.then(|| view! { <span class="tag">"owner"</span> })}
                                <Show when=move || state.is_owner() && !is_owner_row>
                                    <button type="button" class="btn btn-ghost btn-sm" on:click=remove.clone()
                                        aria-label=format!("Remove {}", name)>"Remove"</button>
                                </Show>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || state.is_owner()>
                <form class="stack" on:submit=add aria-label="Add a member">
                    <label for="add-member">"Add a member by username"</label>
                    <div class="inline-form">
                        <input id="add-member" node_ref=input type="text" placeholder="username"
                            autocapitalize="none" spellcheck="false" />
                        <button type="submit" class="btn btn-sm">"Add"</button>
                    </div>
                </form>
            </Show>
            <Show when=move || !state.is_owner()>
                <button type="button" class="btn btn-ghost btn-sm" on:click=leave.clone()>"Leave board"</button>
            </Show>
        </aside>
    }
}
