//! The bar over the columns that filters the cards, and says how many show
//! ("3 of 42 cards shown · Clear"). What it sets goes into the page's
//! address (replacing the entry: the back button still leaves the board).
//! Part of the board's late chunk (`extras`).

use leptos::prelude::*;

use super::filter::{CardFilter, Due, Progress, Who};
use super::shared::{use_board, use_board_ui};
use crate::ui::common::If;

#[component]
pub fn FilterBar() -> impl IntoView {
    let state = use_board();
    let ui = use_board_ui();
    let navigate = leptos_router::hooks::use_navigate();
    let location = leptos_router::hooks::use_location();
    let set = move |change: &dyn Fn(&mut CardFilter)| {
        ui.filter.update(|f| change(f));
        let path = location.pathname.get_untracked();
        navigate(
            &format!("{path}{}", ui.filter_query()),
            leptos_router::NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let set = StoredValue::new_local(set);
    let update = move |change: &dyn Fn(&mut CardFilter)| set.with_value(|s| s(change));
    let counts = move || {
        state.board.with(|b| {
            let shown = b.tasks.iter().filter(|t| ui.shows(state, t)).count();
            (shown, b.tasks.len())
        })
    };
    let text = move || ui.filter.with(|f| f.text.clone());
    let who = move || match ui.filter.with(|f| f.who) {
        Who::Anyone => String::new(),
        Who::Me => "me".into(),
        Who::Nobody => "nobody".into(),
        Who::Member(id) => id.to_string(),
    };
    let due = move || match ui.filter.with(|f| f.due) {
        Due::Any => "",
        Due::Overdue => "overdue",
        Due::Week => "week",
        Due::None => "none",
    };
    let done = move || match ui.filter.with(|f| f.done) {
        Progress::Any => "",
        Progress::Open => "open",
        Progress::Done => "done",
    };
    let label_on = move |id: i64| ui.filter.with(|f| f.labels.contains(&id));
    let label_count = move || ui.filter.with(|f| f.labels.len());
    view! {
        <div class="filter-bar" role="search" aria-label="Filter cards">
            <label for="filter-text" class="sr-only">"Filter cards by text"</label>
            <input id="filter-text" type="search" placeholder="Filter cards…" prop:value=text
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    update(&move |f| f.text = typed.trim().to_string());
                } />
            <details class="filter-labels">
                <summary class="btn btn-sm">
                    {move || match label_count() {
                        0 => "Labels".to_string(),
                        n => format!("Labels ({n})"),
                    }}
                </summary>
                <div class="filter-popover" role="group" aria-label="Show cards with any of these labels">
                    {move || state.board.with(|b| b.labels.iter().map(|l| {
                        let lid = l.id;
                        view! {
                            <label for=format!("filter-label-{lid}") class="check">
                                <input type="checkbox" id=format!("filter-label-{lid}") prop:checked=move || label_on(lid)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        update(&move |f| {
                                            f.labels.retain(|x| *x != lid);
                                            if on { f.labels.push(lid) }
                                        });
                                    } />
                                <span class=format!("label-chip label-{}", l.color.as_str())>{l.name.clone()}</span>
                            </label>
                        }
                    }).collect_view())}
                    {move || state.board.with(|b| b.labels.is_empty()).then(|| view! {
                        <p class="muted small">"No labels yet: add them from a card."</p>
                    })}
                </div>
            </details>
            <label for="filter-who" class="sr-only">"Assignee"</label>
            <select id="filter-who" prop:value=who on:change=move |ev| {
                let v = event_target_value(&ev);
                let w = match v.as_str() {
                    "me" => Who::Me,
                    "nobody" => Who::Nobody,
                    id => id.parse().map_or(Who::Anyone, Who::Member),
                };
                update(&move |f| f.who = w);
            }>
                <option value="">"Anyone"</option>
                <option value="me">"Only my cards"</option>
                <option value="nobody">"Unassigned"</option>
                {move || state.board.with(|b| b.members.iter().map(|m| view! {
                    <option value=m.user.id.to_string()>{m.user.display_name.clone()}</option>
                }).collect_view())}
            </select>
            <label for="filter-due" class="sr-only">"Due date"</label>
            <select id="filter-due" prop:value=due on:change=move |ev| {
                let d = Due::from_param(&event_target_value(&ev));
                update(&move |f| f.due = d);
            }>
                <option value="">"Any due date"</option>
                <option value="overdue">"Overdue"</option>
                <option value="week">"Due this week"</option>
                <option value="none">"No due date"</option>
            </select>
            <label for="filter-done" class="sr-only">"Done"</label>
            <select id="filter-done" prop:value=done on:change=move |ev| {
                let d = Progress::from_param(&event_target_value(&ev));
                update(&move |f| f.done = d);
            }>
                <option value="">"Done or not"</option>
                <option value="open">"Not done"</option>
                <option value="done">"Done"</option>
            </select>
            <If when=move || !ui.filter.with(CardFilter::is_empty)>
                <p class="filter-count" role="status" id="filter-count">
                    {move || {
                        let (shown, all) = counts();
                        format!("{shown} of {all} cards shown")
                    }}
                    " · "
                    <button type="button" class="link-button" id="filter-clear"
                        on:click=move |_| {
                            update(&|f| *f = CardFilter::default());
                            crate::ui::common::browser::focus_soon("filter-text".into());
                        }>"Clear"</button>
                </p>
            </If>
        </div>
    }
}
