//! What one connection follows and where it stands in each (kept apart from
//! the socket, so it is tested without one).

use std::collections::HashMap;

use app::services::hub::{Event, Topic};
use app::services::stream::Follow;

/// The topics a connection follows, each with its [`Follow`] state.
#[derive(Debug, Default)]
pub struct Follows {
    by_topic: HashMap<Topic, Follow>,
}

impl Follows {
    pub fn insert(&mut self, topic: Topic, follow: Follow) {
        self.by_topic.insert(topic, follow);
    }

    /// Stops following a topic; whether it was followed.
    pub fn remove(&mut self, topic: Topic) -> bool {
        self.by_topic.remove(&topic).is_some()
    }

    pub fn contains(&self, topic: Topic) -> bool {
        self.by_topic.contains_key(&topic)
    }

    /// The follow of the stream an item belongs to, if this connection follows it.
    pub fn of_item(&mut self, event: &Event) -> Option<&mut Follow> {
        let (topic, _) = event.numbered()?;
        self.by_topic.get_mut(&topic)
    }

    /// The followed streams (to catch up after a lost link).
    pub fn streams(&mut self) -> impl Iterator<Item = &mut Follow> {
        self.by_topic
            .values_mut()
            .filter(|f| matches!(f, Follow::Stream { .. }))
    }

    /// Access to a board (`room_id` none) or one of its rooms ended: drops
    /// every follow it covered and returns their topics.
    pub fn revoke(&mut self, board_id: Option<i64>, room_id: Option<i64>) -> Vec<Topic> {
        let gone: Vec<Topic> = self
            .by_topic
            .iter()
            .filter(|(_, follow)| follow.lost_with(board_id, room_id))
            .map(|(topic, _)| *topic)
            .collect();
        for topic in &gone {
            self.by_topic.remove(topic);
        }
        gone
    }

    /// Whether an event that is not a stream item goes to this client
    /// (`me`: the connection's user; nobody is told of their own typing).
    pub fn wants(&self, event: &Event, me: i64) -> bool {
        let follows = |topic| self.by_topic.contains_key(&topic);
        match event {
            Event::Message { .. }
            | Event::Comment { .. }
            | Event::Reaction { .. }
            | Event::BoardEvent { .. } => false,
            Event::Moving { board_id, user, .. } => {
                user.id != me && follows(Topic::Board(*board_id))
            }
            Event::Typing {
                room_id,
                task_id,
                user,
                ..
            } => {
                user.id != me
                    && (room_id.is_some_and(|id| follows(Topic::Room(id)))
                        || task_id.is_some_and(|id| follows(Topic::Task(id))))
            }
            Event::Presence { room_id, .. } => follows(Topic::Room(*room_id)),
            Event::RoomChanged { room, .. } => follows(Topic::Room(room.id)),
            Event::BoardPresence { board_id, .. } => follows(Topic::Board(*board_id)),
            Event::Notification { .. }
            | Event::NotificationsUpdated { .. }
            | Event::RoomRead { .. }
            | Event::RepliesRead { .. }
            | Event::AccessChanged { .. }
            | Event::BoardListChanged { .. } => follows(Topic::User(me)),
            Event::SessionEnded { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::User;
    use app::services::stream::Stream;

    fn room(id: i64, board_id: i64) -> Follow {
        Follow::Stream {
            stream: Stream::Room(id),
            board_id: Some(board_id),
            seq: 0,
        }
    }

    fn thread(id: i64, board_id: i64) -> Follow {
        Follow::Stream {
            stream: Stream::Thread(id),
            board_id: Some(board_id),
            seq: 0,
        }
    }

    fn following() -> Follows {
        let mut f = Follows::default();
        f.insert(Topic::Room(1), room(1, 10));
        f.insert(Topic::Room(2), room(2, 10));
        f.insert(Topic::Room(3), room(3, 20));
        f.insert(Topic::Task(7), thread(7, 10));
        f.insert(
            Topic::Board(10),
            Follow::Stream {
                stream: Stream::Board(10),
                board_id: Some(10),
                seq: 0,
            },
        );
        // A direct message: no board's loss ends it.
        f.insert(
            Topic::Room(4),
            Follow::Stream {
                stream: Stream::Room(4),
                board_id: None,
                seq: 0,
            },
        );
        f.insert(Topic::User(5), Follow::Own);
        f
    }

    #[test]
    fn losing_a_room_drops_that_room_only() {
        let mut f = following();
        assert_eq!(f.revoke(Some(10), Some(2)), vec![Topic::Room(2)]);
        assert!(f.contains(Topic::Room(1)) && f.contains(Topic::Task(7)));
        assert!(!f.contains(Topic::Room(2)));
    }

    #[test]
    fn losing_a_board_drops_its_rooms_threads_and_presence() {
        let mut f = following();
        let mut gone = f.revoke(Some(10), None);
        gone.sort_by_key(|t| t.to_string());
        assert_eq!(
            gone,
            vec![
                Topic::Board(10),
                Topic::Room(1),
                Topic::Room(2),
                Topic::Task(7)
            ]
        );
        assert!(f.contains(Topic::Room(3)), "another board's room stays");
        assert!(f.contains(Topic::User(5)), "the user's own topic stays");
    }

    #[test]
    fn events_go_where_they_are_followed() {
        let f = following();
        let bob = User {
            id: 6,
            username: "bob".into(),
            display_name: "Bob".into(),
        };
        let typing = |room_id, user: &User| Event::Typing {
            room_id: Some(room_id),
            task_id: None,
            thread_root_id: None,
            user: user.clone(),
            is_typing: true,
        };
        assert!(f.wants(&typing(1, &bob), 5));
        assert!(!f.wants(&typing(9, &bob), 5), "not followed");
        assert!(!f.wants(&typing(1, &bob), 6), "one's own typing");
        assert!(f.wants(&Event::access(10, None, false), 5));
        assert!(!Follows::default().wants(&Event::access(10, None, false), 5));
        assert!(!f.wants(
            &Event::SessionEnded {
                session: "x".into()
            },
            5
        ));
    }
}
