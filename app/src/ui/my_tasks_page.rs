//! `/my-tasks`: every card I am on, across my boards, soonest due first —
//! overdue, then today (the reader's), this week, later, without a date;
//! done cards apart at the end.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{due_label, now_and_offset, ErrorNote};
use super::RequireUser;
use crate::api::kanban::my_tasks;
use crate::model::MyTask;

#[component]
pub fn MyTasksPage() -> impl IntoView {
    view! {
        <Title text="My tasks" />
        <RequireUser>
            <MyTaskList />
        </RequireUser>
    }
}

/// Which group a card is listed in, for a reader `offset` ms ahead of UTC.
fn group_of(task: &MyTask, now: i64, offset: i64) -> usize {
    const DAY_MS: i64 = 86_400_000;
    // The end of the reader's today.
    let tonight = ((now + offset).div_euclid(DAY_MS) + 1) * DAY_MS - offset;
    match (task.task.done_at, task.task.due_at) {
        (Some(_), _) => 5,
        (None, Some(at)) if at <= now => 0,
        (None, Some(at)) if at < tonight => 1,
        (None, Some(at)) if at <= now + 7 * DAY_MS => 2,
        (None, Some(_)) => 3,
        (None, None) => 4,
    }
}

const GROUPS: [&str; 6] = [
    "Overdue",
    "Due today",
    "Due this week",
    "Later",
    "No due date",
    "Done",
];

#[component]
fn MyTaskList() -> impl IntoView {
    let live = expect_context::<super::live::Live>();
    // Read again when my boards change (added to one, removed from one).
    let tasks = super::json::resource(move || live.boards_changed.get(), |_| my_tasks());
    // The reader's clock once the page is live: until then UTC, as the
    // server renders (so the page hydrates what the server sent).
    let clock = RwSignal::new((now_and_offset().0, 0));
    Effect::new(move |_| clock.set(now_and_offset()));
    view! {
        <section class="page my-tasks">
            <div class="page-head"><h1>"My tasks"</h1></div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty"><p>"Nothing is assigned to you. Cards you are put on show up here, from every board."</p></div>
                        }.into_any(),
                        Ok(list) => (move || {
                            let (now, offset) = clock.get();
                            let mut groups: [Vec<MyTask>; 6] = Default::default();
                            for t in list.iter().cloned() {
                                groups[group_of(&t, now, offset)].push(t);
                            }
                            groups.into_iter().enumerate().filter(|(_, g)| !g.is_empty()).map(|(i, group)| view! {
                                <h2 class="section-title">{GROUPS[i]}<span class="count">{group.len()}</span></h2>
                                <ul class="my-task-list" aria-label=GROUPS[i]>
                                    {group.into_iter().map(|t| view! { <MyTaskRow task=t clock /> }).collect_view()}
                                </ul>
                            }).collect_view()
                        }).into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MyTaskRow(task: MyTask, clock: RwSignal<(i64, i64)>) -> impl IntoView {
    let t = task.task;
    let href = format!("/boards/{}/tasks/{}", t.board_id, t.id);
    let (due_at, done) = (t.due_at, t.done_at.is_some());
    let due = move || {
        let (now, offset) = clock.get();
        due_at.map(|d| due_label(d, done, now, offset))
    };
    let checklist = t.checklist;
    view! {
        <li class="my-task">
            <A href=href attr:class="my-task-title">{t.title}</A>
            <span class="small muted">{format!("{} · {}", task.board_name, task.column_name)}</span>
            <span class="my-task-meta small">
                {move || due().map(|(label, urgency)| view! { <span class=urgency.class()>{label}</span> })}
                {(checklist.total > 0).then(|| view! {
                    <span class="card-checklist" class:complete=checklist.done == checklist.total>
                        {format!("☑ {}/{}", checklist.done, checklist.total)}
                    </span>
                })}
            </span>
        </li>
    }
}
