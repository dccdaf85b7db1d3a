"""Read a WordPress eXtended RSS export (WXR 1.0 to 1.2) one post at a time.

Every post (``item``) is yielded with its comments as soon as its closing tag is read, and
then dropped, so memory holds one post however large the file. Pages, attachments, menu
items and other post types are yielded as ``Skipped`` with the reason. Field names and
values follow WordPress's exporter (wp-admin/includes/export.php) and its importer's
parsers (WXR_Parser).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO
from urllib.parse import unquote

from lxml import etree

from blogapp.comments.policy import CommentStatus
from blogapp.importers.model import (
    ImportedArticle,
    ImportedAuthor,
    ImportedComment,
    ImportFileError,
    Skipped,
)
from blogapp.importers.safe_xml import drop, iter_elements, text_of
from blogapp.importers.text import plain_text, single_line
from blogapp.importers.wp_html import article_body
from blogapp.models import ArticleStatus

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DISQUS_NS = "http://disqus.com"
_WP_NS_RE = re.compile(r"^https?://wordpress\.org/export/(1\.\d+)/$")
_VERSION_RE = re.compile(r"^\d+\.\d+$")
_ZERO_DATE = "0000-00-00 00:00:00"

#: WordPress post statuses -> (blogapp status, note); auto-draft is skipped.
POST_STATUSES = {
    "publish": (ArticleStatus.PUBLISHED, ""),
    "future": (ArticleStatus.PUBLISHED, ""),  # scheduled: published_at is in the future
    "draft": (ArticleStatus.DRAFT, ""),
    "pending": (ArticleStatus.DRAFT, "was pending review: imported as a draft"),
    "private": (ArticleStatus.DRAFT, "was private: imported as a draft"),
    "trash": (ArticleStatus.TRASH, ""),
}
#: WordPress ``comment_approved`` values.
COMMENT_STATUSES = {
    "1": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "post-trashed": CommentStatus.TRASH,  # trashed along with its post
}
SKIPPED_TYPES = {
    "page": "pages are not imported: blogapp has articles only",
    "attachment": "media files are not imported (their URLs stay in the posts)",
    "revision": "revisions are not imported",
    "nav_menu_item": "menus are not imported",
}


def parse_date(value: str, what: str) -> datetime | None:
    """Read WordPress's "YYYY-MM-DD HH:MM:SS"; the zero date means "none"."""
    value = value.strip()
    if not value or value == _ZERO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ImportFileError(f"{what} {value!r} is not a date (YYYY-MM-DD HH:MM:SS)") from None


def _content_key(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest[:32]}"


def _normal_id(value: str) -> str:
    value = value.strip()
    return str(int(value)) if value.isascii() and value.isdigit() else value


class WxrReader:
    """Iterate over a WXR file's authors and posts; ``site`` and ``version`` once read."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.version: str | None = None
        self.site = ""
        self.title = ""
        self._wp = ""
        self._excerpt = ""
        self._author_tag = self._comment_tag = ""
        self._comments: list[ImportedComment] = []
        self._item_line: int | None = None

    def _tag(self, name: str) -> str:
        return f"{{{self._wp}}}{name}"

    def __iter__(self) -> Iterator[ImportedAuthor | ImportedArticle | Skipped]:
        channel = None
        try:
            for event, element in iter_elements(self.stream):
                if event == "start":
                    if channel is None and element.getparent() is None:
                        self._check_root(element)
                    elif element.tag == "channel" and channel is None:
                        channel = element
                    elif element.tag in ("item", self._author_tag):
                        self._require_version(element)
                        if element.tag == "item":
                            self._comments, self._item_line = [], element.sourceline
                    continue
                parent = element.getparent()
                if element.tag == self._comment_tag and parent is not None \
                        and parent.tag == "item":
                    self._comments.append(self._comment(element, parent))
                    parent.remove(element)
                elif parent is not None and parent is channel:
                    yield from self._channel_child(element)
                    drop(element)
        except ImportFileError as exc:
            if self._item_line and not exc.item:
                raise ImportFileError(f"{exc.args[0]} (in the post that starts on line "
                                      f"{self._item_line})") from None
            raise
        if self.version is None:
            raise ImportFileError("this is not a WordPress export: it has no wp:wxr_version")

    def _check_root(self, root: etree._Element) -> None:
        if root.tag == f"{{{DISQUS_NS}}}disqus":
            raise ImportFileError("this is a Disqus export: use `import disqus`")
        if root.tag != "rss":
            raise ImportFileError(f"wrong format: the file starts with <{root.tag}>, a "
                                  "WordPress export (WXR) starts with <rss>", line=root.sourceline)
        for uri in root.nsmap.values():
            if _WP_NS_RE.match(uri or ""):
                self._wp = uri
                self._excerpt = f"{uri}excerpt/"
                self._author_tag, self._comment_tag = self._tag("author"), self._tag("comment")
        if not self._wp:
            raise ImportFileError("this RSS file is not a WordPress export: it declares no "
                                  "wp namespace (http://wordpress.org/export/1.2/)")

    def _require_version(self, element: etree._Element) -> None:
        if self.version is None:
            raise ImportFileError("this is not a WordPress export: no wp:wxr_version before "
                                  "the first author or post", line=element.sourceline)

    def _channel_child(self, element: etree._Element):
        tag = element.tag
        if tag == self._tag("wxr_version"):
            version = text_of(element).strip()
            if not _VERSION_RE.match(version):
                raise ImportFileError(f"wp:wxr_version {version!r} is not a version number",
                                      line=element.sourceline)
            self.version = version
        elif tag == self._tag("base_blog_url") or (tag == "link" and not self.site):
            self.site = text_of(element).strip().rstrip("/")
        elif tag == "title":
            self.title = single_line(text_of(element))
        elif tag == self._tag("author"):
            yield self._author(element)
        elif tag == "item":
            yield self._item(element)
            self._comments, self._item_line = [], None

    def _author(self, element: etree._Element) -> ImportedAuthor:
        def field(name: str) -> str:
            return single_line(text_of(element.find(self._tag(name))))

        return ImportedAuthor(source_id=_normal_id(field("author_id")),
                              login=field("author_login"), email=field("author_email"),
                              display_name=field("author_display_name"))

    def _wp_text(self, element: etree._Element, name: str) -> str:
        return text_of(element.find(self._tag(name)))

    def _item(self, item: etree._Element) -> ImportedArticle | Skipped:
        post_id = _normal_id(self._wp_text(item, "post_id"))
        title = single_line(plain_text(text_of(item.find("title"))))
        label = f'post {post_id or "(no id)"} ("{title[:60]}")'
        comments = tuple(self._comments)
        post_type = self._wp_text(item, "post_type").strip() or "post"
        if post_type != "post":
            reason = SKIPPED_TYPES.get(post_type, f"post type {post_type!r} is not an article")
            return Skipped(label, reason, len(comments))
        wp_status = self._wp_text(item, "status").strip() or "publish"
        if wp_status == "auto-draft":
            return Skipped(label, "an auto-draft WordPress never published", len(comments))
        if wp_status not in POST_STATUSES:
            raise ImportFileError(
                f"unknown post status {wp_status!r} (expected one of "
                f"{', '.join(sorted(POST_STATUSES))} or auto-draft)",
                item=label, line=item.sourceline)
        status, note = POST_STATUSES[wp_status]
        try:
            local = parse_date(self._wp_text(item, "post_date"), "post_date")
            gmt = parse_date(self._wp_text(item, "post_date_gmt"), "post_date_gmt")
            modified = (parse_date(self._wp_text(item, "post_modified_gmt"), "post_modified_gmt")
                        or parse_date(self._wp_text(item, "post_modified"), "post_modified"))
        except ImportFileError as exc:
            raise ImportFileError(exc.args[0], item=label, line=item.sourceline) from None
        date = gmt or local
        if date is None:
            raise ImportFileError("the post has no date (post_date_gmt nor post_date)",
                                  item=label, line=item.sourceline)
        content = text_of(item.find(f"{{{CONTENT_NS}}}encoded"))
        guid = text_of(item.find("guid")).strip()
        name = unquote(self._wp_text(item, "post_name").strip())
        return ImportedArticle(
            source_id=post_id or _content_key("post", guid, title, str(date)),
            title=title, slug=name or title, body=article_body(content),
            excerpt=plain_text(text_of(item.find(f"{{{self._excerpt}}}encoded"))),
            status=status.value,
            # a draft has no publication date; a trashed draft's gmt date is the zero date
            published_at=(None if status is ArticleStatus.DRAFT
                          else gmt if wp_status == "trash" else date),
            created_at=date, updated_at=modified or date,
            comments_open=self._wp_text(item, "comment_status").strip() == "open",
            author_login=single_line(text_of(item.find(f"{{{DC_NS}}}creator"))),
            permalink=text_of(item.find("link")).strip(),
            old_path=f"/{(local or date):%Y/%m/%d}/{name}/" if name else "",
            comments=comments, notes=(note,) if note else (), line=item.sourceline,
        )

    def _comment(self, element: etree._Element, item: etree._Element) -> ImportedComment:
        # One pass over the children: a find() per field costs more than the rest together.
        prefix = len(self._wp) + 2
        fields = {child.tag[prefix:]: text_of(child) for child in element
                  if isinstance(child.tag, str) and child.tag.startswith(f"{{{self._wp}}}")}

        def field(name: str) -> str:
            return fields.get(name, "")

        post = _normal_id(self._wp_text(item, "post_id")) or "(no id)"
        comment_id = _normal_id(field("comment_id"))
        label = f"post {post}, comment {comment_id or '(no id)'}"
        approved = field("comment_approved").strip()
        if approved not in COMMENT_STATUSES:
            raise ImportFileError(
                f"unknown comment status {approved!r} (expected 1, 0, spam, trash or "
                "post-trashed)", item=label, line=element.sourceline)
        try:
            date = (parse_date(field("comment_date_gmt"), "comment_date_gmt")
                    or parse_date(field("comment_date"), "comment_date"))
        except ImportFileError as exc:
            raise ImportFileError(exc.args[0], item=label, line=element.sourceline) from None
        if date is None:
            raise ImportFileError("the comment has no date", item=label,
                                  line=element.sourceline)
        author = single_line(plain_text(field("comment_author")))
        email = single_line(field("comment_author_email"))
        content = field("comment_content")
        parent = _normal_id(field("comment_parent"))
        user = _normal_id(field("comment_user_id"))
        kind = field("comment_type").strip() or "comment"
        return ImportedComment(
            source_id=comment_id or _content_key("comment", post, author, email, str(date),
                                                 content),
            parent_id=parent if parent not in ("", "0") else None,
            author=author, email=email, url=single_line(field("comment_author_url")),
            ip=single_line(field("comment_author_IP")), created_at=date, content=content,
            status=COMMENT_STATUSES[approved].value, kind=kind,
            user_ref=user if user not in ("", "0") else None, line=element.sourceline,
        )
