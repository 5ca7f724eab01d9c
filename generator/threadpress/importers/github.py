"""GitHub issues and pull requests (REST) and Discussions (GraphQL) → threads.

REST inputs: `{"issue": {…}, "comments": […]}`, an issue object alone, a timeline list
(`/issues/N/timeline`, its `commented` events) or a bare comments list (one thread per issue).
Thread ids are `<owner>-<repo>-<number>` (`-discussion-<number>` for discussions) so issues of
different repositories never collide.

An issue object alone says nothing about its comments: its thread has no `comments` key, so a
re-import of it keeps the comments it has (see reimport.upstream_view). A bare comment that does
not name its issue (the legacy 2012 schema has no `issue_url`) is refused, never guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import common
from .common import bad_input, kind_of, parse_json

ISSUE_URL = re.compile(r"(?:api\.github\.com/repos/|github\.com/)([^/\s]+)/([^/\s]+)/"
                       r"(?:issues|pulls?|discussions)/(\d+)")
REPO_URL = re.compile(r"(?:api\.github\.com/repos/|github\.com/)([^/\s]+)/([^/\s#?]+)")
GHOST = "ghost"  # GitHub shows comments of deleted accounts as by "ghost"
MAX_PAGES = 50  # a bound on paging: 5,000 comments
REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
SCORE_UNIT = "reactions"  # issue points and comment scores are reaction totals


def fetch(arg: str) -> bytes:
    """Download an issue or pull request and all its comments, as one {"issue", "comments"}."""
    m = re.search(r"github\.com/([^/\s]+)/([^/\s]+)/(?:issues|pull)/(\d+)", arg)
    if not m:
        raise bad_input(arg, "not a GitHub issue or pull request URL (expected e.g. "
                             "https://github.com/OWNER/REPO/issues/28); save Discussions with "
                             "the GraphQL curl line in docs/import.md")
    api = "https://api.github.com/repos/{}/{}/issues/{}".format(*m.groups())
    issue = parse_json(common.http_get(api, arg), api)
    comments: list = []
    for page in range(1, MAX_PAGES + 1):
        url = f"{api}/comments?per_page=100&page={page}"
        batch = parse_json(common.http_get(url, arg), url)
        if not isinstance(batch, list):
            raise bad_input(url, f"expected a list of comments, found {kind_of(batch)}")
        comments.extend(batch)
        if len(batch) < 100:
            break
    return json.dumps({"issue": issue, "comments": comments}).encode()


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert an issue/PR payload or a Discussion GraphQL response into threads."""
    doc = parse_json(payload, name)
    conv = _Converter(name)
    if isinstance(doc, list):
        return conv.comment_list(doc)
    if not isinstance(doc, dict):
        raise bad_input(name, f"not a GitHub payload: expected an object or a list, "
                              f"found {kind_of(doc)}")
    if "data" in doc or "errors" in doc:
        return [conv.discussion(_discussion_node(doc, name))]
    if "issue" in doc:
        comments = doc.get("comments", [])
        if not isinstance(comments, list):
            raise bad_input(name, "`comments` must be the list from /issues/N/comments "
                                  "(or /timeline)")
        return [conv.issue(doc["issue"], comments)]
    if _is_issue(doc):
        return [conv.issue(doc, None)]
    raise bad_input(name, "not a GitHub issue: expected an issue object (number, title, user), "
                          "{\"issue\": …, \"comments\": […]}, a comments or timeline list, or a "
                          f"GraphQL discussion; found {kind_of(doc)}")


def _is_issue(d: Any) -> bool:
    return isinstance(d, dict) and isinstance(d.get("number"), int) \
        and isinstance(d.get("title"), str)


def _discussion_node(doc: dict, name: str) -> dict:
    """The Discussion inside `data.repository.discussion` or `data.node`."""
    data = doc.get("data")
    if not isinstance(data, dict):
        errors = doc.get("errors") or []
        first = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
        reason = f": GraphQL error: {first}" if first else ""
        raise bad_input(name, f"GraphQL response without data{reason}")
    repo = data.get("repository")
    node = repo.get("discussion") if isinstance(repo, dict) else data.get("node")
    if not isinstance(node, dict) or node.get("__typename", "Discussion") != "Discussion" \
            or not isinstance(node.get("title"), str):
        raise bad_input(name, "not a GitHub discussion: expected data.repository.discussion or "
                              "data.node with __typename Discussion and a title")
    return node


def _login(user: Any) -> str:
    """The account's login; a deleted account (null user) is GitHub's "ghost"."""
    if isinstance(user, dict) and isinstance(user.get("login"), str):
        return user["login"]
    return GHOST


def _text(body: Any) -> str:
    """Markdown with the API's CRLF line ends made LF."""
    return body.replace("\r\n", "\n") if isinstance(body, str) else ""


def _reactions(r: Any) -> dict | None:
    """The non-zero reaction counts of a REST `reactions` summary."""
    if not isinstance(r, dict):
        return None
    counts = {k: r[k] for k in REACTIONS if isinstance(r.get(k), int) and r[k] > 0}
    return counts or None


def _total(r: Any, key: str = "total_count") -> int | None:
    n = r.get(key) if isinstance(r, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else None


class _Converter:
    """Conversions that share the payload's name for error messages."""

    def __init__(self, name: str) -> None:
        self.name = name

    def time(self, value: Any, what: str) -> str | None:
        return common.utc_time(value, self.name, what)

    # --- REST ---------------------------------------------------------------------------

    def issue(self, issue: Any, comments: list | None) -> dict:
        """One issue or pull request with its comments (or timeline events); None: the payload
        holds none, so the thread has no `comments` and says nothing about them."""
        if not _is_issue(issue):
            raise bad_input(self.name, "`issue` must be an issue object with number and title, "
                                       f"found {kind_of(issue)}")
        where = ISSUE_URL.search(issue.get("html_url") or issue.get("url") or "")
        repo = REPO_URL.search(issue.get("repository_url") or issue.get("html_url") or "")
        owner_repo = f"{where.group(1)}-{where.group(2)}" if where else \
            (f"{repo.group(1)}-{repo.group(2)}" if repo else "github")
        html_url = issue.get("html_url")
        out = common.thread(
            title=issue["title"],
            id=f"{owner_repo}-{issue['number']}",
            source=html_url,
            author=_login(issue.get("user")),
            created=self.time(issue.get("created_at"), "issue created_at"),
            points=_total(issue.get("reactions")),
            tags=[lb["name"] for lb in issue.get("labels") or []
                  if isinstance(lb, dict) and isinstance(lb.get("name"), str)] or None,
            format="gfm",
            body=_text(issue.get("body")),
            comments=self.comments(_commented(comments or [], self.name), html_url),
            state=issue.get("state"),
            pull_request=True if issue.get("pull_request") else None,
            reactions=_reactions(issue.get("reactions")),
            score_unit=SCORE_UNIT,
        )
        if comments is None:
            del out["comments"]
        return out

    def comments(self, items: list[dict], issue_html: str | None) -> list[dict]:
        """Issue comments are flat on GitHub: all top-level, in source order, ids unique."""
        out, seen = [], set()
        for c in items:
            cid = str(c["id"])
            if cid not in seen:
                seen.add(cid)
                out.append(self.comment(c, issue_html))
        return out

    def comment(self, c: dict, issue_html: str | None) -> dict:
        """One REST comment; the legacy 2012 schema has no html_url, so it is built."""
        cid = str(c["id"])
        url = c.get("html_url") or (f"{issue_html}#issuecomment-{cid}" if issue_html else None)
        created = self.time(c.get("created_at"), f"comment {cid} created_at")
        updated = self.time(c.get("updated_at"), f"comment {cid} updated_at")
        user = c.get("user") if "user" in c else c.get("actor")
        return common.comment(
            id=cid,
            author=_login(user),
            created=created,
            edited=updated if updated and updated != created else None,
            score=_total(c.get("reactions")),
            url=url,
            format="gfm",
            body=_text(c.get("body")),
            author_association=c.get("author_association"),
            reactions=_reactions(c.get("reactions")),
        )

    def comment_list(self, items: list) -> list[dict]:
        """A bare comments or timeline list: one thread per issue, named from `issue_url`."""
        comments = _commented(items, self.name)
        if not comments:
            raise bad_input(self.name, "no comments in this list, and no issue to name a "
                                       "thread: save {\"issue\": …, \"comments\": […]}")
        groups: dict[tuple[str, str, str], list[dict]] = {}
        for c in comments:
            groups.setdefault(_issue_of(c, self.name), []).append(c)
        return [self.bare_thread(key, group) for key, group in groups.items()]

    def bare_thread(self, key: tuple[str, str, str], group: list[dict]) -> dict:
        """A thread known only through its comments: titled `owner/repo#number`."""
        owner, repo, number = key
        html = f"https://github.com/{owner}/{repo}/issues/{number}"
        return common.thread(title=f"{owner}/{repo}#{number}", id=f"{owner}-{repo}-{number}",
                             source=html, score_unit=SCORE_UNIT,
                             comments=self.comments(group, html))

    # --- GraphQL discussions -------------------------------------------------------------

    def discussion(self, node: dict) -> dict:
        """A Discussion with comments and their replies, flattened with `parent`."""
        answer = node.get("answer") if isinstance(node.get("answer"), dict) else None
        repo = node.get("repository") or {}
        owner = (repo.get("owner") or {}).get("login")
        m = ISSUE_URL.search(node.get("url") or "")
        owner_repo = f"{owner}-{repo.get('name')}" if owner and repo.get("name") else \
            (f"{m.group(1)}-{m.group(2)}" if m else "github")
        comments, total = self.discussion_comments(node.get("comments"), answer)
        labels = (node.get("labels") or {}).get("nodes") or []
        return common.thread(
            title=node["title"],
            id=f"{owner_repo}-discussion-{node.get('number', node.get('databaseId'))}",
            source=node.get("url"),
            author=_login(node.get("author")),
            created=self.time(node.get("createdAt"), "discussion createdAt"),
            points=_votes(node),
            tags=[lb["name"] for lb in labels
                  if isinstance(lb, dict) and isinstance(lb.get("name"), str)] or None,
            format="gfm",
            body=_text(node.get("body")),
            comments=comments,
            category=(node.get("category") or {}).get("name"),
            missing_comments=(total - len(comments)) or None,
            score_unit="upvotes" if _total(node, "upvoteCount") is not None else SCORE_UNIT,
        )

    def discussion_comments(self, conn: Any, answer: dict | None) -> tuple[list[dict], int]:
        """Flat comments (pre-order) and how many the discussion has in all."""
        nodes = _nodes(conn)
        total = max(_total(conn, "totalCount") or 0, len(nodes))
        out: list[dict] = []
        for node in nodes:
            if answer and node.get("id") == answer.get("id"):
                node = {**answer, **node, "isAnswer": True}
            if not _has_content(node):
                continue  # an id-only node (as PyGithub's query fetches): counted as missing
            top = self.discussion_comment(node, None)
            out.append(top)
            replies = node.get("replies")
            total += max(_total(replies, "totalCount") or 0, len(_nodes(replies)))
            out.extend(self.discussion_comment(r, top["id"])
                       for r in _nodes(replies) if _has_content(r))
        return out, total

    def discussion_comment(self, node: dict, parent: str | None) -> dict:
        """One discussion comment or reply; ids are databaseIds, as in #discussioncomment-N."""
        cid = str(node.get("databaseId") or node.get("id"))
        body = node.get("body")
        return common.comment(
            id=cid,
            parent=parent,
            author=_login(node.get("author")),
            created=self.time(node.get("createdAt"), f"comment {cid} createdAt"),
            edited=self.time(node.get("lastEditedAt"), f"comment {cid} lastEditedAt"),
            score=_votes(node),
            url=node.get("url"),
            deleted=bool(node.get("deletedAt")),
            dead=bool(node.get("isMinimized")),
            format="gfm" if isinstance(body, str) else "html",
            body=_text(body) if isinstance(body, str) else node.get("bodyHTML") or "",
            answer=True if node.get("isAnswer") else None,
            minimized_reason=node.get("minimizedReason") if node.get("isMinimized") else None,
        )


def _votes(node: dict) -> int | None:
    """A discussion node's upvotes, or its reactions total when the query has no upvotes
    (the thread's `score_unit` says which)."""
    up = _total(node, "upvoteCount")
    return up if up is not None else _total(node.get("reactions"), "totalCount")


def _nodes(conn: Any) -> list[dict]:
    nodes = conn.get("nodes") if isinstance(conn, dict) else None
    return [n for n in nodes or [] if isinstance(n, dict)]


def _has_content(node: dict) -> bool:
    return isinstance(node.get("body"), str) or isinstance(node.get("bodyHTML"), str)


def _commented(items: list, name: str) -> list[dict]:
    """REST comments, or the `commented` events of a timeline; each must carry an id."""
    out = []
    for i, c in enumerate(items):
        if not isinstance(c, dict):
            raise bad_input(name, f"item {i} of the list is {kind_of(c)}, not a comment")
        if "event" in c and c.get("event") != "commented":
            continue  # labels, assignments, closings: not part of the conversation
        if "event" not in c and ("body" not in c or "number" in c):
            raise bad_input(name, f"item {i} of the list is not a GitHub comment (no body): "
                                  f"found {kind_of(c)}")
        if isinstance(c.get("id"), bool) or not isinstance(c.get("id"), (int, str)):
            raise bad_input(name, f"comment {i} of the list has no id")
        out.append(c)
    return out


def _issue_of(c: dict, name: str) -> tuple[str, str, str]:
    """(owner, repo, number) of a comment's issue, from `issue_url` or `html_url`.

    A legacy (2012) comment has neither: its `url`, …/issues/comments/<id>, names the
    repository only. Tying it to an issue given beside it on the command line would be a guess
    (a wrong file would put one issue's comments under another), so it is an error with the
    way out: the explicit {"issue": …, "comments": […]} form."""
    m = ISSUE_URL.search(c.get("issue_url") or c.get("html_url") or "")
    if m:
        return m.group(1), m.group(2), m.group(3)
    raise bad_input(name, f"comment {c.get('id')} has no issue_url; cannot tell which issue it "
                          "belongs to: save it with its issue as {\"issue\": …, \"comments\": "
                          "[…]} (see docs/import.md)")
