//! The pages' words in English (the default) and in the seed's Korean, chosen by the browser's
//! `Accept-Language`. Every user-facing string of the pages lives here.

use axum::http::{header, HeaderMap};

use crate::auth::password::PasswordProblem;

/// One language's strings.
#[derive(Debug)]
pub struct Texts {
    /// The `lang` attribute of pages.
    pub code: &'static str,
    pub brand: &'static str,
    pub room_list: &'static str,
    pub register: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub create_room: &'static str,
    pub create: &'static str,
    pub col_number: &'static str,
    pub col_title: &'static str,
    pub col_participants: &'static str,
    pub col_created: &'static str,
    pub col_creator: &'static str,
    pub no_rooms: &'static str,
    /// After an unread count, for screen readers: "3 unread".
    pub unread: &'static str,
    /// After that, when one of them mentions the reader.
    pub unread_mentions_you: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub search_this_room: &'static str,
    pub no_results: &'static str,
    pub older_results: &'static str,
    pub older_rooms: &'static str,
    pub newer_rooms: &'static str,
    pub login_to_create: &'static str,
    pub title: &'static str,
    pub email: &'static str,
    pub nickname: &'static str,
    pub password: &'static str,
    pub password_again: &'static str,
    pub password_help: &'static str,
    pub chat: &'static str,
    pub participants: &'static str,
    /// The participants' counts under the list's heading: `{total}` and `{online}`.
    pub headcount: &'static str,
    /// The last line of a big room's participant list (`docs/protocol.md` "Big rooms"):
    /// `{n}` participants not listed yet.
    pub participants_more: &'static str,
    pub send: &'static str,
    pub message_placeholder: &'static str,
    pub leave: &'static str,
    pub edit: &'static str,
    pub rename: &'static str,
    pub remove: &'static str,
    pub remove_confirm: &'static str,
    pub connecting: &'static str,
    pub connected: &'static str,
    pub reconnecting: &'static str,
    pub room_removed: &'static str,
    pub is_typing: &'static str,
    pub load_older: &'static str,
    pub new_messages: &'static str,
    pub jump_to_new: &'static str,
    /// The day line above today's and yesterday's messages (older days show their date).
    pub today: &'static str,
    pub yesterday: &'static str,
    /// The room page after a leave from this or another device (close code 4000).
    pub left_room: &'static str,
    pub enter_again: &'static str,
    /// `{n}` and `{max}` are filled in by the page as the user types.
    pub too_long: &'static str,
    /// Before the server's reason on a line it refused for good.
    pub not_sent: &'static str,
    pub edit_line: &'static str,
    pub discard_line: &'static str,
    /// A stored line's own menu: Delete, its confirmation, and the menu button's label.
    pub delete_line: &'static str,
    pub delete_confirm: &'static str,
    pub line_actions: &'static str,
    /// In place of a deleted line's text.
    pub message_deleted: &'static str,
    /// After an edited line's text (the edit's time shows on hover).
    pub edited: &'static str,
    /// A join and a leave line in the room's log; `{nick}` is the user's nickname.
    pub joined_line: &'static str,
    pub left_line: &'static str,
    /// Above the message box while it holds a line being edited.
    pub editing: &'static str,
    pub cancel: &'static str,
    /// The room page after the creator banned the user (close code 4001).
    pub banned_from_room: &'static str,
    pub ban: &'static str,
    pub unban: &'static str,
    pub banned_users: &'static str,
    pub no_bans: &'static str,
    /// The toggle for desktop notifications of mentions, off and on.
    pub notify_off: &'static str,
    pub notify_on: &'static str,
    pub notify_blocked: &'static str,
    /// The room's notification level (kept on the server, the same on every device).
    pub notifications: &'static str,
    pub notify_all: &'static str,
    pub notify_mentions: &'static str,
    pub notify_none: &'static str,
    /// In front of the server's reason when a level is refused.
    pub notify_refused: &'static str,
    pub no_account: &'static str,
    pub have_account: &'static str,
    pub back_to_list: &'static str,
    // Errors.
    pub err_email_invalid: &'static str,
    pub err_email_taken: &'static str,
    pub err_nickname_required: &'static str,
    pub err_nickname_too_long: &'static str,
    pub err_nickname_taken: &'static str,
    pub err_nickname_chars: &'static str,
    pub err_title_chars: &'static str,
    pub err_nickname_invisible: &'static str,
    pub err_title_invisible: &'static str,
    pub err_password_short: &'static str,
    pub err_password_long: &'static str,
    pub err_password_common: &'static str,
    pub err_password_digits: &'static str,
    pub err_password_like_email: &'static str,
    pub err_password_like_nickname: &'static str,
    pub err_password_blank: &'static str,
    pub err_password_mismatch: &'static str,
    pub err_required: &'static str,
    pub err_title_required: &'static str,
    pub err_title_too_long: &'static str,
    pub err_login_failed: &'static str,
    pub err_not_found: &'static str,
    pub err_method: &'static str,
    pub err_forbidden_creator: &'static str,
    pub err_banned: &'static str,
    pub err_csrf: &'static str,
    pub err_cross_origin: &'static str,
    pub err_too_large: &'static str,
    pub err_bad_request: &'static str,
    pub err_room_cursor: &'static str,
    pub err_room_limit: &'static str,
    pub err_too_many: &'static str,
    pub err_too_many_sockets: &'static str,
    /// Rooms made past `--rooms-per-hour`; `{}` is minutes.
    pub err_too_many_rooms: &'static str,
    /// [`Texts::err_too_many`] when the wait is one second.
    pub err_too_many_one: &'static str,
    pub err_internal: &'static str,
    pub err_login_required: &'static str,
}

pub static EN: Texts = Texts {
    code: "en",
    brand: "Chat",
    room_list: "Chat rooms",
    register: "Register",
    login: "Log in",
    logout: "Log out",
    create_room: "Create a new room",
    create: "Create",
    col_number: "No.",
    col_title: "Title",
    col_participants: "Participants",
    col_created: "Created",
    col_creator: "Creator",
    no_rooms: "No rooms yet.",
    unread: "unread",
    unread_mentions_you: "unread, one mentions you",
    search: "Search",
    search_placeholder: "Search messages",
    search_this_room: "only this room",
    no_results: "No messages match.",
    older_results: "Older results",
    older_rooms: "Older rooms",
    newer_rooms: "Newer rooms",
    login_to_create: "Log in to create a room",
    title: "Title",
    email: "Email address",
    nickname: "Nickname",
    password: "Password",
    password_again: "Password (again)",
    password_help: "At least 8 characters, not all digits, not a common password, not like your email or nickname.",
    chat: "Chat",
    participants: "Participants",
    headcount: "{total} participants · {online} online",
    participants_more: "and {n} more",
    send: "Send",
    message_placeholder: "Message (Shift+Enter: new line)",
    leave: "Leave",
    edit: "Edit",
    rename: "Rename",
    remove: "Remove",
    remove_confirm: "Remove this room for everyone?",
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Connection lost. Reconnecting…",
    room_removed: "This room was removed.",
    is_typing: "is typing…",
    load_older: "Load older messages",
    new_messages: "New messages",
    jump_to_new: "Jump to new messages",
    today: "Today",
    yesterday: "Yesterday",
    left_room: "You left this room.",
    enter_again: "Enter it again",
    too_long: "Too long: {n} characters, the limit is {max}. Shorten it or send it in parts.",
    not_sent: "Not sent:",
    edit_line: "Edit",
    discard_line: "Discard",
    delete_line: "Delete",
    delete_confirm: "Delete this message for everyone?",
    line_actions: "Message actions",
    message_deleted: "message deleted",
    edited: "(edited)",
    joined_line: "{nick} joined",
    left_line: "{nick} left",
    editing: "Editing — Escape to cancel",
    cancel: "Cancel",
    banned_from_room: "You were banned from this room.",
    ban: "Ban",
    unban: "Unban",
    banned_users: "Banned users",
    no_bans: "Nobody is banned.",
    notify_off: "Notify me",
    notify_on: "Notifications on",
    notify_blocked: "The browser blocks notifications for this site.",
    notifications: "Notifications",
    notify_all: "All",
    notify_mentions: "Mentions",
    notify_none: "Nothing",
    notify_refused: "Not changed:",
    no_account: "No account yet?",
    have_account: "Already registered?",
    back_to_list: "Back to the room list",
    err_email_invalid: "Enter a valid email address.",
    err_email_taken: "Already existing email",
    err_nickname_required: "Enter a nickname.",
    err_nickname_too_long: "A nickname has at most 50 characters.",
    err_nickname_taken: "Already existing nickname",
    err_nickname_chars: "A nickname cannot contain control, text-direction or invisible characters.",
    err_title_chars: "A title cannot contain control, text-direction or invisible characters.",
    err_nickname_invisible: "A nickname must show at least one letter, digit or symbol.",
    err_title_invisible: "A title must show at least one letter, digit or symbol.",
    err_password_short: "This password is too short. It must contain at least 8 characters.",
    err_password_long: "This password is too long.",
    err_password_common: "This password is too common.",
    err_password_digits: "This password is entirely numeric.",
    err_password_like_email: "The password is too similar to the email address.",
    err_password_like_nickname: "The password is too similar to the nickname.",
    err_password_blank: "This password is only spaces. Use letters, digits or symbols too.",
    err_password_mismatch: "The two password fields didn't match.",
    err_required: "This field is required.",
    err_title_required: "Enter a title.",
    err_title_too_long: "A title has at most 50 characters.",
    err_login_failed: "Please enter a correct email and password.",
    err_not_found: "There is no such room or page.",
    err_method: "This address does not take that kind of request.",
    err_forbidden_creator: "Only the room's creator can do that.",
    err_banned: "You are banned from this room. Its creator can lift the ban.",
    err_csrf: "The form expired or came from another site. Reload the page and try again.",
    err_cross_origin: "Requests from another site are refused.",
    err_too_large: "The request is too large.",
    err_bad_request: "The request is malformed.",
    err_room_cursor: "before must be a room number (a whole number of 1 or more).",
    err_room_limit: "limit must be a whole number from 1 to 100.",
    err_too_many: "Too many attempts. Wait {} seconds and try again.",
    err_too_many_sockets: "You have too many rooms open at once. Close some tabs or rooms and try again.",
    err_too_many_rooms: "You have made many rooms in the last hour. Wait {} minutes before making another, or use one you made.",
    err_too_many_one: "Too many attempts. Wait 1 second and try again.",
    err_internal: "Something went wrong on the server. Try again in a moment.",
    err_login_required: "Log in first.",
};

pub static KO: Texts = Texts {
    code: "ko",
    brand: "채팅",
    room_list: "채팅 목록",
    register: "가입하기",
    login: "로그인",
    logout: "로그아웃",
    create_room: "새로운 방 생성",
    create: "생성",
    col_number: "번호",
    col_title: "제목",
    col_participants: "참여인원",
    col_created: "생성날짜",
    col_creator: "방장",
    no_rooms: "아직 채팅방이 없습니다.",
    unread: "개 읽지 않음",
    unread_mentions_you: "개 읽지 않음, 나를 언급함",
    search: "검색",
    search_placeholder: "메시지 검색",
    search_this_room: "이 방에서만",
    no_results: "일치하는 메시지가 없습니다.",
    older_results: "이전 결과",
    older_rooms: "이전 채팅방",
    newer_rooms: "최근 채팅방",
    login_to_create: "로그인하고 방 만들기",
    title: "제목",
    email: "이메일 주소",
    nickname: "Nickname",
    password: "비밀번호",
    password_again: "비밀번호 확인",
    password_help: "8자 이상, 숫자만으로 된 비밀번호나 흔한 비밀번호, 이메일·닉네임과 비슷한 비밀번호는 쓸 수 없습니다.",
    chat: "채팅",
    participants: "참여자",
    headcount: "참여자 {total}명 · 접속 중 {online}명",
    participants_more: "외 {n}명 더 보기",
    send: "전송",
    message_placeholder: "메시지 (줄바꿈: Shift+Enter)",
    leave: "나가기",
    edit: "수정",
    rename: "수정",
    remove: "삭제",
    remove_confirm: "이 방을 모두에게서 삭제할까요?",
    connecting: "연결 중…",
    connected: "연결됨",
    reconnecting: "연결이 끊겼습니다. 다시 연결하는 중…",
    room_removed: "이 방은 삭제되었습니다.",
    is_typing: "님이 입력 중…",
    load_older: "이전 메시지 불러오기",
    new_messages: "새 메시지",
    jump_to_new: "새 메시지로 이동",
    today: "오늘",
    yesterday: "어제",
    left_room: "이 방에서 나갔습니다.",
    enter_again: "다시 들어가기",
    too_long: "너무 깁니다: {n}자, 최대 {max}자입니다. 줄이거나 나눠서 보내십시오.",
    not_sent: "보내지 못함:",
    edit_line: "고치기",
    discard_line: "버리기",
    delete_line: "지우기",
    delete_confirm: "이 메시지를 모두에게서 지울까요?",
    line_actions: "메시지 메뉴",
    message_deleted: "삭제된 메시지",
    edited: "(수정됨)",
    joined_line: "{nick}님이 들어왔습니다",
    left_line: "{nick}님이 나갔습니다",
    editing: "고치는 중 — Esc로 취소",
    cancel: "취소",
    banned_from_room: "이 방에서 차단되었습니다.",
    ban: "차단",
    unban: "차단 해제",
    banned_users: "차단한 사용자",
    no_bans: "차단한 사용자가 없습니다.",
    notify_off: "알림 받기",
    notify_on: "알림 켜짐",
    notify_blocked: "브라우저가 이 사이트의 알림을 막고 있습니다.",
    notifications: "알림",
    notify_all: "모든 메시지",
    notify_mentions: "멘션만",
    notify_none: "받지 않음",
    notify_refused: "바뀌지 않았습니다:",
    no_account: "계정이 없으신가요?",
    have_account: "이미 가입하셨나요?",
    back_to_list: "채팅 목록으로",
    err_email_invalid: "유효한 이메일 주소를 입력하십시오.",
    err_email_taken: "Already existing email",
    err_nickname_required: "닉네임을 입력하십시오.",
    err_nickname_too_long: "닉네임은 50자 이하여야 합니다.",
    err_nickname_taken: "Already existing nickname",
    err_nickname_chars: "닉네임에는 제어 문자, 텍스트 방향 문자나 보이지 않는 문자를 쓸 수 없습니다.",
    err_title_chars: "제목에는 제어 문자, 텍스트 방향 문자나 보이지 않는 문자를 쓸 수 없습니다.",
    err_nickname_invisible: "닉네임에는 글자, 숫자나 기호가 하나 이상 있어야 합니다.",
    err_title_invisible: "제목에는 글자, 숫자나 기호가 하나 이상 있어야 합니다.",
    err_password_short: "비밀번호가 너무 짧습니다. 최소 8 문자를 포함해야 합니다.",
    err_password_long: "비밀번호가 너무 깁니다.",
    err_password_common: "비밀번호가 너무 일상적인 단어입니다.",
    err_password_digits: "비밀번호가 전부 숫자로 되어 있습니다.",
    err_password_like_email: "비밀번호가 이메일 주소와 너무 유사합니다.",
    err_password_like_nickname: "비밀번호가 닉네임과 너무 유사합니다.",
    err_password_blank: "비밀번호가 공백으로만 되어 있습니다. 문자, 숫자나 기호를 함께 쓰십시오.",
    err_password_mismatch: "비밀번호가 일치하지 않습니다.",
    err_required: "필수 항목입니다.",
    err_title_required: "제목을 입력하십시오.",
    err_title_too_long: "제목은 50자 이하여야 합니다.",
    err_login_failed: "올바른 이메일과 비밀번호를 입력하십시오.",
    err_not_found: "그런 방이나 페이지가 없습니다.",
    err_method: "이 주소는 그런 요청을 받지 않습니다.",
    err_forbidden_creator: "방장만 할 수 있습니다.",
    err_banned: "이 방에서 차단되었습니다. 방장이 차단을 풀 수 있습니다.",
    err_csrf: "양식이 만료되었거나 다른 사이트에서 왔습니다. 페이지를 새로 고친 뒤 다시 시도하십시오.",
    err_cross_origin: "다른 사이트에서 온 요청은 거부됩니다.",
    err_too_large: "요청이 너무 큽니다.",
    err_bad_request: "요청 형식이 잘못되었습니다.",
    err_room_cursor: "before는 채팅방 번호(1 이상의 정수)여야 합니다.",
    err_room_limit: "limit은 1부터 100까지의 정수여야 합니다.",
    err_too_many: "시도가 너무 많습니다. {}초 후에 다시 시도하십시오.",
    err_too_many_sockets: "동시에 연 채팅방이 너무 많습니다. 탭이나 채팅방을 닫고 다시 시도하십시오.",
    err_too_many_rooms: "지난 한 시간 동안 채팅방을 많이 만들었습니다. {}분 후에 다시 만들거나, 만든 채팅방을 사용하십시오.",
    err_too_many_one: "시도가 너무 많습니다. 1초 후에 다시 시도하십시오.",
    err_internal: "서버에 문제가 생겼습니다. 잠시 후 다시 시도하십시오.",
    err_login_required: "먼저 로그인하십시오.",
};

/// The language the request prefers: Korean when `Accept-Language` ranks `ko` above `en`
/// (or names Korean and not English), English otherwise.
pub fn negotiate(headers: &HeaderMap) -> &'static Texts {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return &EN;
    };
    let mut best: Option<(&'static Texts, f32)> = None;
    for item in value.split(',') {
        let mut parts = item.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang: &'static Texts = match tag.split('-').next() {
            Some("ko") => &KO,
            Some("en") => &EN,
            _ => continue,
        };
        if best.is_none_or(|(_, bq)| q > bq) {
            best = Some((lang, q));
        }
    }
    best.map_or(&EN, |(t, _)| t)
}

impl Texts {
    /// The throttling message with the wait filled in ("1 second", "2 seconds").
    pub fn too_many(&self, wait_secs: u64) -> String {
        if wait_secs == 1 {
            return self.err_too_many_one.to_owned();
        }
        self.err_too_many.replace("{}", &wait_secs.to_string())
    }

    /// [`Texts::err_too_many_rooms`], the wait rounded up to whole minutes.
    pub fn too_many_rooms(&self, wait: std::time::Duration) -> String {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        self.err_too_many_rooms.replace("{}", &minutes.to_string())
    }

    pub fn password_problem(&self, p: PasswordProblem) -> &'static str {
        match p {
            PasswordProblem::TooShort => self.err_password_short,
            PasswordProblem::TooLong => self.err_password_long,
            PasswordProblem::Common => self.err_password_common,
            PasswordProblem::AllDigits => self.err_password_digits,
            PasswordProblem::LikeEmail => self.err_password_like_email,
            PasswordProblem::LikeNickname => self.err_password_like_nickname,
            PasswordProblem::Blank => self.err_password_blank,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> &'static str {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        negotiate(&h).code
    }

    #[test]
    fn korean_only_when_preferred() {
        assert_eq!(negotiate(&HeaderMap::new()).code, "en");
        assert_eq!(lang("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"), "ko");
        assert_eq!(lang("en-US,en;q=0.9,ko;q=0.8"), "en");
        assert_eq!(lang("fr-FR,ko;q=0.5"), "ko");
        assert_eq!(lang("de"), "en");
    }

    #[test]
    fn a_wait_of_one_second_is_one_second() {
        assert_eq!(
            EN.too_many(1),
            "Too many attempts. Wait 1 second and try again."
        );
        assert_eq!(
            EN.too_many(30),
            "Too many attempts. Wait 30 seconds and try again."
        );
        assert_eq!(
            KO.too_many(1),
            "시도가 너무 많습니다. 1초 후에 다시 시도하십시오."
        );
        assert_eq!(
            KO.too_many(5),
            "시도가 너무 많습니다. 5초 후에 다시 시도하십시오."
        );
    }
}
