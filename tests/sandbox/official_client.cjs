// Drives Pipedrive's official Node.js client (npm `pipedrive`) against a sandbox: a small CRM round
// trip over /api/v2 and /api/v1, then one JSON line on stdout with what the client saw.
// Usage: node official_client.cjs <client dir> <sandbox origin>; the API token comes from PIPEDRIVE_API_TOKEN.
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

const [clientDir, origin] = process.argv.slice(2);
// Resolve the package from its own install folder, through its exports map.
const load = createRequire(path.join(path.resolve(clientDir), "package.json"));
const v1 = load("pipedrive/v1");
const v2 = load("pipedrive/v2");

const apiKey = process.env.PIPEDRIVE_API_TOKEN;
const config2 = new v2.Configuration({ apiKey, basePath: `${origin}/api/v2` });
const config1 = new v1.Configuration({ apiKey, basePath: `${origin}/api/v1` });

async function main() {
  const stages = new v2.StagesApi(config2);
  const organizations = new v2.OrganizationsApi(config2);
  const persons = new v2.PersonsApi(config2);
  const deals = new v2.DealsApi(config2);
  const notes = new v1.NotesApi(config1);

  // Two stages of one pipeline: the deal starts in the first and moves to the second.
  const allStages = (await stages.getStages({ limit: 100 })).data;
  const pipelineId = allStages[0].pipeline_id;
  const [first, second] = allStages.filter((stage) => stage.pipeline_id === pipelineId);

  const org = (await organizations.addOrganization({ AddOrganizationRequest: { name: "Nodeclient Ltd" } })).data;
  const person = (
    await persons.addPerson({
      AddPersonRequest: {
        name: "Nora Node",
        org_id: org.id,
        emails: [{ value: "nora@nodeclient.example", primary: true, label: "work" }],
      },
    })
  ).data;
  const created = (
    await deals.addDeal({
      AddDealRequest: {
        title: "Node client deal",
        value: 4200,
        currency: "EUR",
        person_id: person.id,
        org_id: org.id,
        stage_id: first.id,
      },
    })
  ).data;
  const read = (await deals.getDeal({ id: created.id })).data;
  const updated = (
    await deals.updateDeal({
      id: created.id,
      UpdateDealRequest: { title: "Node client deal, renamed", stage_id: second.id },
    })
  ).data;
  const listed = (await deals.getDeals({ org_id: org.id, limit: 50 })).data;
  const found = listed.find((deal) => deal.id === created.id) || null;
  const note = (
    await notes.addNote({ AddNoteRequest: { content: "Called from the Node client", deal_id: created.id } })
  ).data;
  const dealNotes = (await notes.getNotes({ deal_id: created.id })).data || [];
  const beforeDelete = { notes: dealNotes.map((n) => ({ id: n.id, content: n.content, deal_id: n.deal_id })) };
  const deleted = (await deals.deleteDeal({ id: created.id })).data;

  const pick = (deal) => deal && {
    id: deal.id,
    title: deal.title,
    stage_id: deal.stage_id,
    pipeline_id: deal.pipeline_id,
    person_id: deal.person_id,
    org_id: deal.org_id,
    value: deal.value,
    currency: deal.currency,
    status: deal.status,
  };
  return {
    stages: { first: first.id, second: second.id, pipeline_id: pipelineId },
    organization: { id: org.id, name: org.name },
    person: { id: person.id, name: person.name, org_id: person.org_id, emails: person.emails },
    created: pick(created),
    read: pick(read),
    updated: pick(updated),
    listed: pick(found),
    listed_count: listed.length,
    note: { id: note.id, content: note.content, deal_id: note.deal_id },
    ...beforeDelete,
    deleted,
  };
}

main().then(
  (seen) => process.stdout.write(JSON.stringify(seen) + "\n"),
  (error) => {
    // The client rejects with the answer's body when the server answered with an error.
    process.stderr.write(`official client failed: ${JSON.stringify(error && (error.message ? error.message : error))}\n`);
    process.exit(1);
  },
);
