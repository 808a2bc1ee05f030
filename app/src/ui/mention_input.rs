//! A textarea with @mention autocomplete, used by every composer (chat
//! messages, task comments, comment edits).
//!
//! Typing `@` and letters shows the board members that match (best first, at
//! most 8, fetched after a short pause). ↑/↓ move, Enter or Tab pick, Esc
//! closes; the mouse works too. It follows the ARIA combobox pattern, so
//! screen readers announce the active suggestion.

use leptos::prelude::*;

use super::common::{Avatar, If};
use crate::api::comments::suggest_mentions;
use crate::mentions::typing_at;
use crate::model::User;

/// Sizes a textarea to its text (the stylesheet caps it at about ten lines,
/// then it scrolls).
pub fn fit_to_content(el: &leptos::web_sys::HtmlTextAreaElement) {
    #[cfg(feature = "hydrate")]
    {
        let style = web_sys::HtmlElement::style(el);
        let _ = style.set_property("height", "auto");
        let _ = style.set_property("height", &format!("{}px", el.scroll_height() + 2));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

/// Wait this long after the last keystroke before asking the server.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const SUGGEST_DEBOUNCE_MS: u32 = 120;

/// UTF-16 offset (what the DOM's selection uses) to a byte offset in `text`.
fn utf16_to_byte(text: &str, offset: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= offset {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

fn byte_to_utf16(text: &str, byte: usize) -> u32 {
    text[..byte.min(text.len())]
        .chars()
        .map(|c| c.len_utf16() as u32)
        .sum()
}

/// Replaces the `@prefix` before the caret with `@username ` and returns the
/// new text and caret (byte offset).
pub fn complete(text: &str, caret: usize, username: &str) -> Option<(String, usize)> {
    let (at, _) = typing_at(text, caret)?;
    let inserted = format!("@{username} ");
    let rest = text[caret..].strip_prefix(' ').unwrap_or(&text[caret..]);
    let new_text = format!("{}{inserted}{rest}", &text[..at]);
    Some((new_text, at + inserted.len()))
}

#[component]
pub fn MentionTextarea(
    /// The textarea's id (its `<label for>` is the caller's).
    #[prop(into)]
    id: String,
    board_id: i64,
    node_ref: NodeRef<leptos::html::Textarea>,
    #[prop(into)] placeholder: Signal<String>,
    #[prop(default = 2)] rows: u32,
    #[prop(optional, into)] initial: String,
    #[prop(optional, into)] maxlength: Option<usize>,
    /// Enter without Shift (and no suggestion open).
    on_enter: Callback<()>,
    /// After each edit: whether the text is non-empty (typing hints).
    #[prop(optional, into)]
    on_change: Option<Callback<bool>>,
    #[prop(optional, into)] on_blur: Option<Callback<()>>,
    /// Open the suggestions above the field (composers at the bottom of a panel).
    #[prop(optional)]
    above: bool,
    /// Whether a suggested person is outside the place written to (a room
    /// they are not in): marked, as they will not be notified.
    #[prop(default = None)]
    outside: Option<Callback<i64, bool>>,
    /// ↑ in the empty field (a chat's composer: edit your last message).
    #[prop(default = None)]
    on_up_empty: Option<Callback<()>>,
) -> impl IntoView {
    let suggestions = RwSignal::new(Vec::<User>::new());
    let active = RwSignal::new(0usize);
    let generation = StoredValue::new(0u64);
    let list_id = format!("{id}-mentions");
    let option_id = {
        let list_id = list_id.clone();
        move |i: usize| format!("{list_id}-{i}")
    };
    let open = move || suggestions.with(|s| !s.is_empty());
    let close = move || {
        generation.update_value(|g| *g += 1);
        suggestions.set(Vec::new());
    };

    let caret_bytes = move || -> Option<(String, usize)> {
        let el = node_ref.get_untracked()?;
        let text = el.value();
        let caret = el.selection_start().ok().flatten().unwrap_or(0);
        let byte = utf16_to_byte(&text, caret);
        Some((text, byte))
    };

    let lookup = move || {
        let Some((text, caret)) = caret_bytes() else {
            return;
        };
        let Some((_, typed)) = typing_at(&text, caret) else {
            close();
            return;
        };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            gloo_timers::future::TimeoutFuture::new(SUGGEST_DEBOUNCE_MS).await;
            if generation.get_value() != mine {
                return;
            }
            let found = suggest_mentions(board_id, typed).await.unwrap_or_default();
            if generation.get_value() == mine {
                active.set(0);
                suggestions.set(found);
            }
        });
    };

    let pick = move |user: User| {
        let (Some(el), Some((text, caret))) = (node_ref.get_untracked(), caret_bytes()) else {
            return;
        };
        if let Some((new_text, new_caret)) = complete(&text, caret, &user.username) {
            el.set_value(&new_text);
            let pos = byte_to_utf16(&new_text, new_caret);
            let _ = el.set_selection_range(pos, pos);
            let _ = el.focus();
            if let Some(cb) = on_change {
                cb.run(true);
            }
        }
        close();
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let n = suggestions.with(Vec::len);
        if n > 0 {
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % n);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + n - 1) % n);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() => {
                    ev.prevent_default();
                    let chosen = suggestions.with(|s| s.get(active.get_untracked()).cloned());
                    if let Some(user) = chosen {
                        pick(user);
                    }
                    return;
                }
                "Escape" => {
                    // Closes the list only (the dialog around stays open).
                    ev.prevent_default();
                    ev.stop_propagation();
                    close();
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            on_enter.run(());
        }
        if let (Some(up), "ArrowUp") = (on_up_empty, ev.key().as_str()) {
            let empty = node_ref
                .get_untracked()
                .is_some_and(|el| el.value().is_empty());
            if empty && !ev.shift_key() && !ev.alt_key() && !ev.ctrl_key() && !ev.meta_key() {
                ev.prevent_default();
                up.run(());
            }
        }
    };
    let on_input = move |_| {
        if let Some(el) = node_ref.get_untracked() {
            fit_to_content(&el);
        }
        lookup();
        if let Some(cb) = on_change {
            let empty = node_ref
                .get_untracked()
                .map(|el| el.value().trim().is_empty())
                .unwrap_or(true);
            cb.run(!empty);
        }
    };
    // A field removed while it has the focus (a replies pane closed with
    // Esc) is blurred after its state is gone: nothing to close then.
    // A field removed while it has the focus (a replies pane closed with
    // Esc) is blurred after its state and callbacks are gone: nothing to
    // close then. (`try_set` hands the value back when the signal is gone.)
    let blur = move |_| {
        if suggestions.try_set(Vec::new()).is_none() {
            generation.try_update_value(|g| *g += 1);
        }
        if let Some(cb) = on_blur {
            cb.try_run(());
        }
    };

    let active_descendant = {
        let option_id = option_id.clone();
        move || open().then(|| option_id(active.get()))
    };
    let list_id_attr = list_id.clone();
    // A field that starts with text (a draft, a comment being edited) fits it.
    if !initial.is_empty() {
        Effect::new(move |_| {
            if let Some(el) = node_ref.get() {
                request_animation_frame(move || fit_to_content(&el));
            }
        });
    }
    view! {
        <div class="mention-field">
            <textarea id=id node_ref=node_ref rows=rows maxlength=maxlength
                placeholder=move || placeholder.get()
                title="Enter sends · Shift+Enter adds a line · @ mentions someone"
                aria-autocomplete="list" aria-controls=move || open().then(|| list_id_attr.clone())
                aria-activedescendant=active_descendant
                data-suggesting=move || open().to_string()
                prop:value=initial
                on:keydown=on_keydown on:input=on_input on:click=move |_| lookup() on:blur=blur
            ></textarea>
            <If when=open>
                <ul id=list_id.clone() class="mention-menu" class:above=above role="listbox" aria-label="People to mention">
                    {
                        let option_id = option_id.clone();
                        move || suggestions.get().into_iter().enumerate().map(|(i, user)| {
                            let chosen = user.clone();
                            view! {
                                <li id=option_id(i) role="option" class="mention-option"
                                    class:active=move || active.get() == i
                                    aria-selected=move || (active.get() == i).to_string()
                                    on:mousedown=move |ev| { ev.prevent_default(); pick(chosen.clone()); }
                                    on:mouseenter=move |_| active.set(i)>
                                    <Avatar name=user.display_name.clone() small=true />
                                    <span class="mention-name">{user.display_name.clone()}</span>
                                    <span class="muted">"@"{user.username.clone()}</span>
                                    {outside.is_some_and(|o| o.run(user.id)).then(|| view! {
                                        <span class="tag">"not in this room"</span>
                                    })}
                                </li>
                            }
                        }).collect_view()
                    }
                </ul>
            </If>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completing_replaces_the_typed_prefix() {
        assert_eq!(
            complete("hi @bo", 6, "bob"),
            Some(("hi @bob ".to_string(), 8))
        );
        assert_eq!(
            complete("hi @bo and", 6, "bob"),
            Some(("hi @bob and".to_string(), 8)),
            "no double space"
        );
        assert_eq!(complete("no mention", 3, "bob"), None);
    }

    #[test]
    fn offsets_convert_between_utf16_and_bytes() {
        let text = "é🎉@b";
        assert_eq!(utf16_to_byte(text, 3), "é🎉".len());
        assert_eq!(byte_to_utf16(text, "é🎉".len()), 3);
        assert_eq!(utf16_to_byte(text, 99), text.len());
    }
}
