//! Texts typed in this tab and not acknowledged yet. Each gets its own
//! `client_id` when typed and keeps it through reconnects, retries and the
//! HTTP fallback: the server stores a text once whatever the number of
//! tries, and answers a repeat with the stored one. They go in the order
//! they were typed (over HTTP one at a time, so the order holds there too).
//!
//! They are also kept in the browser (localStorage, per user) until
//! acknowledged: a reload or a closed tab loses none, and the next tab of
//! that user sends them — once, under the same `client_id`.

use leptos::prelude::*;

use super::{Live, LiveStatus, Target};
use crate::error::AppError;
use crate::protocol::ClientFrame;

/// Where an outgoing text stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutState {
    Sending,
    /// Offline: it goes out when the connection is back.
    Waiting,
    Failed(String),
}

/// A text typed in this tab that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub target: Target,
    pub content: String,
    /// A reply: its root's id, and whether it is also sent to the room.
    pub reply_to: Option<(i64, bool)>,
    pub state: OutState,
}

impl Live {
    /// Queues a text and sends it (now, or when the connection is back).
    pub fn send(self, target: Target, content: String) {
        self.send_reply(target, content, None);
    }

    /// [`Live::send`], as a reply to a room message (root id, also to the
    /// room) when `reply_to` is given.
    pub fn send_reply(self, target: Target, content: String, reply_to: Option<(i64, bool)>) {
        let client_id = self.inner.try_update_value(|i| {
            i.next_client_id += 1;
            i.typing_sent.retain(|(t, _)| *t != target);
            format!("{}-{}", i.tab, i.next_client_id)
        });
        let Some(client_id) = client_id else { return };
        let item = Outgoing {
            client_id,
            target,
            content,
            reply_to,
            state: OutState::Waiting,
        };
        kept::keep(self.my_id(), &item);
        self.outbox.update(|o| o.push(item));
        self.flush_outbox();
    }

    /// Takes in the texts an earlier page of this user left unsent (a
    /// reload, a closed tab): they wait for the connection like new ones.
    pub(super) fn restore_outbox(self) {
        let left = kept::all(self.my_id());
        if left.is_empty() {
            return;
        }
        self.outbox.update(|o| {
            for item in left {
                if !o.iter().any(|i| i.client_id == item.client_id) {
                    o.push(item);
                }
            }
        });
    }

    /// Tries a failed text again (same `client_id`).
    pub fn retry(self, client_id: String) {
        self.set_state(&client_id, OutState::Waiting);
        self.flush_outbox();
    }

    pub fn discard(self, client_id: String) {
        kept::forget(self.my_id(), &client_id);
        self.outbox
            .update(|o| o.retain(|i| i.client_id != client_id));
    }

    /// Sends what is waiting, in order: all at once over the socket (the
    /// server keeps a connection's order), one at a time over HTTP.
    pub(super) fn flush_outbox(self) {
        match self.status.get_untracked() {
            LiveStatus::Live => {
                let waiting: Vec<Outgoing> = self.outbox.with_untracked(|o| {
                    o.iter()
                        .filter(|i| i.state == OutState::Waiting)
                        .cloned()
                        .collect()
                });
                for item in waiting {
                    let frame = match item.target {
                        Target::Room(room_id) => ClientFrame::Message {
                            room_id: Some(room_id),
                            content: item.content.clone(),
                            client_id: Some(item.client_id.clone()),
                            thread_root_id: item.reply_to.map(|r| r.0),
                            also_to_room: item.reply_to.and_then(|r| r.1.then_some(true)),
                        },
                        Target::Task(task_id) => ClientFrame::Comment {
                            task_id: Some(task_id),
                            content: item.content.clone(),
                            client_id: Some(item.client_id.clone()),
                        },
                    };
                    if !self.send_frame(&frame) {
                        break;
                    }
                    self.set_state(&item.client_id, OutState::Sending);
                }
            }
            LiveStatus::Fallback => self.send_next_over_http(),
            _ => {}
        }
    }

    /// The fallback: the oldest waiting text over HTTP, then the next.
    fn send_next_over_http(self) {
        let busy = self
            .inner
            .try_update_value(|i| std::mem::replace(&mut i.fallback_sending, true))
            .unwrap_or(true);
        if busy {
            return;
        }
        let next = self
            .outbox
            .with_untracked(|o| o.iter().find(|i| i.state == OutState::Waiting).cloned());
        let Some(item) = next else {
            self.inner.update_value(|i| i.fallback_sending = false);
            return;
        };
        self.set_state(&item.client_id, OutState::Sending);
        leptos::task::spawn_local(async move {
            let id = Some(item.client_id.clone());
            let sent = match item.target {
                Target::Room(room) => {
                    let (root, also) = item.reply_to.unzip();
                    crate::api::chat::send_message(
                        room,
                        item.content.clone(),
                        id,
                        root,
                        also.filter(|a| *a),
                    )
                    .await
                    .map(|sent| self.receive_message(sent.message))
                }
                Target::Task(task) => {
                    crate::api::comments::post_comment(task, item.content.clone(), id)
                        .await
                        .map(|c| self.receive_comment(c))
                }
            };
            self.inner.update_value(|i| i.fallback_sending = false);
            match sent {
                Ok(()) => {
                    self.acknowledged(&item.client_id);
                    self.send_next_over_http();
                }
                Err(AppError::RateLimited(wait)) => {
                    self.refused(item.client_id, String::new(), Some(wait));
                }
                // Not through: it waits for the connection (same client_id).
                Err(AppError::Network(_)) => self.set_state(&item.client_id, OutState::Waiting),
                Err(e) => {
                    self.set_state(&item.client_id, OutState::Failed(e.message()));
                    self.send_next_over_http();
                }
            }
        });
    }

    /// The server has it (an ack, or the HTTP answer).
    pub(super) fn acknowledged(self, client_id: &str) {
        let pending = self
            .outbox
            .with_untracked(|o| o.iter().any(|i| i.client_id == client_id));
        kept::forget(self.my_id(), client_id);
        if pending {
            self.outbox
                .update(|o| o.retain(|i| i.client_id != client_id));
        }
    }

    /// The server refused it: rate limited (it tries again by itself a
    /// little later; not after a wait of minutes), or for good (the user
    /// may retry or discard it).
    pub(super) fn refused(self, client_id: String, message: String, retry_after_ms: Option<u64>) {
        match retry_after_ms {
            // A long wait (a group call's interval) is not retried behind
            // the user's back: they decide when to send it again.
            Some(wait) if wait > 60_000 => self.set_state(
                &client_id,
                OutState::Failed(format!(
                    "too many requests: try again in {} min",
                    wait.div_ceil(60_000)
                )),
            ),
            Some(wait) => {
                self.set_state(&client_id, OutState::Waiting);
                #[cfg(feature = "hydrate")]
                set_timeout(
                    move || self.flush_outbox(),
                    std::time::Duration::from_millis(wait + 50),
                );
                #[cfg(not(feature = "hydrate"))]
                let _ = wait;
            }
            None => self.set_state(&client_id, OutState::Failed(message)),
        }
    }

    /// The connection dropped: what was on its way waits for the next one.
    pub(super) fn outbox_waits(self) {
        self.outbox.update(|o| {
            for item in o.iter_mut().filter(|i| i.state == OutState::Sending) {
                item.state = OutState::Waiting;
            }
        });
    }

    /// Our own text may come back before its ack (live, or replayed after
    /// a reconnect): it is no longer pending. Matched by the `client_id` it
    /// was sent with, which only the author's own copies carry — never by
    /// its text: the same words sent from another tab or device must not
    /// resolve this tab's item (if this tab's frame was lost, it would never
    /// be sent again).
    pub(super) fn resolve_echo(self, client_id: Option<&str>) {
        if let Some(client_id) = client_id {
            self.acknowledged(client_id);
        }
    }

    fn set_state(self, client_id: &str, state: OutState) {
        self.outbox.update(|o| {
            if let Some(item) = o.iter_mut().find(|i| i.client_id == client_id) {
                item.state = state;
            }
        });
    }
}

/// The unsent texts as kept in the browser: a list under one key per user,
/// read and written whole on each change (every tab of the user shares it;
/// a text two tabs both send is stored once by the server). Written as the
/// browser's own JSON of `[client_id, "room"|"task", id, content]` rows
/// (a reply adds its root's id and whether it also goes to the room):
/// serde here would add its code for one more type to every page.
mod kept {
    use super::{OutState, Outgoing};
    // (Only the browser's build reads and writes the storage.)
    #[cfg_attr(not(feature = "hydrate"), allow(unused_imports))]
    use crate::ui::{common::browser, live::Target};

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn key(user_id: i64) -> String {
        format!("taskflow.outbox.{user_id}")
    }

    #[cfg(feature = "hydrate")]
    fn read(user_id: i64) -> Vec<Outgoing> {
        use wasm_bindgen::JsCast;
        let Some(rows) = browser::stored(&key(user_id))
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
        else {
            return Vec::new();
        };
        rows.iter()
            .filter_map(|row| {
                let row = row.dyn_into::<js_sys::Array>().ok()?;
                let id = row.get(2).as_f64()? as i64;
                let target = match row.get(1).as_string()?.as_str() {
                    "room" => Target::Room(id),
                    "task" => Target::Task(id),
                    _ => return None,
                };
                let reply_to = row
                    .get(4)
                    .as_f64()
                    .map(|root| (root as i64, row.get(5).as_bool().unwrap_or(false)));
                Some(Outgoing {
                    client_id: row.get(0).as_string()?,
                    target,
                    content: row.get(3).as_string()?,
                    reply_to,
                    state: OutState::Waiting,
                })
            })
            .collect()
    }

    #[cfg(not(feature = "hydrate"))]
    fn read(_user_id: i64) -> Vec<Outgoing> {
        Vec::new()
    }

    #[cfg(feature = "hydrate")]
    fn write(user_id: i64, list: &[Outgoing]) {
        use wasm_bindgen::JsValue;
        let rows = js_sys::Array::new();
        for item in list {
            let (kind, id) = match item.target {
                Target::Room(id) => ("room", id),
                Target::Task(id) => ("task", id),
            };
            let row = js_sys::Array::of4(
                &JsValue::from_str(&item.client_id),
                &JsValue::from_str(kind),
                &JsValue::from_f64(id as f64),
                &JsValue::from_str(&item.content),
            );
            if let Some((root, also)) = item.reply_to {
                row.push(&JsValue::from_f64(root as f64));
                row.push(&JsValue::from_bool(also));
            }
            rows.push(&row);
        }
        let text = if list.is_empty() {
            String::new()
        } else {
            js_sys::JSON::stringify(&rows)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        };
        browser::store(&key(user_id), &text);
    }

    #[cfg(not(feature = "hydrate"))]
    fn write(_user_id: i64, _list: &[Outgoing]) {}

    pub fn keep(user_id: i64, item: &Outgoing) {
        if user_id == 0 {
            return;
        }
        let mut list = read(user_id);
        if list.iter().any(|k| k.client_id == item.client_id) {
            return;
        }
        list.push(Outgoing {
            state: OutState::Waiting,
            ..item.clone()
        });
        write(user_id, &list);
    }

    pub fn forget(user_id: i64, client_id: &str) {
        let mut list = read(user_id);
        let before = list.len();
        list.retain(|k| k.client_id != client_id);
        if list.len() != before {
            write(user_id, &list);
        }
    }

    pub fn all(user_id: i64) -> Vec<Outgoing> {
        read(user_id)
    }
}
