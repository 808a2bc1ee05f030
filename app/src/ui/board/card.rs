//! A task's card: a link to its dialog, draggable, and movable with Alt +
//! arrow keys; it shows who else is moving it right now.

use leptos::prelude::*;
use leptos_router::components::A;

use super::shared::{use_board, use_board_ui, FailureNote};
use super::state::Spot;
use crate::model::Task;
use crate::ui::common::{browser, Avatar, Item};

#[component]
pub fn TaskCard(task: Item<Task>) -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let (id, board_id) = task.with_untracked(|t| (t.id, t.board_id));
    let place = move || task.with(|t| (t.column_id, t.position));
    let assignee = move || {
        let assignee_id = task.with(|t| t.assignee_id)?;
        state
            .board
            .with(|b| b.member(assignee_id).map(|m| m.user.display_name.clone()))
    };
    let href = format!("/boards/{board_id}/tasks/{id}");
    let comments = move || task.with(|t| t.comment_count);
    // Someone else holding this card right now.
    let mover = move || state.mover_of(id).map(|u| u.display_name);

    let on_dragstart = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &id.to_string());
            dt.set_effect_allowed("move");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
        ui.hold(state, Some(id));
    };
    // What others changed while the card was held shows now.
    let on_dragend = move |_| ui.hold(state, None);
    // Hovering a card: the card's midpoint decides whether the dragged card
    // goes above or below it.
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        let Some(held) = ui.drag.get_untracked() else {
            return;
        };
        ev.prevent_default();
        ev.stop_propagation();
        let (column_id, position) = task.with_untracked(|t| (t.column_id, t.position));
        let from = state
            .board
            .with_untracked(|b| b.task(held).map(|t| (t.column_id, t.position)));
        let here = Some((
            column_id,
            drop_index(position, below_middle(&ev), from, column_id),
        ));
        if ui.drop_at.get_untracked() != here {
            ui.drop_at.set(here);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.alt_key() {
            return;
        }
        let (column_id, position) = task.with_untracked(|t| (t.column_id, t.position));
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
            ui.move_card(state, id, to_column, to_position);
            browser::focus_soon(format!("task-{id}"));
        }
    };
    let dragging = move || ui.drag.get() == Some(id);
    // The line shows above the card the dropped one will sit above.
    let drop_here = move || {
        let Some(held) = ui.drag.get().filter(|h| *h != id) else {
            return false;
        };
        let Some((column_id, index)) = ui.drop_at.get() else {
            return false;
        };
        let from = state
            .board
            .with_untracked(|b| b.task(held).map(|t| (t.column_id, t.position)));
        let above = match from {
            Some((c, p)) if c == column_id && p <= index => index + 1,
            _ => index,
        };
        place() == (column_id, above)
    };
    view! {
        <li class="card-slot" class:drop-here=drop_here on:dragover=on_dragover>
            <A href=href attr:id=format!("task-{id}")
                attr:class=move || match (dragging(), state.arrived.with(|a| a.contains(&id))) {
                    (true, _) => "card dragging",
                    (false, true) => "card arrived",
                    _ => "card",
                }
                attr:draggable="true" on:dragstart=on_dragstart on:dragend=on_dragend on:keydown=on_keydown
                attr:data-task-id=id.to_string()
                attr:aria-describedby="card-help">
                <span class="card-title" dir="auto">{move || task.with(|t| t.title.clone())}</span>
                {move || mover().map(|name| view! {
                    <span class="card-moving" aria-hidden="true">{format!("{name} is moving this")}</span>
                })}
                <span class="card-meta">
                    {move || task.with(|t| !t.description.is_empty()).then(|| view! {
                        <span class="card-desc-mark" title="Has a description">"≡"<span class="sr-only">", has a description"</span></span>
                    })}
                    {move || {
                        let n = comments();
                        (n > 0).then(|| view! {
                            <span class="card-comments" title=format!("{n} comment(s)")>
                                <span aria-hidden="true">"💬 "</span>{n}
                                <span class="sr-only">{if n == 1 { " comment" } else { " comments" }}</span>
                            </span>
                        })
                    }}
                    {move || assignee().map(|name| view! {
                        <span class="card-assignee"><Avatar name=name.clone() small=true /><span class="sr-only">{format!(", assigned to {name}")}</span></span>
                    })}
                </span>
            </A>
            <FailureNote at=Spot::Card(id) />
        </li>
    }
}

/// Whether the pointer is over the lower half of the card it is over.
fn below_middle(ev: &leptos::ev::DragEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        ev.current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|el| {
                let rect = el.get_bounding_client_rect();
                f64::from(ev.client_y()) > rect.top() + rect.height() / 2.0
            })
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Where a card dropped on the card at `position` ends up: just above it,
/// or just below it (`below`), counting without the dragged card itself
/// when it comes from the same column (`from`: its column and position).
pub(super) fn drop_index(
    position: i64,
    below: bool,
    from: Option<(i64, i64)>,
    column_id: i64,
) -> i64 {
    let slot = position + i64::from(below);
    match from {
        Some((c, p)) if c == column_id && p < position => slot - 1,
        _ => slot,
    }
}

#[cfg(test)]
mod tests {
    use super::drop_index;

    #[test]
    fn the_midpoint_decides_above_or_below() {
        // From another column: above card 2 is 2, below it is 3.
        assert_eq!(drop_index(2, false, Some((9, 0)), 1), 2);
        assert_eq!(drop_index(2, true, Some((9, 0)), 1), 3);
        // From higher up in the same column (0): it leaves a gap above.
        assert_eq!(drop_index(2, false, Some((1, 0)), 1), 1);
        assert_eq!(drop_index(2, true, Some((1, 0)), 1), 2);
        // From further down (4): nothing shifts above.
        assert_eq!(drop_index(2, false, Some((1, 4)), 1), 2);
        assert_eq!(drop_index(2, true, Some((1, 4)), 1), 3);
    }
}
