"""Export files the import tests write themselves: WXR (WordPress) and Disqus XML."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wxr_comment(comment_id: int | str = 1, *, author: str = "Ann Reader",
                email: str = "ann@example.org", url: str = "", ip: str = "203.0.113.9",
                date: str = "2019-03-05 10:00:00", date_gmt: str = "2019-03-05 09:00:00",
                content: str = "A comment.", approved: str = "1", kind: str = "comment",
                parent: int | str = 0, user_id: int = 0) -> str:
    return f"""
		<wp:comment>
			<wp:comment_id>{comment_id}</wp:comment_id>
			<wp:comment_author>{cdata(author)}</wp:comment_author>
			<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>
			<wp:comment_author_url>{cdata(url)}</wp:comment_author_url>
			<wp:comment_author_IP>{cdata(ip)}</wp:comment_author_IP>
			<wp:comment_date>{cdata(date)}</wp:comment_date>
			<wp:comment_date_gmt>{cdata(date_gmt)}</wp:comment_date_gmt>
			<wp:comment_content>{cdata(content)}</wp:comment_content>
			<wp:comment_approved>{cdata(approved)}</wp:comment_approved>
			<wp:comment_type>{cdata(kind)}</wp:comment_type>
			<wp:comment_parent>{parent}</wp:comment_parent>
			<wp:comment_user_id>{user_id}</wp:comment_user_id>
		</wp:comment>"""


def wxr_item(post_id: int | str = 1, *, title: str = "A post", content: str = "Body text.",
             excerpt: str = "", status: str = "publish", post_type: str = "post",
             name: str | None = None, date: str = "2019-03-04 10:00:00",
             date_gmt: str = "2019-03-04 09:00:00", comment_status: str = "open",
             creator: str = "admin", link: str | None = None,
             comments: Iterable[str] = ()) -> str:
    name = f"post-{post_id}" if name is None else name
    link = f"http://old.example/{date[:10].replace('-', '/')}/{name}/" if link is None else link
    return f"""
	<item>
		<title>{cdata(title)}</title>
		<link>{link}</link>
		<pubDate>Mon, 04 Mar 2019 09:00:00 +0000</pubDate>
		<dc:creator>{cdata(creator)}</dc:creator>
		<guid isPermaLink="false">http://old.example/?p={post_id}</guid>
		<description></description>
		<content:encoded>{cdata(content)}</content:encoded>
		<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
		<wp:post_id>{post_id}</wp:post_id>
		<wp:post_date>{cdata(date)}</wp:post_date>
		<wp:post_date_gmt>{cdata(date_gmt)}</wp:post_date_gmt>
		<wp:comment_status>{cdata(comment_status)}</wp:comment_status>
		<wp:ping_status>{cdata("open")}</wp:ping_status>
		<wp:post_name>{cdata(name)}</wp:post_name>
		<wp:status>{cdata(status)}</wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type>{cdata(post_type)}</wp:post_type>
		<wp:post_password></wp:post_password>
		<wp:is_sticky>0</wp:is_sticky>{"".join(comments)}
	</item>"""


def wxr_author(author_id: int = 1, login: str = "admin", email: str = "owner@example.com",
               name: str = "The Owner") -> str:
    return (f"\t<wp:author><wp:author_id>{author_id}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
            "<wp:author_first_name></wp:author_first_name>"
            "<wp:author_last_name></wp:author_last_name></wp:author>\n")


def wxr(*items: str, authors: Iterable[str] = (), version: str = "1.2",
        site: str = "http://old.example") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/{version}/"
>
<channel>
	<title>The old blog</title>
	<link>{site}</link>
	<description>Just another WordPress site</description>
	<language>en-US</language>
	<wp:wxr_version>{version}</wp:wxr_version>
	<wp:base_site_url>{site}</wp:base_site_url>
	<wp:base_blog_url>{site}</wp:base_blog_url>
{"".join(authors)}{"".join(items)}
</channel>
</rss>
"""


def disqus_thread(dsq_id: int | str, link: str, *, identifier: str = "",
                  title: str = "A page", forum: str = "oldblog") -> str:
    return f"""
  <thread dsq:id="{dsq_id}">
    <id>{identifier}</id>
    <forum>{forum}</forum>
    <category dsq:id="1"/>
    <link>{link}</link>
    <title>{cdata(title)}</title>
    <message/>
    <createdAt>2019-03-04T09:00:00Z</createdAt>
    <author><email>staff@example.com</email><name>Staff</name>
      <isAnonymous>false</isAnonymous><username>staff</username></author>
    <ipAddress>127.0.0.1</ipAddress>
    <isClosed>false</isClosed>
    <isDeleted>false</isDeleted>
  </thread>"""


def disqus_post(dsq_id: int | str | None, thread: int | str, *, message: str = "<p>Hi</p>",
                name: str = "Dee Reader", email: str = "dee@example.org",
                username: str = "dee", ip: str = "198.51.100.4",
                created: str = "2019-03-07T09:00:00Z", spam: str = "false",
                deleted: str = "false", parent: int | str | None = None) -> str:
    attribute = f' dsq:id="{dsq_id}"' if dsq_id is not None else ""
    parent_tag = f'\n    <parent dsq:id="{parent}"/>' if parent is not None else ""
    return f"""
  <post{attribute}>
    <id/>
    <message>{cdata(message)}</message>
    <createdAt>{created}</createdAt>
    <isDeleted>{deleted}</isDeleted>
    <isSpam>{spam}</isSpam>
    <author><email>{email}</email><name>{name}</name>
      <isAnonymous>false</isAnonymous><username>{username}</username></author>
    <ipAddress>{ip}</ipAddress>
    <thread dsq:id="{thread}"/>{parent_tag}
  </post>"""


def disqus(*parts: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd">
  <category dsq:id="1"><forum>oldblog</forum><title>General</title>
    <isDefault>true</isDefault></category>{"".join(parts)}
</disqus>
"""


def write(directory: Path, text: str, name: str = "export.xml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run(runner: FlaskCliRunner, *args: str | Path):
    """Invoke the CLI; the result's output holds the summary or the error."""
    return runner.invoke(args=[str(arg) for arg in args])


def import_wordpress(app: Flask, runner: FlaskCliRunner, directory: Path, text: str,
                     *options: str):
    result = run(runner, "import", "wordpress", write(directory, text), *options)
    assert result.exit_code == 0, result.output
    return result
