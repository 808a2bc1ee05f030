//! The owners' invite links: make one (how long it lasts, how many people
//! it lets in), copy it, see who used the others, revoke them. Part of the
//! Members tab's code (`ui::pane_piece`).

use leptos::prelude::*;

use crate::api::invites::{create_invite, list_invites, revoke_invite};
use crate::model::Invite;
use crate::ui::common::{browser, day, ErrorNote, Loading, Modal};

pub(super) fn invites_view(board_id: i64, on_close: Callback<()>) -> AnyView {
    view! {
        <Modal title="Invite people" focus="invite-days" on_close>
            <InviteLinks board_id />
        </Modal>
    }
    .into_any()
}

#[component]
fn InviteLinks(board_id: i64) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let links = LocalResource::new(move || {
        version.track();
        list_invites(board_id)
    });
    let made = RwSignal::new(None::<Invite>);
    let error = RwSignal::new(None::<String>);
    let days = RwSignal::new(7i64);
    let uses = RwSignal::new(10i64);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (d, u) = (days.get_untracked(), uses.get_untracked());
        leptos::task::spawn_local(async move {
            match create_invite(board_id, Some(d), Some(u)).await {
                Ok(invite) => {
                    error.set(None);
                    made.set(Some(invite));
                    version.update(|v| *v += 1);
                    browser::focus_soon("invite-url".into());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let revoke = move |invite_id: i64| {
        leptos::task::spawn_local(async move {
            match revoke_invite(board_id, invite_id).await {
                Ok(()) => {
                    if made.with_untracked(|m| m.as_ref().is_some_and(|m| m.id == invite_id)) {
                        made.set(None);
                    }
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <div class="stack invites">
            <p class="muted">"Anyone with a link can join this board as a member — also when sign-up is closed on this server. Send it to the people you mean."</p>
            <form class="stack" on:submit=create aria-label="New invite link">
                <div class="inline-form">
                    <label for="invite-days">"Works for"</label>
                    <select id="invite-days" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(7))>
                        <option value="1">"1 day"</option>
                        <option value="7" selected>"7 days"</option>
                        <option value="30">"30 days"</option>
                        <option value="90">"90 days"</option>
                    </select>
                    <label for="invite-uses">"for up to"</label>
                    <input id="invite-uses" type="number" min="1" max="1000" value="10" class="narrow-number"
                        on:input=move |ev| uses.set(event_target_value(&ev).parse().unwrap_or(10)) />
                    <span>"people"</span>
                </div>
                <button type="submit" class="btn btn-primary btn-sm">"Create invite link"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || made.get().and_then(|m| m.url).map(|url| {
                let copy = url.clone();
                view! {
                    <div class="stack new-link" role="status">
                        <label for="invite-url">"Your new link (shown only now: copy it)"</label>
                        <div class="inline-form">
                            <input id="invite-url" type="text" readonly prop:value=url
                                on:focus=move |ev| {
                                    use wasm_bindgen::JsCast;
                                    if let Some(el) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) {
                                        el.select();
                                    }
                                } />
                            <button type="button" class="btn btn-sm" on:click=move |_| browser::copy_text(&copy)>"Copy"</button>
                        </div>
                    </div>
                }
            })}
            <h3 class="small-head">"Links"</h3>
            <Loading fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match links.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No links yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="invite-list" aria-label="Invite links">
                                {list.into_iter().map(|i| {
                                    let id = i.id;
                                    let state = link_state(&i);
                                    let live = state.is_none();
                                    view! {
                                        <li class="invite">
                                            <span>{format!("Made {} · {} of {} used · until {}", day(i.created_at), i.uses, i.max_uses, day(i.expires_at))}</span>
                                            {state.map(|s| view! { <span class="tag">{s}</span> })}
                                            {live.then(|| view! {
                                                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| revoke(id)
                                                    aria-label=format!("Revoke the link made {}", day(i.created_at))>"Revoke"</button>
                                            })}
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

/// Why a link no longer lets anyone in, if it does not.
fn link_state(i: &Invite) -> Option<&'static str> {
    if i.revoked {
        Some("revoked")
    } else if i.uses >= i.max_uses {
        Some("used up")
    } else if i.expires_at <= now_ms() {
        Some("expired")
    } else {
        None
    }
}

fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}
