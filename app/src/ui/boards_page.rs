//! `/boards`: the boards you are on, and a form to start a new one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use leptos::server_fn::ServerFn;

use super::common::{char_len, ActionError, CharCount, ErrorNote, FormFields, PostForm};
use super::RequireUser;
use crate::api::boards::{list_boards, CreateBoard};
use crate::model::{BoardSummary, Role};
use crate::validate::BOARD_NAME_MAX;

#[component]
pub fn BoardsPage() -> impl IntoView {
    view! {
        <Title text="Boards" />
        <RequireUser>
            <BoardList />
        </RequireUser>
    }
}

#[component]
fn BoardList() -> impl IntoView {
    let create = ServerAction::<CreateBoard>::new();
    let name_len = RwSignal::new(0);
    let live = expect_context::<super::live::Live>();
    // Reloaded when one is made here, and when someone adds you to a board
    // or removes you from one (live).
    let boards = super::json::resource(
        move || (create.version().get(), live.boards_changed.get()),
        |_| list_boards(),
    );
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Your boards"</h1>
                <PostForm url=CreateBoard::url() class="inline-form" label="Create a board"
                    submit=Callback::new(move |f: FormFields| { create.dispatch(CreateBoard { name: f.text("name") }); })>
                    <label for="new-board-name" class="sr-only">"New board name"</label>
                    <input id="new-board-name" name="name" type="text" placeholder="New board name"
                        required aria-describedby="new-board-name-count"
                        on:input=move |ev| name_len.set(char_len(&event_target_value(&ev))) />
                    <CharCount len=name_len.into() max=BOARD_NAME_MAX id="new-board-name" />
                    <button type="submit" class="btn btn-primary">"Create board"</button>
                </PostForm>
            </div>
            <ActionError value=create.value() />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match boards.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty">
                                <p>"No boards yet. Create one above, or ask a colleague to add you to theirs."</p>
                            </div>
                        }.into_any(),
                        Ok(list) => {
                            let (archived, live): (Vec<_>, Vec<_>) =
                                list.into_iter().partition(|b| b.archived_at.is_some());
                            view! {
                                <BoardTiles boards=live label="Boards" />
                                {(!archived.is_empty()).then(|| view! {
                                    <h2 class="section-title">"Archived boards"</h2>
                                    <BoardTiles boards=archived label="Archived boards" />
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// A grid of board tiles.
#[component]
fn BoardTiles(boards: Vec<BoardSummary>, label: &'static str) -> impl IntoView {
    view! {
        <ul class="board-grid" aria-label=label>
            {boards.into_iter().map(|b| view! {
                <li>
                    <A href=format!("/boards/{}", b.id) attr:class="board-tile">
                        <span class="board-tile-name">{b.name}</span>
                        <span class="board-tile-meta muted">
                            {format!("{} task{} · {} member{}",
                                b.task_count, if b.task_count == 1 { "" } else { "s" },
                                b.member_count, if b.member_count == 1 { "" } else { "s" })}
                            {(b.role == Role::Owner).then(|| view! { <span class="tag">"owner"</span> })}
                        </span>
                    </A>
                </li>
            }).collect_view()}
        </ul>
    }
}
