//! Boards and their members. Only members see a board; only its owner renames,
//! deletes it or manages members. Non-members get "not found" so board ids do
//! not leak.

use sqlx::AnyPool;

use super::activity::{self, Delta};
use super::board_events::{self, BoardWrite};
use super::general_room;
use super::hub::{Event, Topic};
use super::notifications::{self, Activity};
use super::numbered::Stream;
use super::storage::{now_ms, unique_violation, UniqueKey};
use super::task_rows::{self, Cards};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{
    BoardDetail, BoardSummary, Column, GroupMentions, Member, NotificationKind, Role, User,
};
use crate::protocol::BoardChange;
use crate::validate;

/// The caller's role on a board, or 404 if the board does not exist or they are not a member.
pub(crate) async fn role_on(pool: &AnyPool, board_id: i64, user_id: i64) -> AppResult<Role> {
    let role: Option<(String,)> =
        sqlx::query_as("SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2")
            .bind(board_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    role.and_then(|(r,)| Role::parse(&r))
        .ok_or_else(|| AppError::not_found("board"))
}

/// Like [`role_on`], but the caller must be the owner (403 otherwise).
pub async fn require_owner(pool: &AnyPool, board_id: i64, user_id: i64) -> AppResult<()> {
    match role_on(pool, board_id, user_id).await? {
        Role::Owner => Ok(()),
        Role::Member => Err(AppError::forbidden(
            "only an owner of the board can do this",
        )),
    }
}

/// The boards the user is a member of, most recently changed first.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn list_boards(svc: &Services, user: &User) -> AppResult<Vec<BoardSummary>> {
    summaries(&svc.pool, user.id, None).await
}

/// One board as it appears in the user's board list.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn board_summary(svc: &Services, user: &User, board_id: i64) -> AppResult<BoardSummary> {
    summaries(&svc.pool, user.id, Some(board_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("board"))
}

/// Board summaries of one user: all of them, or just `only` (if they are a member).
async fn summaries(
    pool: &AnyPool,
    user_id: i64,
    only: Option<i64>,
) -> AppResult<Vec<BoardSummary>> {
    #[derive(sqlx::FromRow)]
    struct SummaryRow {
        id: i64,
        name: String,
        owner_id: i64,
        role: String,
        member_count: i64,
        task_count: i64,
        created_at: i64,
        updated_at: i64,
        archived_at: Option<i64>,
        group_mentions: String,
    }
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT b.id, b.name, b.owner_id, m.role,
                (SELECT COUNT(*) FROM board_members bm WHERE bm.board_id = b.id) AS member_count,
                (SELECT COUNT(*) FROM tasks t JOIN board_columns c ON c.id = t.column_id
                 WHERE t.board_id = b.id AND t.archived_at IS NULL AND c.archived_at IS NULL)
                    AS task_count,
                b.created_at, b.updated_at, b.archived_at, b.group_mentions
         FROM board_members m JOIN boards b ON b.id = m.board_id
         WHERE m.user_id = $1 AND ($2 IS NULL OR b.id = $2)
         ORDER BY b.updated_at DESC, b.id DESC",
    )
    .bind(user_id)
    .bind(only)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BoardSummary {
            id: r.id,
            name: r.name,
            owner_id: r.owner_id,
            role: Role::parse(&r.role).unwrap_or(Role::Member),
            member_count: r.member_count,
            task_count: r.task_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
            archived_at: r.archived_at,
            group_mentions: GroupMentions::parse(&r.group_mentions).unwrap_or_default(),
        })
        .collect())
}

/// Creates a board owned by the user, with the usual three columns to start from.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn create_board(svc: &Services, user: &User, name: &str) -> AppResult<BoardSummary> {
    let name = validate::board_name(name)?;
    let now = now_ms();
    let mut tx = svc.pool.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO boards (name, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(&name)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(id)
    .bind(user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, column) in ["To do", "Doing", "Done"].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO board_columns (board_id, name, position, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(column)
        .bind(position as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    general_room::create(&mut tx, id, user.id).await?;
    tx.commit().await?;
    Ok(BoardSummary {
        id,
        name,
        owner_id: user.id,
        role: Role::Owner,
        member_count: 1,
        task_count: 0,
        created_at: now,
        updated_at: now,
        archived_at: None,
        group_mentions: GroupMentions::default(),
    })
}

/// The whole board: columns, tasks and members, and the number of the last
/// change they include (to follow the board live from there).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn get_board(svc: &Services, user: &User, board_id: i64) -> AppResult<BoardDetail> {
    let role = role_on(&svc.pool, board_id, user.id).await?;
    // The reads are separate statements: if a change commits between them,
    // the number moves and the board is read again (every board change
    // takes a number), so the state and its number always match.
    let mut attempts = 0;
    loop {
        let seq = Stream::Board(board_id).last_seq(&svc.pool).await?;
        let board = read_board(&svc.pool, board_id, role, user.id, seq).await?;
        attempts += 1;
        if attempts >= 5 || Stream::Board(board_id).last_seq(&svc.pool).await? == seq {
            return Ok(board);
        }
    }
}

#[derive(sqlx::FromRow)]
struct BoardRow {
    id: i64,
    name: String,
    owner_id: i64,
    created_at: i64,
    updated_at: i64,
    archived_at: Option<i64>,
    group_mentions: String,
}

async fn read_board(
    pool: &AnyPool,
    board_id: i64,
    role: Role,
    viewer_id: i64,
    seq: i64,
) -> AppResult<BoardDetail> {
    let board: BoardRow = sqlx::query_as(
        "SELECT id, name, owner_id, created_at, updated_at, archived_at, group_mentions
         FROM boards WHERE id = $1",
    )
    .bind(board_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("board"))?;
    let columns = sqlx::query_as::<_, Column>(
        "SELECT id, board_id, name, position FROM board_columns
         WHERE board_id = $1 AND archived_at IS NULL ORDER BY position, id",
    )
    .bind(board_id)
    .fetch_all(pool)
    .await?;
    let tasks = task_rows::load(&mut *pool.acquire().await?, Cards::OnBoard(board_id)).await?;
    let members = list_members(pool, board_id).await?;
    let labels = task_rows::board_labels(pool, board_id).await?;
    Ok(BoardDetail {
        id: board.id,
        name: board.name,
        owner_id: board.owner_id,
        role,
        viewer_id,
        created_at: board.created_at,
        updated_at: board.updated_at,
        archived_at: board.archived_at,
        group_mentions: GroupMentions::parse(&board.group_mentions).unwrap_or_default(),
        seq,
        columns,
        tasks,
        members,
        labels,
    })
}

async fn list_members(pool: &AnyPool, board_id: i64) -> AppResult<Vec<Member>> {
    #[derive(sqlx::FromRow)]
    struct MemberRow {
        #[sqlx(flatten)]
        user: User,
        role: String,
    }
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, m.role
         FROM board_members m JOIN users u ON u.id = m.user_id
         WHERE m.board_id = $1
         ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, u.username",
    )
    .bind(board_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            user: r.user,
            role: Role::parse(&r.role).unwrap_or(Role::Member),
        })
        .collect())
}

/// Renames a board (owner only).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn rename_board(
    svc: &Services,
    user: &User,
    board_id: i64,
    name: &str,
) -> AppResult<BoardSummary> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let name = validate::board_name(name)?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    sqlx::query("UPDATE boards SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(board_id)
        .execute(&mut *write.tx)
        .await?;
    write.record(BoardChange::BoardRenamed { name }).await?;
    write.commit(svc).await?;
    board_summary(svc, user, board_id).await
}

/// Sets who may call @room, @board and @here on a board of more than
/// [`validate::GROUP_MENTION_OPEN_UP_TO`] members (owner only).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn set_group_mentions(
    svc: &Services,
    user: &User,
    board_id: i64,
    who: GroupMentions,
) -> AppResult<BoardSummary> {
    require_owner(&svc.pool, board_id, user.id).await?;
    sqlx::query("UPDATE boards SET group_mentions = $1 WHERE id = $2")
        .bind(who.as_str())
        .bind(board_id)
        .execute(&svc.pool)
        .await?;
    board_summary(svc, user, board_id).await
}

/// Deletes a board with everything on it (owner only).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn delete_board(svc: &Services, user: &User, board_id: i64) -> AppResult<()> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let mut write = BoardWrite::begin_even_archived(&svc.pool, board_id).await?;
    let (last_seq,): (i64,) = sqlx::query_as("SELECT last_seq FROM boards WHERE id = $1")
        .bind(board_id)
        .fetch_one(&mut *write.tx)
        .await?;
    let members: Vec<(i64,)> =
        sqlx::query_as("SELECT user_id FROM board_members WHERE board_id = $1")
            .bind(board_id)
            .fetch_all(&mut *write.tx)
            .await?;
    sqlx::query("DELETE FROM boards WHERE id = $1")
        .bind(board_id)
        .execute(&mut *write.tx)
        .await?;
    write.commit(svc).await?;
    // The board's followers learn it is gone, then every member's
    // connections stop following it (and its rooms and threads).
    board_events::publish_deleted(svc, board_id, last_seq);
    for (member,) in members {
        svc.hub
            .publish(Topic::User(member), Event::access(board_id, None, false));
    }
    Ok(())
}

/// Adds a user to a board by username (owner only).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn add_member(
    svc: &Services,
    user: &User,
    board_id: i64,
    username: &str,
) -> AppResult<Member> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let username = validate::lookup_username(username)?;
    let new_member = sqlx::query_as::<_, User>(
        "SELECT id, username, display_name FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(&svc.pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("no user named {username:?}")))?;
    admit(svc, board_id, new_member, Admission::AddedBy(user)).await
}

/// How someone comes onto a board.
pub(crate) enum Admission<'a> {
    /// An owner added them: they are told (a bell entry).
    AddedBy(&'a User),
    /// They used this invite link themself.
    Invite(i64),
}

/// Makes someone a member of a board, in its `#general` too, as one board
/// change (every member's board shows them at once, and their own tabs
/// learn of the board). Through an invite link, one use of it is counted in
/// the same transaction: a link that meanwhile stopped letting people in
/// refuses (`410`) and nothing changes.
pub(crate) async fn admit(
    svc: &Services,
    board_id: i64,
    new_member: User,
    how: Admission<'_>,
) -> AppResult<Member> {
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    if let Admission::Invite(invite) = how {
        let counted = sqlx::query(
            "UPDATE board_invites SET uses = uses + 1
             WHERE id = $1 AND board_id = $2 AND revoked_at IS NULL AND expires_at > $3
               AND uses < max_uses",
        )
        .bind(invite)
        .bind(board_id)
        .bind(now_ms())
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        if counted == 0 {
            return Err(AppError::Gone(
                "this invite link no longer lets anyone in; ask for a new one".into(),
            ));
        }
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM board_members WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut *write.tx)
        .await?;
    if count >= validate::MAX_MEMBERS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} members",
            validate::MAX_MEMBERS_PER_BOARD
        )));
    }
    let inserted = sqlx::query(
        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES ($1, $2, 'member', $3)",
    )
    .bind(board_id)
    .bind(new_member.id)
    .bind(now_ms())
    .execute(&mut *write.tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) == Some(UniqueKey::BoardMember) => {
            return Err(AppError::conflict(format!(
                "{} is already a member of this board",
                new_member.username
            )))
        }
        Err(e) => return Err(e.into()),
    }
    general_room::join(&mut write.tx, board_id, new_member.id).await?;
    let notified = match how {
        Admission::AddedBy(owner) => {
            notifications::insert_activity(
                &mut write.tx,
                &Activity {
                    kind: NotificationKind::AddedToBoard,
                    board_id: Some(board_id),
                    task_id: None,
                    comment_id: None,
                    room_id: None,
                    message_id: None,
                    snippet: String::new(),
                },
                owner,
                &[new_member.id],
            )
            .await?
        }
        Admission::Invite(_) => Default::default(),
    };
    let member = Member {
        user: new_member,
        role: Role::Member,
    };
    write
        .record(BoardChange::MemberAdded {
            member: member.clone(),
        })
        .await?;
    write.commit(svc).await?;
    notifications::publish_notified(&svc.pool, &svc.hub, &notified).await?;
    svc.hub.publish(
        Topic::User(member.user.id),
        Event::access(board_id, None, true),
    );
    Ok(member)
}

/// Makes a member an owner or an owner a member (owners only). A board
/// always keeps an owner: the last one cannot be made a member.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id, member_id = member_id))]
pub async fn set_role(
    svc: &Services,
    user: &User,
    board_id: i64,
    member_id: i64,
    role: Role,
) -> AppResult<Member> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let target: Option<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM board_members m
         JOIN users u ON u.id = m.user_id WHERE m.board_id = $1 AND m.user_id = $2",
    )
    .bind(board_id)
    .bind(member_id)
    .fetch_optional(&mut *write.tx)
    .await?;
    let target = target.ok_or_else(|| AppError::not_found("member"))?;
    if role == Role::Member {
        // Counted inside the write: two owners demoting each other at once
        // cannot leave the board with none.
        let (owners,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM board_members WHERE board_id = $1 AND role = 'owner' AND user_id <> $2",
        )
        .bind(board_id)
        .bind(member_id)
        .fetch_one(&mut *write.tx)
        .await?;
        if owners == 0 {
            return Err(AppError::invalid(
                "a board needs an owner: make someone else an owner first",
            ));
        }
    }
    sqlx::query("UPDATE board_members SET role = $1 WHERE board_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(board_id)
        .bind(member_id)
        .execute(&mut *write.tx)
        .await?;
    let member = Member { user: target, role };
    write
        .record(BoardChange::MemberRoleChanged {
            member: member.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(member)
}

/// People an owner may add to her board, for the add-member field: those
/// she shares another board with whose name or username matches `query`
/// (a prefix of a word), and anyone whose username is `query` exactly. Not
/// those on the board already. At most 8.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn member_suggestions(
    svc: &Services,
    user: &User,
    board_id: i64,
    query: &str,
) -> AppResult<Vec<User>> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let query = query.trim().to_lowercase();
    if query.is_empty() || query.chars().count() > 64 {
        return Ok(Vec::new());
    }
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let people: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM users u
         WHERE u.id <> $1
           AND NOT EXISTS (SELECT 1 FROM board_members b WHERE b.board_id = $2 AND b.user_id = u.id)
           AND (u.username = $3
             OR (EXISTS (SELECT 1 FROM board_members mine JOIN board_members theirs
                           ON theirs.board_id = mine.board_id
                         WHERE mine.user_id = $1 AND theirs.user_id = u.id)
                 AND (u.username LIKE $4 ESCAPE '\\' OR LOWER(u.display_name) LIKE $4 ESCAPE '\\'
                      OR LOWER(u.display_name) LIKE $5 ESCAPE '\\')))
         ORDER BY CASE WHEN u.username = $3 THEN 0 ELSE 1 END, u.username
         LIMIT 8",
    )
    .bind(user.id)
    .bind(board_id)
    .bind(&query)
    .bind(format!("{escaped}%"))
    .bind(format!("% {escaped}%"))
    .fetch_all(&svc.pool)
    .await?;
    Ok(people)
}

/// Removes a member (the owner removes anyone but themself; a member may leave).
/// Their tasks on this board become unassigned.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id, member_id = member_id))]
pub async fn remove_member(
    svc: &Services,
    user: &User,
    board_id: i64,
    member_id: i64,
) -> AppResult<()> {
    let role = role_on(&svc.pool, board_id, user.id).await?;
    if role != Role::Owner && member_id != user.id {
        return Err(AppError::forbidden(
            "only the board owner can remove members",
        ));
    }
    let target = role_on(&svc.pool, board_id, member_id)
        .await
        .map_err(|_| AppError::not_found("member"))?;
    if target == Role::Owner {
        return Err(AppError::invalid(
            "an owner cannot be removed or leave: make them a member first (a board keeps at least one owner)",
        ));
    }
    // Leaving an archived board is allowed (nothing else changes on it).
    let mut write = BoardWrite::begin_even_archived(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    let unassigned: Vec<(i64,)> = sqlx::query_as(
        "SELECT a.task_id FROM task_assignees a JOIN tasks t ON t.id = a.task_id
         WHERE t.board_id = $1 AND a.user_id = $2 ORDER BY a.task_id",
    )
    .bind(board_id)
    .bind(member_id)
    .fetch_all(&mut **tx)
    .await?;
    // Off every card of the board at once: the next person on each card
    // becomes its one-assignee `assignee_id`, and each card's version moves.
    sqlx::query(&format!(
        "UPDATE tasks SET assignee_id = {}, version = version + 1
         WHERE board_id = $1
           AND id IN (SELECT task_id FROM task_assignees WHERE user_id = $2)",
        task_rows::FIRST_ASSIGNEE_BUT
    ))
    .bind(board_id)
    .bind(member_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "DELETE FROM task_assignees WHERE user_id = $1
         AND task_id IN (SELECT id FROM tasks WHERE board_id = $2)",
    )
    .bind(member_id)
    .bind(board_id)
    .execute(&mut **tx)
    .await?;
    // Nor do they do any checklist item here any more.
    sqlx::query(
        "UPDATE checklist_items SET assignee_id = NULL WHERE assignee_id = $1
         AND task_id IN (SELECT id FROM tasks WHERE board_id = $2)",
    )
    .bind(member_id)
    .bind(board_id)
    .execute(&mut **tx)
    .await?;
    // Leaving the board means leaving its chat rooms too.
    sqlx::query(
        "DELETE FROM chat_room_members WHERE user_id = $1
         AND room_id IN (SELECT id FROM chat_rooms WHERE board_id = $2)",
    )
    .bind(member_id)
    .bind(board_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM board_members WHERE board_id = $1 AND user_id = $2")
        .bind(board_id)
        .bind(member_id)
        .execute(&mut **tx)
        .await?;
    let unassigned: Vec<i64> = unassigned.into_iter().map(|(id,)| id).collect();
    let seq = write
        .record(BoardChange::MemberRemoved {
            user_id: member_id,
            unassigned: unassigned.clone(),
        })
        .await?;
    for task_id in unassigned {
        let gone = vec![Delta::Unassigned(vec![member_id])];
        activity::note(&mut write.tx, (board_id, seq), user.id, task_id, gone).await?;
    }
    write.commit(svc).await?;
    // Their open sockets stop receiving the board and its rooms at once.
    svc.hub
        .publish(Topic::User(member_id), Event::access(board_id, None, false));
    Ok(())
}
