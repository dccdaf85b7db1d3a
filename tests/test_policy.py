"""The comment policy, read as a specification: each row is one rule or one combination."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from blogapp.comments.policy import (
    DUPLICATE_MESSAGE,
    FLOOD_MESSAGE,
    REASON_STAFF_IDENTITY,
    AkismetVerdict,
    CommentStatus,
    DiscussionSettings,
    History,
    Refusal,
    Submission,
    decide,
    flood_message,
    parse_keys,
    refuse,
)

NOW = datetime(2025, 3, 1, 12, 0, 0)

CLEAN = Submission(
    article_id=1,
    parent_id=None,
    author="Ada",
    email="ada@example.org",
    url="https://ada.example.org/",
    content="Lovely article, thank you.",
    content_html="<p>Lovely article, thank you.</p>",
    ip="203.0.113.7",
    user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    link_count=0,
)

OPEN = DiscussionSettings()  # WordPress's defaults: known authors approved, no manual approval
MANUAL = DiscussionSettings(manual_approval=True)
WIDE_OPEN = DiscussionSettings(manual_approval=False, auto_approve_known_authors=False)

KNOWN = History(approved_before=True)
STRANGER = History(approved_before=False)

HAM = AkismetVerdict.HAM


def sub(**changes: object) -> Submission:
    return replace(CLEAN, **changes)


@pytest.mark.parametrize(
    ("settings", "history", "akismet", "submission", "status", "codes"),
    [
        pytest.param(
            OPEN, KNOWN, HAM, CLEAN,
            CommentStatus.APPROVED, ("akismet-ham", "known-author"),
            id="known-author-ham-manual-off-approved",
        ),
        pytest.param(
            MANUAL, KNOWN, HAM, CLEAN,
            CommentStatus.PENDING, ("akismet-ham", "manual-approval"),
            id="manual-approval-holds-even-known-author",
        ),
        pytest.param(
            OPEN, STRANGER, HAM, CLEAN,
            CommentStatus.PENDING, ("akismet-ham", "new-author"),
            id="first-comment-held-when-known-authors-required",
        ),
        pytest.param(
            WIDE_OPEN, STRANGER, HAM, CLEAN,
            CommentStatus.APPROVED, ("akismet-ham",),
            id="both-approval-options-off-approves-stranger",
        ),
        pytest.param(
            OPEN, KNOWN, AkismetVerdict.DISABLED, CLEAN,
            CommentStatus.APPROVED, ("known-author",),
            id="akismet-disabled-adds-no-reason",
        ),
        pytest.param(
            OPEN, KNOWN, HAM, sub(link_count=1),
            CommentStatus.APPROVED, ("akismet-ham", "known-author"),
            id="one-link-below-limit-2",
        ),
        pytest.param(
            OPEN, KNOWN, HAM, sub(link_count=2),
            CommentStatus.PENDING, ("akismet-ham", "known-author", "links"),
            id="two-links-reach-limit-2",
        ),
        pytest.param(
            replace(OPEN, max_links=0), KNOWN, HAM, sub(link_count=50),
            CommentStatus.APPROVED, ("akismet-ham", "known-author"),
            id="max-links-0-disables-link-rule",
        ),
        pytest.param(
            replace(OPEN, moderation_keys=("casino",)), KNOWN, HAM, sub(content="Best CASINO"),
            CommentStatus.PENDING, ("akismet-ham", "known-author", "moderation-key"),
            id="moderation-key-holds-known-author",
        ),
        pytest.param(
            replace(OPEN, disallowed_keys=("casino",)), KNOWN, HAM, sub(content="casino!"),
            CommentStatus.TRASH, ("disallowed-key", "akismet-ham", "known-author"),
            id="disallowed-key-beats-akismet-ham",
        ),
        pytest.param(
            replace(OPEN, disallowed_keys=("casino",)), KNOWN, AkismetVerdict.SPAM,
            sub(content="casino!"),
            CommentStatus.TRASH, ("disallowed-key", "akismet-spam", "known-author"),
            id="disallowed-key-beats-akismet-spam",
        ),
        pytest.param(
            replace(OPEN, moderation_keys=("casino",)), KNOWN, AkismetVerdict.SPAM,
            sub(content="casino!"),
            CommentStatus.SPAM, ("akismet-spam", "known-author", "moderation-key"),
            id="akismet-spam-beats-moderation-key",
        ),
        pytest.param(
            OPEN, KNOWN, AkismetVerdict.SPAM, CLEAN,
            CommentStatus.SPAM, ("akismet-spam", "known-author"),
            id="akismet-spam-beats-known-author",
        ),
        pytest.param(
            OPEN, KNOWN, AkismetVerdict.DISCARD, CLEAN,
            CommentStatus.SPAM, ("akismet-discard", "known-author"),
            id="akismet-discard-is-spam",
        ),
        pytest.param(
            OPEN, KNOWN, AkismetVerdict.UNAVAILABLE, CLEAN,
            CommentStatus.PENDING, ("akismet-unavailable", "known-author"),
            id="akismet-unavailable-holds-known-author",
        ),
        pytest.param(
            WIDE_OPEN, STRANGER, AkismetVerdict.UNAVAILABLE, CLEAN,
            CommentStatus.PENDING, ("akismet-unavailable",),
            id="akismet-unavailable-holds-with-approval-options-off",
        ),
        pytest.param(
            OPEN, KNOWN, AkismetVerdict.OWED, CLEAN,
            CommentStatus.PENDING, ("akismet-owed", "known-author"),
            id="akismet-owed-holds-known-author",
        ),
        pytest.param(
            replace(MANUAL, moderation_keys=("casino",)), STRANGER, AkismetVerdict.UNAVAILABLE,
            sub(content="casino links", link_count=3),
            CommentStatus.PENDING,
            ("akismet-unavailable", "manual-approval", "links", "moderation-key"),
            id="every-hold-reason-is-reported",
        ),
    ],
)
def test_decide(
    settings: DiscussionSettings,
    history: History,
    akismet: AkismetVerdict,
    submission: Submission,
    status: CommentStatus,
    codes: tuple[str, ...],
) -> None:
    verdict = decide(submission, settings, history, akismet, NOW)
    assert verdict.status is status
    assert verdict.codes == codes


@pytest.mark.parametrize(
    ("akismet", "discard_setting", "status", "blatant", "drop"),
    [
        pytest.param(AkismetVerdict.DISCARD, "spam", CommentStatus.SPAM, True, False,
                     id="discard-kept-in-spam"),
        pytest.param(AkismetVerdict.DISCARD, "drop", CommentStatus.SPAM, True, True,
                     id="discard-dropped-when-set"),
        pytest.param(AkismetVerdict.SPAM, "drop", CommentStatus.SPAM, False, False,
                     id="plain-spam-never-dropped"),
        pytest.param(HAM, "drop", CommentStatus.APPROVED, False, False,
                     id="ham-never-dropped"),
    ],
)
def test_blatant_spam(
    akismet: AkismetVerdict, discard_setting: str, status: CommentStatus, blatant: bool, drop: bool
) -> None:
    settings = replace(OPEN, akismet_discard=discard_setting)
    verdict = decide(CLEAN, settings, KNOWN, akismet, NOW)
    assert (verdict.status, verdict.blatant, verdict.drop) == (status, blatant, drop)


def test_disallowed_key_beats_discard_and_is_not_dropped() -> None:
    settings = replace(OPEN, disallowed_keys=("casino",), akismet_discard="drop")
    verdict = decide(sub(content="casino"), settings, KNOWN, AkismetVerdict.DISCARD, NOW)
    assert (verdict.status, verdict.blatant, verdict.drop) == (CommentStatus.TRASH, False, False)


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        pytest.param("author", "Cheap VIAGRA Shop", "author name", id="author"),
        pytest.param("email", "viagra@spam.example", "author email", id="email"),
        pytest.param("url", "https://viagra.example/", "author URL", id="url"),
        pytest.param("content", "Buy Viagra now", "comment text", id="content"),
        pytest.param("ip", "198.51.100.66", "IP address", id="ip"),
        pytest.param("user_agent", "ViagraBot/1.0", "user agent", id="user-agent"),
    ],
)
@pytest.mark.parametrize(
    ("setting", "code", "label", "status"),
    [
        pytest.param("moderation_keys", "moderation-key", "moderation key",
                     CommentStatus.PENDING, id="moderation"),
        pytest.param("disallowed_keys", "disallowed-key", "disallowed key",
                     CommentStatus.TRASH, id="disallowed"),
    ],
)
def test_key_matches_each_field(
    field: str, value: str, where: str, setting: str, code: str, label: str, status: CommentStatus
) -> None:
    key = "198.51.100.66" if field == "ip" else "viagra"
    settings = replace(OPEN, **{setting: (key,)})
    verdict = decide(sub(**{field: value}), settings, KNOWN, HAM, NOW)
    assert verdict.status is status
    matches = [r.message for r in verdict.reasons if r.code == code]
    assert matches == [f"Matches {label} “{key}” in {where}"]


@pytest.mark.parametrize(
    ("keys", "submission", "messages"),
    [
        pytest.param(("  viagra  ",), sub(content="VIAGRA"),
                     ["Matches moderation key “viagra” in comment text"], id="key-trimmed"),
        pytest.param(("", "   "), CLEAN, [], id="blank-keys-ignored"),
        pytest.param(("poker",), CLEAN, [], id="no-match"),
        pytest.param(("viagra",), sub(author="viagra", content="viagra"),
                     ["Matches moderation key “viagra” in author name, comment text"],
                     id="one-reason-per-key-naming-every-field"),
        pytest.param(("viagra", "casino"), sub(content="viagra casino"),
                     ["Matches moderation key “viagra” in comment text",
                      "Matches moderation key “casino” in comment text"],
                     id="one-reason-per-matching-key"),
        pytest.param(("ada@",), CLEAN, ["Matches moderation key “ada@” in author email"],
                     id="substring-match"),
    ],
)
def test_moderation_key_matching(
    keys: tuple[str, ...], submission: Submission, messages: list[str]
) -> None:
    verdict = decide(submission, replace(OPEN, moderation_keys=keys), KNOWN, HAM, NOW)
    assert [r.message for r in verdict.reasons if r.code == "moderation-key"] == messages


STAFF_EMAIL = History(approved_before=True, staff_email=True)
STAFF_NAME = History(approved_before=True, staff_name=True)


@pytest.mark.parametrize(
    ("settings", "history", "akismet", "submission", "status", "codes"),
    [
        pytest.param(OPEN, STAFF_EMAIL, HAM, CLEAN, CommentStatus.PENDING,
                     ("akismet-ham", "staff-impersonation"),
                     id="staff-email-held-though-known-author"),
        pytest.param(OPEN, STAFF_NAME, HAM, CLEAN, CommentStatus.PENDING,
                     ("akismet-ham", "staff-impersonation"), id="staff-name-held"),
        pytest.param(WIDE_OPEN, History(staff_email=True), AkismetVerdict.DISABLED, CLEAN,
                     CommentStatus.PENDING, ("staff-impersonation",),
                     id="held-with-both-approval-options-off"),
        pytest.param(MANUAL, STAFF_EMAIL, HAM, CLEAN, CommentStatus.PENDING,
                     ("akismet-ham", "staff-impersonation", "manual-approval"),
                     id="reported-beside-manual-approval"),
        pytest.param(replace(OPEN, disallowed_keys=("casino",)), STAFF_EMAIL, HAM,
                     sub(content="casino"), CommentStatus.TRASH,
                     ("disallowed-key", "akismet-ham", "staff-impersonation"),
                     id="disallowed-key-still-trashes"),
        pytest.param(OPEN, STAFF_EMAIL, AkismetVerdict.SPAM, CLEAN, CommentStatus.SPAM,
                     ("akismet-spam", "staff-impersonation"), id="akismet-spam-still-spams"),
    ],
)
def test_staff_impersonation_is_held(
    settings: DiscussionSettings, history: History, akismet: AkismetVerdict,
    submission: Submission, status: CommentStatus, codes: tuple[str, ...],
) -> None:
    verdict = decide(submission, settings, history, akismet, NOW)
    assert (verdict.status, verdict.codes) == (status, codes)
    assert "known-author" not in verdict.codes
    assert REASON_STAFF_IDENTITY == "staff-impersonation"


@pytest.mark.parametrize(
    ("key", "changes", "where"),
    [
        pytest.param("halfway", {"content": "<b>half</b>way", "content_text": "halfway"},
                     "comment text", id="tags-split-the-word"),
        pytest.param("halfway", {"content": "&#104;alfway", "content_text": "halfway"},
                     "comment text", id="entity-encoded-letter"),
        pytest.param("halfway", {"content": "<i>HALF</i>Way", "content_text": "HALFWay"},
                     "comment text", id="mixed-case-through-tags"),
        pytest.param("halfway", {"author": "<b>half</b>way", "author_text": "halfway"},
                     "author name", id="tags-in-the-name"),
        pytest.param("halfway", {"content": "ｈａｌｆｗａｙ"}, "comment text", id="full-width"),
        pytest.param("halfway", {"content": "half\u200bway"}, "comment text",
                     id="zero-width-space"),
        pytest.param("halfway", {"content": "half\u00adway"}, "comment text", id="soft-hyphen"),
        pytest.param("halfway", {"author": "Half\u2060Way"}, "author name", id="word-joiner"),
        pytest.param("ＨＡＬＦＷＡＹ", {"content": "halfway"}, "comment text",
                     id="full-width-key"),
        pytest.param("ǆ", {"content": "Ǆ"}, "comment text", id="case-folded-digraph"),
        pytest.param("halfway", {"email": "HALFWAY@spam.example"}, "author email",
                     id="email-any-case"),
        pytest.param("halfway", {"content": "half way", "content_text": "half way"}, None,
                     id="a-space-is-not-hidden"),
        pytest.param("halfway", {"content": "<b title='halfway'>x</b>", "content_text": "x"},
                     "comment text", id="typed-text-still-matched"),
    ],
)
@pytest.mark.parametrize("setting", ["moderation_keys", "disallowed_keys"])
def test_keys_match_through_markup_and_lookalikes(
    key: str, changes: dict[str, str], where: str | None, setting: str
) -> None:
    code = "moderation-key" if setting == "moderation_keys" else "disallowed-key"
    verdict = decide(sub(**changes), replace(OPEN, **{setting: (key,)}), KNOWN, HAM, NOW)
    found = [r.message for r in verdict.reasons if r.code == code]
    label = "moderation key" if setting == "moderation_keys" else "disallowed key"
    assert found == ([f"Matches {label} “{key}” in {where}"] if where else [])


@pytest.mark.parametrize(
    ("max_links", "link_count", "message"),
    [
        pytest.param(2, 3, "Contains 3 links (hold at 2 or more)", id="three-of-two"),
        pytest.param(2, 2, "Contains 2 links (hold at 2 or more)", id="two-of-two"),
        pytest.param(1, 1, "Contains 1 link (hold at 1 or more)", id="one-of-one"),
        pytest.param(2, 1, None, id="one-of-two"),
        pytest.param(0, 9, None, id="disabled"),
    ],
)
def test_link_message(max_links: int, link_count: int, message: str | None) -> None:
    settings = replace(OPEN, max_links=max_links)
    verdict = decide(sub(link_count=link_count), settings, KNOWN, HAM, NOW)
    expected = [message] if message else []
    assert [r.message for r in verdict.reasons if r.code == "links"] == expected


def flood(seconds: int) -> Refusal:
    return Refusal("flood", 429, flood_message(seconds), retry_after=seconds)


DUPLICATE = Refusal("duplicate", 409, DUPLICATE_MESSAGE)


@pytest.mark.parametrize(
    ("settings", "history", "refusal"),
    [
        pytest.param(MANUAL, History(), None, id="first-comment"),
        pytest.param(MANUAL, History(last_post_at=NOW - timedelta(seconds=5)), flood(10),
                     id="flood-5s-ago-wait-10"),
        pytest.param(MANUAL, History(last_post_at=NOW - timedelta(seconds=14.9)), flood(1),
                     id="flood-14.9s-ago-wait-1-not-0"),
        pytest.param(MANUAL, History(last_post_at=NOW - timedelta(seconds=0.2)), flood(15),
                     id="flood-0.2s-ago-wait-15-rounded-up"),
        pytest.param(MANUAL, History(last_post_at=NOW - timedelta(seconds=15)), None,
                     id="exactly-15s-ago-allowed"),
        pytest.param(MANUAL, History(last_post_at=NOW - timedelta(minutes=5)), None,
                     id="5min-ago-allowed"),
        pytest.param(replace(MANUAL, flood_seconds=0), History(last_post_at=NOW), None,
                     id="flood-check-disabled"),
        pytest.param(replace(MANUAL, flood_seconds=60),
                     History(last_post_at=NOW - timedelta(seconds=30)), flood(30),
                     id="flood-window-configurable"),
        pytest.param(MANUAL,
                     History(last_post_at=(NOW - timedelta(seconds=5)).replace(tzinfo=UTC)),
                     flood(10), id="aware-last-post-against-naive-now"),
        pytest.param(MANUAL, History(last_post_at=NOW + timedelta(seconds=3)), flood(15),
                     id="clock-skew-never-asks-for-more-than-the-window"),
        pytest.param(MANUAL, History(duplicate=True), DUPLICATE, id="duplicate"),
        pytest.param(replace(MANUAL, duplicate_check=False), History(duplicate=True), None,
                     id="duplicate-check-disabled"),
        pytest.param(MANUAL, History(duplicate=True, last_post_at=NOW), DUPLICATE,
                     id="duplicate-reported-before-flood"),
    ],
)
def test_refuse(settings: DiscussionSettings, history: History, refusal: Refusal | None) -> None:
    assert refuse(CLEAN, settings, history, NOW) == refusal


def test_refusal_messages_are_wordpress_wording() -> None:
    assert FLOOD_MESSAGE == "You are posting comments too quickly. Slow down."
    assert DUPLICATE_MESSAGE == (
        "Duplicate comment detected; it looks as though you've already said that!"
    )


@pytest.mark.parametrize(("seconds", "message"), [
    (1, "You are posting comments too quickly. Slow down: you can post again in 1 second."),
    (12, "You are posting comments too quickly. Slow down: you can post again in 12 seconds."),
])
def test_flood_message_says_how_long_to_wait(seconds: int, message: str) -> None:
    assert flood_message(seconds) == message


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        pytest.param("", (), id="empty"),
        pytest.param("viagra\ncasino\n", ("viagra", "casino"), id="one-per-line"),
        pytest.param("  viagra \r\n\n\t\ncasino", ("viagra", "casino"), id="trimmed-blank-dropped"),
        pytest.param("Viagra\nviagra\nVIAGRA", ("Viagra",), id="case-insensitive-duplicates"),
        pytest.param("buy now", ("buy now",), id="inner-spaces-kept"),
    ],
)
def test_parse_keys(text: str, keys: tuple[str, ...]) -> None:
    assert parse_keys(text) == keys


@pytest.mark.parametrize(
    ("member", "value"),
    [
        *[pytest.param(m, m.value, id=f"status-{m.value}") for m in CommentStatus],
        *[pytest.param(m, m.value, id=f"akismet-{m.value}") for m in AkismetVerdict],
    ],
)
def test_enums_are_their_stored_strings(member: str, value: str) -> None:
    assert member == value
    assert f"{member}" == value


def test_defaults_are_wordpress_like() -> None:
    """WordPress ships "must be manually approved" off and "previously approved" on."""
    assert DiscussionSettings() == DiscussionSettings(
        manual_approval=False,
        auto_approve_known_authors=True,
        max_links=2,
        moderation_keys=(),
        disallowed_keys=(),
        flood_seconds=15,
        duplicate_check=True,
        akismet_discard="spam",
    )
