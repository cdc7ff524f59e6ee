"""The seeded Attio workspace: Northwind Analytics' CRM, the same company the Pipedrive half seeds.

Ids are name-based UUIDs (the same in every fresh sandbox); times are relative to the seed moment.
Values go through the same Writer as API writes, so seeded and written records have one shape, and
a few records carry history (a deal that moved stage, a person who changed title).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import structure
from .comments import new_comment, new_thread
from .files import new_entry, store_upload
from .lists import new_list
from .meetings import new_meeting, new_recording
from .members import new_member
from .notes import new_note
from .objects import new_object, new_view, system_attributes
from .recordset import Values, check_unique, mirror
from .repo import Doc, Repo
from .scim import new_group
from .tasks import new_task
from .webhooks import new_webhook
from .wire import member_actor, seeded_id, stamp

MEMBERS = [
    ("alex", "Alex", "Morgan", "alex.morgan@northwind-analytics.example", "admin"),
    ("priya", "Priya", "Natarajan", "priya.natarajan@northwind-analytics.example", "member"),
    ("tomas", "Tomás", "Rivera", "tomas.rivera@northwind-analytics.example", "member"),
    ("sam", "Sam", "Keller", "sam.keller@northwind-analytics.example", "suspended"),
]

OBJECTS = [
    ("people", "Person", "People"),
    ("companies", "Company", "Companies"),
    ("deals", "Deal", "Deals"),
    ("contracts", "Contract", "Contracts"),  # the custom object
]

# slug, title, type, options: multiselect / unique / required / currency / target object
ATTRIBUTES: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {
    "people": [
        ("name", "Name", "personal-name", {}),
        ("email_addresses", "Email addresses", "email-address", {"multi": True, "unique": True}),
        ("phone_numbers", "Phone numbers", "phone-number", {"multi": True}),
        ("job_title", "Job title", "text", {}),
        ("company", "Company", "record-reference", {"target": "companies"}),
        ("primary_location", "Primary location", "location", {}),
        ("lead_source", "Lead source", "select", {"options": ["Website", "Referral", "Event", "Outbound"]}),
        ("associated_deals", "Associated deals", "record-reference", {"multi": True, "target": "deals"}),
        ("description", "Description", "text", {}),
    ],
    "companies": [
        ("name", "Name", "text", {}),
        ("domains", "Domains", "domain", {"multi": True, "unique": True}),
        ("description", "Description", "text", {}),
        ("team", "Team", "record-reference", {"multi": True, "target": "people"}),
        (
            "categories",
            "Categories",
            "select",
            {
                "multi": True,
                "options": ["SaaS", "Logistics", "Retail", "Healthcare", "Energy", "Finance", "Media"],
            },
        ),
        (
            "employee_range",
            "Employee range",
            "select",
            {"options": ["1-10", "11-50", "51-250", "251-1K", "1K-5K", "5K+"]},
        ),
        ("primary_location", "Primary location", "location", {}),
        ("estimated_arr", "Estimated ARR", "currency", {"currency": "USD"}),
        ("foundation_date", "Foundation date", "date", {}),
        ("associated_deals", "Associated deals", "record-reference", {"multi": True, "target": "deals"}),
    ],
    "deals": [
        ("name", "Deal name", "text", {"required": True}),
        ("stage", "Deal stage", "status", {"statuses": ["Lead", "In Progress", "Won", "Lost"]}),
        ("owner", "Deal owner", "actor-reference", {}),
        ("value", "Deal value", "currency", {"currency": "USD"}),
        ("associated_people", "Associated people", "record-reference", {"multi": True, "target": "people"}),
        ("associated_company", "Associated company", "record-reference", {"target": "companies"}),
    ],
    "contracts": [
        ("name", "Name", "text", {"required": True}),
        ("company", "Company", "record-reference", {"target": "companies"}),
        ("annual_value", "Annual value", "currency", {"currency": "EUR"}),
        ("seats", "Seats", "number", {}),
        ("signed_on", "Signed on", "date", {}),
        ("auto_renews", "Renews automatically", "checkbox", {}),
        ("health", "Account health", "rating", {}),
    ],
}
# Two-sided references: (object, slug) <-> (object, slug).
RELATIONSHIPS = [
    (("people", "company"), ("companies", "team")),
    (("deals", "associated_company"), ("companies", "associated_deals")),
    (("deals", "associated_people"), ("people", "associated_deals")),
]

COMPANIES = [
    # name, domain, city, country, categories, employees, ARR, founded
    (
        "Acme Logistics",
        "acme-logistics.example",
        "Chicago",
        "US",
        ["Logistics"],
        "251-1K",
        4_200_000,
        "1998-03-14",
    ),
    (
        "Bluefin Retail",
        "bluefin-retail.example",
        "Austin",
        "US",
        ["Retail"],
        "1K-5K",
        9_800_000,
        "2005-09-01",
    ),
    (
        "Cedar Health",
        "cedarhealth.example",
        "Boston",
        "US",
        ["Healthcare"],
        "51-250",
        1_350_000,
        "2012-06-20",
    ),
    ("Dunmore Foods", "dunmorefoods.example", "Dublin", "IE", ["Retail"], "251-1K", 2_700_000, "1987-11-05"),
    (
        "Evergreen Energy",
        "evergreen-energy.example",
        "Portland",
        "US",
        ["Energy"],
        "51-250",
        800_000,
        "2016-02-29",
    ),
    (
        "Fjord Shipping",
        "fjordshipping.example",
        "Oslo",
        "NO",
        ["Logistics"],
        "1K-5K",
        12_500_000,
        "1979-04-30",
    ),
    (
        "Granite Insurance",
        "granite-insurance.example",
        "Denver",
        "US",
        ["Finance"],
        "5K+",
        31_000_000,
        "1964-08-12",
    ),
    (
        "Harbor Media",
        "harbormedia.example",
        "London",
        "GB",
        ["Media", "SaaS"],
        "11-50",
        450_000,
        "2019-10-10",
    ),
    ("Iris Biotech", "irisbiotech.example", "Basel", "CH", ["Healthcare"], "51-250", 2_100_000, "2010-01-18"),
    ("Nimbus Software", "nimbus-software.example", "Berlin", "DE", ["SaaS"], "11-50", 600_000, "2020-05-04"),
]
DIAL = {
    "US": "+1 312 555 01",
    "IE": "+353 1 555 01",
    "NO": "+47 2 255 01",
    "GB": "+44 20 7946 01",
    "CH": "+41 61 555 01",
    "DE": "+49 30 5555 01",
}
PEOPLE = [
    # first, last, company index, job title, lead source
    ("Olivia", "Bennett", 0, "VP Operations", "Website"),
    ("Liam", "Carter", 0, "Head of IT", "Referral"),
    ("Emma", "Schulz", 1, "Director of Analytics", "Event"),
    ("Noah", "Fischer", 1, "Procurement Manager", "Outbound"),
    ("Ava", "Murphy", 2, "Chief Medical Information Officer", "Website"),
    ("Mateo", "Garcia", 3, "Head of Supply Chain", "Referral"),
    ("Sofia", "Rossi", 3, "Finance Director", "Event"),
    ("Lucas", "Hansen", 5, "CTO", "Outbound"),
    ("Mia", "Larsen", 5, "Data Engineer", "Website"),
    ("Ethan", "Brooks", 6, "Chief Risk Officer", "Referral"),
    ("Hannah", "Wright", 7, "Managing Editor", "Event"),
    ("Jonas", "Meier", 8, "Head of R&D Informatics", "Website"),
    ("Chloe", "Martin", 4, "Sustainability Lead", "Outbound"),
    ("Arjun", "Mehta", 9, "Founder & CEO", "Referral"),
    ("Lena", "Vogel", 9, "Head of Product", "Website"),
    ("Kenji", "Tanaka", 6, "Data Platform Manager", "Event"),
]
DEALS = [
    # name, company index, people indexes, stage history (oldest first), value, owner
    ("Acme Logistics - fleet analytics", 0, [0, 1], ["Lead", "In Progress"], 120_000, "alex"),
    ("Bluefin Retail - store dashboards", 1, [2], ["Lead", "In Progress", "Won"], 240_000, "priya"),
    ("Cedar Health - pilot", 2, [4], ["Lead"], 35_000, "tomas"),
    ("Dunmore Foods - demand forecasting", 3, [5, 6], ["Lead", "Lost"], 80_000, "alex"),
    ("Fjord Shipping - route optimisation", 5, [7], ["Lead", "In Progress"], 310_000, "priya"),
    ("Granite Insurance - risk models", 6, [9, 15], ["Lead", "In Progress", "Won"], 520_000, "alex"),
    ("Harbor Media - audience insights", 7, [10], ["Lead"], 18_000, "tomas"),
    ("Nimbus Software - embedded BI", 9, [13, 14], ["Lead", "In Progress"], 42_000, "priya"),
]
CONTRACTS = [
    # name, company index, annual value (EUR), seats, signed days ago, auto renews, health
    ("Bluefin Retail - enterprise 2024", 1, 210_000, 250, 120, True, 4),
    ("Granite Insurance - platform licence", 6, 480_000, 600, 60, True, 5),
    ("Dunmore Foods - starter", 3, 24_000, 20, 400, False, 2),
    ("Fjord Shipping - proof of concept", 5, 15_000, 10, 30, False, 3),
]


class Seeder:
    def __init__(self, repo: Repo, moment: datetime) -> None:
        self.repo = repo
        self.moment = moment
        self.objects: dict[str, Doc] = {}
        self.attributes: dict[tuple[str, str], Doc] = {}
        self.members: dict[str, str] = {}
        self.records: dict[str, list[Doc]] = {}

    def ago(self, days: float) -> datetime:
        return self.moment - timedelta(days=days)

    def run(self) -> None:
        self.seed_members()
        self.seed_objects()
        self.seed_companies()
        self.seed_people()
        self.seed_deals()
        self.seed_contracts()
        self.seed_lists()
        self.seed_notes_and_tasks()
        self.seed_threads()
        self.seed_meetings()
        self.seed_files()
        self.seed_webhook_and_groups()

    # -- workspace structure ----------------------------------------------------------------------

    def seed_members(self) -> None:
        for index, (key, first, last, email, access) in enumerate(MEMBERS):
            mid = seeded_id("member", key)
            self.repo.put(
                "member", mid, new_member(mid, first, last, email, access, self.ago(400 - index * 30))
            )
            self.members[key] = mid

    def seed_objects(self) -> None:
        created = self.ago(400)
        for slug, singular, plural in OBJECTS:
            oid = seeded_id("object", slug)
            self.objects[slug] = self.repo.put(
                "object", oid, new_object(oid, slug, singular, plural, created)
            )
            system_attributes(
                self.repo,
                oid,
                "objects",
                created,
                [seeded_id("attribute", slug, s) for s in ("record_id", "created_at", "created_by")],
            )
            view_id = seeded_id("view", slug)
            self.repo.put(
                "view", view_id, new_view(oid, "objects", view_id, f"All {plural.lower()}", created)
            )
        for slug, specs in ATTRIBUTES.items():
            oid = structure.object_id(self.objects[slug])
            for api_slug, title, kind, extra in specs:
                attr = structure.new_attribute(
                    oid, "objects", seeded_id("attribute", slug, api_slug), title=title, api_slug=api_slug, type=kind,
                    moment=created, is_system=api_slug in ("name", "email_addresses", "domains"),
                    is_required=extra.get("required", False), is_unique=extra.get("unique", False),
                    is_multiselect=extra.get("multi", False), default_currency=extra.get("currency"),
                    allowed_object_ids=[seeded_id("object", extra["target"])] if "target" in extra else None,
                )  # fmt: skip
                self.attributes[(slug, api_slug)] = attr
                for title_ in extra.get("options", []):
                    option = structure.new_option(attr, seeded_id("option", slug, api_slug, title_), title_)
                    self.repo.put("option", option["id"]["option_id"], option)
                for title_ in extra.get("statuses", []):
                    status = structure.new_status(
                        attr, seeded_id("status", slug, api_slug, title_), title_, celebration=title_ == "Won",
                        target_time="P30D" if title_ == "In Progress" else None,
                    )  # fmt: skip
                    self.repo.put("status", status["id"]["status_id"], status)
        for (a_obj, a_slug), (b_obj, b_slug) in RELATIONSHIPS:
            structure.relate(self.attributes[(a_obj, a_slug)], a_obj, self.attributes[(b_obj, b_slug)], b_obj)
        for attr in self.attributes.values():
            self.repo.put("attribute", structure.attribute_id(attr), attr)
        won = seeded_id("view", "deals", "won")
        self.repo.put(
            "view",
            won,
            new_view(seeded_id("object", "deals"), "objects", won, "Won deals", created, {"stage": "Won"}),
        )

    # -- records ----------------------------------------------------------------------------------

    def record(self, slug: str, key: str, values: dict[str, Any], days: float, actor: str = "alex") -> Doc:
        """Create one record the way the API would, created `days` before the seed moment."""
        oid = structure.object_id(self.objects[slug])
        moment = self.ago(days)
        writer = Values(self.repo, oid, member_actor(self.members[actor]), moment)
        record: Doc = {
            "record_id": seeded_id("record", slug, key),
            "object_id": oid,
            "created_at": stamp(moment),
            "values": {},
        }
        writer.system(record["values"], record["record_id"])
        changes = writer.write(record["values"], values, append=False, creating=True)
        check_unique(self.repo, record, writer.attributes)
        self.repo.put("record", record["record_id"], record)
        mirror(self.repo, writer, record, changes)
        self.records.setdefault(slug, []).append(record)
        return record

    def change(
        self, slug: str, record: Doc, values: dict[str, Any], days: float, actor: str = "alex"
    ) -> None:
        """A later edit, so the record has history to show."""
        current = self.repo.need("record", record["record_id"], "Record")
        writer = Values(self.repo, current["object_id"], member_actor(self.members[actor]), self.ago(days))
        changes = writer.write(current["values"], values, append=False, creating=False)
        self.repo.put("record", current["record_id"], current)
        mirror(self.repo, writer, current, changes)

    def rid(self, slug: str, index: int) -> str:
        return self.records[slug][index]["record_id"]

    def seed_companies(self) -> None:
        for index, (name, domain, city, country, categories, employees, arr, founded) in enumerate(COMPANIES):
            self.record(
                "companies", name,
                {
                    "name": name,
                    "domains": [domain],
                    "description": f"{name}: {categories[0].lower()} business based in {city}.",
                    "categories": categories,
                    "employee_range": employees,
                    "primary_location": {"locality": city, "country_code": country},
                    "estimated_arr": arr,
                    "foundation_date": founded,
                },
                days=380 - index * 20,
            )  # fmt: skip

    def seed_people(self) -> None:
        for index, (first, last, company, title, source) in enumerate(PEOPLE):
            domain, country = COMPANIES[company][1], COMPANIES[company][3]
            values: dict[str, Any] = {
                "name": {"first_name": first, "last_name": last, "full_name": f"{first} {last}"},
                "email_addresses": [f"{first.lower()}.{last.lower()}@{domain}"],
                "phone_numbers": [f"{DIAL[country]}{index:02d}"],
                "job_title": title,
                "company": [
                    {"target_object": "companies", "target_record_id": self.rid("companies", company)}
                ],
                "primary_location": {"locality": COMPANIES[company][2], "country_code": country},
                "lead_source": source,
            }
            person = self.record(
                "people",
                f"{first} {last}",
                values,
                days=300 - index * 12,
                actor="priya" if index % 2 else "alex",
            )
            if index == 0:  # promoted last month
                self.change("people", person, {"job_title": "COO"}, days=30)

    def seed_deals(self) -> None:
        for index, (name, company, people, stages, value, owner) in enumerate(DEALS):
            start = 90 - index * 8
            deal = self.record(
                "deals", name,
                {
                    "name": name,
                    "stage": stages[0],
                    "owner": self.members[owner],
                    "value": value,
                    "associated_company": self.rid("companies", company),
                    "associated_people": [self.rid("people", p) for p in people],
                },
                days=start, actor=owner,
            )  # fmt: skip
            for step, stage in enumerate(stages[1:], start=1):
                self.change("deals", deal, {"stage": stage}, days=start - step * 10, actor=owner)

    def seed_contracts(self) -> None:
        for name, company, value, seats, signed, renews, health in CONTRACTS:
            self.record(
                "contracts", name,
                {
                    "name": name,
                    "company": self.rid("companies", company),
                    "annual_value": {"currency_value": value, "currency_code": "EUR"},
                    "seats": seats,
                    "signed_on": self.ago(signed).date().isoformat(),
                    "auto_renews": renews,
                    "health": health,
                },
                days=signed + 2,
            )  # fmt: skip

    # -- lists ------------------------------------------------------------------------------------

    def seed_lists(self) -> None:
        created = self.ago(200)
        specs: list[tuple[str, str, str, list[tuple[str, str, str, list[str]]]]] = [
            ("sales_pipeline", "Sales pipeline", "companies", [
                ("stage", "Stage", "status", ["Prospecting", "Qualified", "Proposal sent", "Won", "Lost"]),
                ("priority", "Priority", "select", ["High", "Medium", "Low"]),
                ("expected_close", "Expected close", "date", []),
                ("owner", "Owner", "actor-reference", []),
            ]),
            ("key_contacts", "Key contacts", "people", [
                ("role", "Role", "select", ["Champion", "Decision maker", "Influencer", "Blocker"]),
                ("strength", "Relationship strength", "rating", []),
            ]),
        ]  # fmt: skip
        for slug, name, parent, attrs in specs:
            lid = seeded_id("list", slug)
            doc = new_list(
                lid,
                name,
                slug,
                structure.object_id(self.objects[parent]),
                member_actor(self.members["alex"]),
                created,
            )
            self.repo.put("list", lid, doc)
            system_attributes(
                self.repo,
                lid,
                "lists",
                created,
                [seeded_id("attribute", slug, s) for s in ("entry_id", "created_at", "created_by")],
            )
            for api_slug, title, kind, choices in attrs:
                attr = structure.new_attribute(
                    lid,
                    "lists",
                    seeded_id("attribute", slug, api_slug),
                    title=title,
                    api_slug=api_slug,
                    type=kind,
                    moment=created,
                )
                self.repo.put("attribute", structure.attribute_id(attr), attr)
                for title_ in choices:
                    if kind == "select":
                        option = structure.new_option(
                            attr, seeded_id("option", slug, api_slug, title_), title_
                        )
                        self.repo.put("option", option["id"]["option_id"], option)
                    else:
                        status = structure.new_status(
                            attr,
                            seeded_id("status", slug, api_slug, title_),
                            title_,
                            celebration=title_ == "Won",
                        )
                        self.repo.put("status", status["id"]["status_id"], status)
            view_id = seeded_id("view", slug)
            self.repo.put("view", view_id, new_view(lid, "lists", view_id, f"All {name.lower()}", created))
        high = seeded_id("view", "sales_pipeline", "high")
        self.repo.put(
            "view",
            high,
            new_view(
                seeded_id("list", "sales_pipeline"),
                "lists",
                high,
                "High priority",
                created,
                {"priority": "High"},
            ),
        )
        pipeline = [(0, "Qualified", "High", 40, "alex"), (1, "Won", "High", -20, "priya"), (2, "Prospecting", "Medium", 75, "tomas"),
                    (5, "Proposal sent", "High", 25, "priya"), (6, "Won", "Medium", -45, "alex"), (9, "Qualified", "Low", 60, "priya")]  # fmt: skip
        for company, stage, priority, close_in, owner in pipeline:
            self.entry(
                "sales_pipeline",
                "companies",
                company,
                {
                    "stage": stage,
                    "priority": priority,
                    "expected_close": (self.moment + timedelta(days=close_in)).date().isoformat(),
                    "owner": self.members[owner],
                },
                150 - company * 10,
            )
        contacts = [
            (0, "Champion", 5),
            (2, "Decision maker", 4),
            (7, "Influencer", 3),
            (9, "Decision maker", 4),
            (13, "Champion", 5),
        ]
        for person, role, strength in contacts:
            self.entry(
                "key_contacts", "people", person, {"role": role, "strength": strength}, 120 - person * 5
            )

    def entry(self, list_slug: str, parent: str, index: int, values: dict[str, Any], days: float) -> Doc:
        lid = seeded_id("list", list_slug)
        record = self.records[parent][index]
        writer = Values(self.repo, lid, member_actor(self.members["alex"]), self.ago(days))
        entry: Doc = {
            "entry_id": seeded_id("entry", list_slug, record["record_id"]),
            "list_id": lid,
            "parent_record_id": record["record_id"],
            "parent_object_id": record["object_id"],
            "created_at": stamp(self.ago(days)),
            "entry_values": {},
        }
        writer.system(entry["entry_values"], entry["entry_id"])
        writer.write(entry["entry_values"], values, append=False, creating=True)
        return self.repo.put("entry", entry["entry_id"], entry)

    # -- activity ---------------------------------------------------------------------------------

    def seed_notes_and_tasks(self) -> None:
        notes = [
            (
                "companies",
                0,
                "Kick-off call",
                "plaintext",
                "Budget approved for Q3; security review pending.",
                20,
                "alex",
            ),
            (
                "people",
                2,
                "Dashboard feedback",
                "markdown",
                "# Feedback\n- Wants **store-level** drill-down\n- Asked for a sandbox account",
                12,
                "priya",
            ),
            (
                "deals",
                5,
                "Negotiation notes",
                "plaintext",
                "Prefers annual billing; asked for a two-year discount.",
                8,
                "alex",
            ),
            (
                "companies",
                5,
                "Reference request",
                "plaintext",
                "Asked for a reference customer in shipping.",
                3,
                "priya",
            ),
        ]
        for parent, index, title, fmt, content, days, who in notes:
            record = self.records[parent][index]
            nid = seeded_id("note", title)
            note = new_note(
                self.repo,
                nid,
                self.objects[parent],
                record,
                title,
                fmt,
                content,
                member_actor(self.members[who]),
                stamp(self.ago(days)),
            )
            self.repo.put("note", nid, note)
        tasks: list[tuple[str, int | None, bool, list[tuple[str, int]], list[str], int]] = [
            ("Send the security pack to Acme", 3, False, [("companies", 0)], ["alex"], 5),
            (
                "Book the pilot review with Cedar Health",
                7,
                False,
                [("companies", 2), ("deals", 2)],
                ["tomas"],
                4,
            ),
            ("Prepare the Fjord Shipping proposal", -1, False, [("deals", 4)], ["priya"], 10),
            ("Confirm the Granite Insurance signature", -5, True, [("deals", 5)], ["alex", "priya"], 15),
            ("Update the Q3 forecast", None, False, [], [], 2),
        ]
        for content, due, done, links, assignees, days in tasks:
            tid = seeded_id("task", content)
            deadline = stamp(self.moment + timedelta(days=due)) if due is not None else None
            task = new_task(
                tid, content, deadline, done, member_actor(self.members["alex"]), stamp(self.ago(days))
            )
            task["linked_records"] = [
                {"target_object_id": structure.object_id(self.objects[o]), "target_record_id": self.rid(o, i)}
                for o, i in links
            ]
            task["assignees"] = [
                {"referenced_actor_type": "workspace-member", "referenced_actor_id": self.members[a]}
                for a in assignees
            ]
            self.repo.put("task", tid, task)

    def seed_threads(self) -> None:
        acme = self.records["companies"][0]
        thread = new_thread(seeded_id("thread", "acme"), acme, None, stamp(self.ago(6)))
        self.repo.put("thread", thread["id"]["thread_id"], thread)
        lines = [
            ("alex", "Acme wants the security pack before the pilot review.", 6),
            ("priya", "I can send it tomorrow; legal has the latest version.", 5.5),
            ("alex", "Great, thanks. Let's aim for Friday.", 5),
        ]
        for index, (who, text, days) in enumerate(lines):
            comment = new_comment(
                seeded_id("comment", "acme", str(index)),
                thread,
                text,
                self.members[who],
                stamp(self.ago(days)),
            )
            self.repo.put("comment", comment["id"]["comment_id"], comment)
        entry = self.repo.need(
            "entry", seeded_id("entry", "sales_pipeline", self.rid("companies", 5)), "Entry"
        )
        on_entry = new_thread(
            seeded_id("thread", "fjord-entry"), self.records["companies"][5], entry, stamp(self.ago(2))
        )
        self.repo.put("thread", on_entry["id"]["thread_id"], on_entry)
        comment = new_comment(
            seeded_id("comment", "fjord-entry", "0"),
            on_entry,
            "Proposal goes out on Monday.",
            self.members["priya"],
            stamp(self.ago(2)),
        )
        self.repo.put("comment", comment["id"]["comment_id"], comment)

    def seed_meetings(self) -> None:
        staff = "@northwind-analytics.example"
        meetings = [
            ("acme-review", "Acme pilot review", "Review the pilot results with the Acme team.", -7, 60,
             ["alex.morgan" + staff, "olivia.bennett@acme-logistics.example", "liam.carter@acme-logistics.example"], [("companies", 0), ("deals", 0)]),
            ("fjord-proposal", "Fjord Shipping proposal walk-through", "Walk through the route optimisation proposal.", 3, 45,
             ["priya.natarajan" + staff, "lucas.hansen@fjordshipping.example"], [("companies", 5), ("deals", 4)]),
            ("granite-kickoff", "Granite Insurance kick-off", "Start of the platform roll-out.", 10, 90,
             ["alex.morgan" + staff, "priya.natarajan" + staff, "ethan.brooks@granite-insurance.example"], [("companies", 6)]),
        ]  # fmt: skip
        for key, title, description, in_days, minutes, emails, links in meetings:
            start = (self.moment + timedelta(days=in_days)).replace(
                hour=15, minute=0, second=0, microsecond=0
            )
            data = {
                "title": title,
                "description": description,
                "is_all_day": False,
                "start": {"datetime": stamp(start), "timezone": "UTC"},
                "end": {"datetime": stamp(start + timedelta(minutes=minutes)), "timezone": "UTC"},
                "participants": [
                    {"email_address": e, "is_organizer": i == 0, "status": "accepted"}
                    for i, e in enumerate(emails)
                ],
                "linked_records": [{"object": o, "record_id": self.rid(o, i)} for o, i in links],
                "external_ref": {
                    "ical_uid": f"{key}@northwind-analytics.example",
                    "provider": "google",
                    "is_recurring": False,
                },
            }
            mid = seeded_id("meeting", key)
            meeting = new_meeting(
                mid, data, self.repo, self.moment, member_actor(self.members["alex"]), stamp(self.ago(14))
            )
            self.repo.put("meeting", mid, meeting)
        offsite = {
            "title": "Team offsite", "description": "Planning day for the next half year.", "is_all_day": True,
            "start": {"date": (self.moment + timedelta(days=21)).date().isoformat()},
            "end": {"date": (self.moment + timedelta(days=22)).date().isoformat()},
            "participants": [{"email_address": m[3], "is_organizer": m[0] == "alex", "status": "pending"} for m in MEMBERS[:3]],
            "external_ref": "offsite-northwind",
        }  # fmt: skip
        mid = seeded_id("meeting", "offsite")
        self.repo.put(
            "meeting",
            mid,
            new_meeting(
                mid, offsite, self.repo, self.moment, member_actor(self.members["alex"]), stamp(self.ago(9))
            ),
        )
        review = self.repo.need("meeting", seeded_id("meeting", "acme-review"), "Meeting")
        rid = seeded_id("recording", "acme-review")
        path = f"/v2/meetings/{review['id']['meeting_id']}/call_recordings/{rid}"
        recording = new_recording(
            review,
            rid,
            "https://recordings.northwind-analytics.example/acme-review.mp4",
            member_actor(self.members["alex"]),
            self.ago(7),
            path,
            ready=True,
        )
        self.repo.put("recording", rid, recording)

    def seed_files(self) -> None:
        acme = self.records["companies"][0]
        actor = member_actor(self.members["alex"])
        folder = new_entry(
            seeded_id("file", "acme-contracts"),
            self.objects["companies"],
            acme,
            "folder",
            actor,
            stamp(self.ago(18)),
            name="Contracts",
        )
        self.repo.put("file", folder["id"]["file_id"], folder)
        order = new_entry(
            seeded_id("file", "acme-order-form"),
            self.objects["companies"],
            acme,
            "file",
            actor,
            stamp(self.ago(17)),
            name="acme-order-form.txt",
            parent_folder_id=folder["id"]["file_id"],
        )
        text = "Order form: Acme Logistics\nPlan: fleet analytics, 120 seats\nTerm: 12 months\n"
        self.repo.put(
            "file", order["id"]["file_id"], store_upload(self.repo, order, text.encode(), "text/plain")
        )
        sheet = new_entry(
            seeded_id("file", "acme-security"),
            self.objects["companies"],
            acme,
            "file",
            actor,
            stamp(self.ago(4)),
            name="security-questionnaire.csv",
        )
        csv = "question,answer\nData encrypted at rest?,yes\nSSO supported?,yes\n"
        self.repo.put(
            "file", sheet["id"]["file_id"], store_upload(self.repo, sheet, csv.encode(), "text/csv")
        )

    def seed_webhook_and_groups(self) -> None:
        subs = [
            {"event_type": "record.created", "filter": None},
            {
                "event_type": "note.created",
                "filter": {
                    "$and": [
                        {
                            "field": "parent_object_id",
                            "operator": "equals",
                            "value": seeded_id("object", "companies"),
                        }
                    ]
                },
            },
        ]
        hook = new_webhook(
            seeded_id("webhook", "crm-sync"),
            "https://hooks.northwind-analytics.example/attio",
            subs,
            stamp(self.ago(60)),
        )
        self.repo.put("webhook", hook["id"]["webhook_id"], hook)
        for key, name, who in (
            ("sales", "Sales", ["alex", "priya"]),
            ("success", "Customer success", ["tomas"]),
        ):
            group = new_group(seeded_id("team", key), name, [self.members[w] for w in who], self.ago(300))
            self.repo.put("scim_group", group["id"], group)


def seed(repo: Repo, moment: datetime) -> None:
    Seeder(repo, moment).run()
    repo.set_meta("seeded_at", stamp(moment))
