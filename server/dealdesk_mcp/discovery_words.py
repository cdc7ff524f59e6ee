"""What search_operations knows beyond the catalog's own text, as plain tables: CRM words that mean
the same thing, words that imply others, phrases, words that carry no meaning in a request, and how
much each part of a tool counts. A ranking is explained by these tables and by the BM25 scores of the
tool's text (discovery.py); nothing else goes into it.

Table words are written as a person types them; discovery.py lowercases and stems them the way it
stems the catalog. A query word matches a table word by its exact form first (so "changed" can mean
something "change" does not), and by its stem only when its exact form is in no table.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# How much a word brought in by a table counts, next to a word the query itself has (1.0): a
# synonym (SAME) and an implied word (IMPLIES).
SYNONYM_WEIGHT = 0.5
IMPLIED_WEIGHT = 0.5
# How much each part of a tool's text counts. The name and title say what a tool does; the
# description says more, with more words; parameters mention many things a tool merely touches.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 2.0,
    "title": 1.5,
    "text": 0.75,
    "params": 0.2,
    # The name's words unstemmed: "deals" is nearer get_deals than get_deal.
    "exact": 0.6,
    # Two words of the query near each other (PAIR_WINDOW) in the title or description as well:
    # "move ... stage" is update_deal's, though "stage" alone is update_stage's.
    "pairs": 1.0,
}
PAIR_WINDOW = 3
# A tool's score is scaled by the share of the query's words it matches (each with its aliases),
# raised to this power: a tool that matches every word beats one that matches one word strongly.
COVERAGE_POWER = 1.5
# Deprecated tools still answer, but their successors should come first.
DEPRECATED_FACTOR = 0.5
# What a request asks to do, from its first word: a question reads; otherwise the kinds of the word,
# its synonyms and the words it implies ("archive" implies update). A tool's kind is that of the verb
# its name starts with; a tool that does something else does count VERB_FACTOR.
VERB_FACTOR = 0.6
VERB_KINDS: dict[str, str] = {
    "get": "read",
    "list": "read",
    "search": "read",
    "find": "read",
    "download": "read",
    "add": "add",
    "create": "add",
    "post": "add",
    "upload": "add",
    "update": "update",
    "put": "update",
    "patch": "update",
    "archive": "update",
    "delete": "delete",
    # Other changes: a request for one of these agrees with any change, and the other way round.
    "merge": "write",
    "duplicate": "write",
    "convert": "write",
    "assert": "write",
}
WRITE_KINDS: frozenset[str] = _words("add update delete write")
QUESTION_WORDS: frozenset[str] = _words("who what which how when where whose is are")
# A query that names an API wants its tools: the others count OTHER_API_FACTOR.
API_WORDS: dict[str, str] = {"attio": "attio", "pipedrive": "pipedrive"}
OTHER_API_FACTOR = 0.3
# What a CRM word means in one API's terms, once the query is known to be about that API.
_ATTIO_RECORDS = ("record",)
API_IMPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "attio": {
        # Companies, people and deals are records of Attio objects; stages are statuses.
        "company": _ATTIO_RECORDS,
        "companies": _ATTIO_RECORDS,
        "organization": _ATTIO_RECORDS,
        "person": _ATTIO_RECORDS,
        "people": _ATTIO_RECORDS,
        "contact": _ATTIO_RECORDS,
        "contacts": _ATTIO_RECORDS,
        "deal": _ATTIO_RECORDS,
        "deals": _ATTIO_RECORDS,
        "stage": ("status",),
        "stages": ("status",),
        "user": ("member",),
        "users": ("member",),
    },
}
# The first word of a request that is not a verb names what the tool works on ("move a deal to
# the next stage" is about the deal): it counts this much more than the others.
OBJECT_WEIGHT = 1.5
# A number in a query is most often an id ("get deal 42").
NUMBER_IMPLIES: tuple[str, ...] = ("id",)
# BM25 parameters (bm25s's Lucene variant); b is how much a long text is discounted.
BM25_K1 = 1.2
BM25_B = 0.75

# Words that mean the same in a CRM request: any word of a group also searches the others.
SAME: tuple[tuple[str, ...], ...] = (
    ("person", "persons", "contact", "contacts", "people", "individual"),
    ("organization", "organisation", "org", "orgs", "company", "companies", "business", "firm", "accounts"),
    ("deal", "opportunity", "opportunities", "opp", "opps"),
    ("lead", "prospect", "inquiry", "enquiry"),
    ("owner", "own", "owns", "owned", "assignee"),
    ("stage", "step"),
    ("pipeline", "funnel"),
    ("add", "create", "new", "make", "insert"),
    ("update", "change", "edit", "modify", "alter", "adjust"),
    ("delete", "remove", "drop", "erase", "discard"),
    # One item (get) and many (list) are different tools; "show" may mean either.
    ("get", "fetch", "retrieve"),
    ("search", "find", "lookup", "query", "locate"),
    ("email", "emails", "mail", "mails"),
    ("file", "files", "attachment", "attachments", "document", "documents", "doc"),
    ("user", "users", "colleague", "teammate", "coworker", "employee", "staff", "rep", "salesperson"),
    ("product", "products", "sku"),
    ("follower", "followers", "follow", "watcher", "watch", "watching"),
    ("changelog", "history", "audit"),
    ("field", "fields", "attribute", "attributes", "column", "property", "properties"),
    ("option", "options", "choice", "choices"),
    ("label", "tag"),
    ("goal", "target", "quota"),
    ("merge", "combine", "dedupe", "deduplicate"),
    ("note", "memo"),
    ("permission", "permissions", "access", "rights"),
    ("won", "win", "sold"),
    ("value", "amount", "worth"),
    ("recording", "audio"),
    ("transcript", "transcription"),
    ("summary", "total", "totals"),
    ("catalog", "catalogue"),
    ("color", "colour"),
)

# Words that imply others, one way: a call is an activity, but an activity is not always a call.
IMPLIES: dict[str, tuple[str, ...]] = {
    "account": ("organization",),
    "accounts": ("organization",),
    "customer": ("person", "organization"),
    "everyone": ("person",),
    "everybody": ("person",),
    "client": ("person", "organization"),
    "call": ("activity",),
    "meeting": ("activity",),
    "meetings": ("activity",),
    "task": ("activity",),
    "tasks": ("activity",),
    "appointment": ("activity", "meeting"),
    "todo": ("activity", "task"),
    "remind": ("activity", "add"),
    "reminder": ("activity", "add"),
    # Plural where many are meant: the unstemmed "exact" field then prefers get_activities.
    "agenda": ("activities", "list"),
    "calendar": ("activities", "list"),
    "upcoming": ("activities",),
    "schedule": ("activity", "add"),
    "reschedule": ("activity", "update"),
    "cancel": ("delete", "update"),
    "log": ("add",),
    "move": ("update",),
    "mark": ("update",),
    "set": ("update", "add"),
    "rename": ("update",),
    "reassign": ("update", "owner"),
    "assign": ("owner",),
    "hand": ("owner", "update"),
    "copy": ("duplicate",),
    "clone": ("duplicate",),
    "sell": ("won", "deal"),
    "sales": ("deal",),
    "revenue": ("won", "value", "summary"),
    "lost": ("deal", "status", "update"),
    "won": ("deal", "status", "update"),
    "archive": ("update",),
    "archived": (),
    "follow": ("add",),
    "pin": ("update",),
    "attach": ("file", "add"),
    "next": ("stage", "update"),
    "forecast": ("timeline",),
    "month": ("timeline",),
    "quarter": ("timeline",),
    "changed": ("changelog", "updates"),
    "changes": ("changelog", "updates"),
    "trail": ("changelog",),
    "timeline": ("updates",),
    "notify": ("webhook",),
    "notification": ("webhook",),
    "callback": ("webhook",),
    "server": ("webhook",),
    "endpoint": ("webhook",),
    "url": ("webhook",),
    "dropdown": ("option",),
    "picklist": ("option",),
    "select": ("option",),
    "upload": ("file", "add"),
    "pdf": ("file",),
    "photo": ("picture",),
    "image": ("picture",),
    "avatar": ("picture",),
    "discount": ("deal",),
    "inbox": ("lead",),
    "subsidiary": ("organization", "relationship", "parent"),
    "subsidiaries": ("organization", "relationship", "parent"),
    "parent": ("relationship",),
    "who": ("get",),
    "what": ("get",),
    "which": ("get",),
    "show": ("get", "list"),
    "view": ("get", "list"),
    "display": ("get", "list"),
    "see": ("get", "visible"),
    "read": ("get",),
    "inspect": ("get",),
    "id": ("get",),
    "details": ("get",),
    "info": ("get",),
    "information": ("get",),
    "invite": ("add", "user"),
    "deactivate": ("update", "user"),
    "complete": ("done", "update"),
    "done": ("update",),
    "finish": ("done",),
    "upsert": ("assert",),
    "reply": ("comment", "add"),
    "comment": ("add",),
    "dedup": ("merge",),
    "duplicates": ("merge",),
    "member": ("user", "workspace"),
    "members": ("user", "workspace"),
    "teammates": ("user",),
    "reps": ("user",),
    "email": ("mail", "message"),
    "phone": ("call",),
}

# Phrases that mean more than their words; they stand for their words, which count like the query's own.
PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("who", "am", "i"): ("current", "user"),
    ("logged", "in"): ("current", "user"),
    ("look", "up"): ("search",),
    ("set", "up"): ("add",),
    ("write", "down"): ("add", "note"),
    ("follow", "up"): ("activity",),
    ("sales", "rep"): ("user",),
    ("sales", "reps"): ("user",),
    ("line", "item"): ("product",),
    ("product", "line"): ("product", "deal"),
    ("custom", "field"): ("field",),
    ("video", "call"): ("provider", "meeting"),
    ("video", "conferencing"): ("provider", "meeting"),
    ("clean", "up"): ("merge",),
    ("come", "from"): ("source",),
    ("go", "rotten"): ("rotting",),
}

# Words that say nothing about which tool is meant; they still bring in their table words above.
STOPWORDS: frozenset[str] = _words(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with i me my mine we us our ours you your please can could "
    "would should want need some any all every who what which how when where whose do does did "
    "have has had from about am so just also one let lets called named titled details info "
    "information show view display"
)
