// The Mastodon client API as a real app meets it: masto.js, the client library many web and
// bot apps are written with, drives two Refuge instances the way a new user would. Sign-in
// goes through the real pages (authorize → sign-in form → approval → code → token with
// PKCE), then posting with media, timelines, following across the two instances, search with
// resolve, notifications, streaming, then lists, conversations of direct messages, bookmarks
// and favourites, edits seen on the other instance, keyword filters, polls, and last revocation.
// Every step checks what the app would rely on.
//
// usage: node check.mjs BASE_A BASE_B   (alice on A and bob on B, passwords in
// PASSWORD_ALICE and PASSWORD_BOB; see ./run, which starts both instances)
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import crypto from "node:crypto";
import zlib from "node:zlib";

const [baseA, baseB] = process.argv.slice(2);
if (!baseA || !baseB) {
  console.error("usage: node check.mjs BASE_A BASE_B");
  process.exit(2);
}
const redirectURI = "http://127.0.0.1:9/callback"; // never opened: the code is read from the redirect
let checks = 0;

function check(cond, what, got) {
  if (!cond) {
    throw new Error(`FAILED: ${what}${got === undefined ? "" : `; got ${JSON.stringify(got)}`}`);
  }
  checks++;
  console.log(`ok  ${what}`);
}

// eventually polls f until it returns something truthy: federation is asynchronous.
async function eventually(what, f, seconds = 20) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`FAILED: ${what}: not within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// collect reads a streaming subscription in the background into a list of its events.
function collect(subscription) {
  const events = [];
  (async () => {
    try {
      for await (const e of subscription) events.push(e);
    } catch (error) {
      events.push({ event: "error", error });
    }
  })();
  return events;
}

async function waitUp(base) {
  await eventually(`${base} answers`, async () => {
    try {
      return (await fetch(`${base}/api/v1/instance`)).ok;
    } catch {
      return false;
    }
  }, 30);
}

// A browser's cookie jar, reduced to what a sign-in needs.
class Browser {
  cookies = new Map();

  async fetch(url, init = {}) {
    const headers = { ...(init.headers ?? {}), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }

  async post(url, fields) {
    return this.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

const unescapeHTML = (s) =>
  s.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

// formFields reads the inputs of a page's form, hidden ones included, as the browser sends them.
function formFields(html) {
  const fields = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0]);
    const value = /value="([^"]*)"/.exec(m[0]);
    if (name) fields[unescapeHTML(name[1])] = value ? unescapeHTML(value[1]) : "";
  }
  return fields;
}

const base64url = (b) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// signIn registers an app and goes through OAuth as a person in a browser does; it answers the
// app's credentials and the user's token.
async function signIn(base, username, password, scopes) {
  const anon = createRestAPIClient({ url: base });
  const app = await anon.v1.apps.create({
    clientName: "masto.js check", redirectUris: redirectURI, scopes, website: "https://github.com/neet/masto.js",
  });
  check(app.clientId && app.clientSecret, `${username}: POST /api/v1/apps gives client_id and client_secret`);

  const verifier = base64url(crypto.randomBytes(32));
  const challenge = base64url(crypto.createHash("sha256").update(verifier).digest());
  const state = base64url(crypto.randomBytes(9));
  const authorize = `${base}/oauth/authorize?` + new URLSearchParams({
    response_type: "code", client_id: app.clientId, redirect_uri: redirectURI, scope: scopes,
    state, code_challenge: challenge, code_challenge_method: "S256",
  });

  const browser = new Browser();
  let res = await browser.fetch(authorize);
  check(res.status === 303 && res.headers.get("location").startsWith("/signin"), `${username}: the approval page first asks to sign in`, res.status);
  const signinURL = new URL(res.headers.get("location"), base);
  res = await browser.fetch(signinURL);
  const signinPage = await res.text();
  const action = unescapeHTML(/<form[^>]*action="([^"]*)"/.exec(signinPage)?.[1] ?? "");
  check(action.startsWith("/signin?next="), `${username}: the sign-in form leads back to the approval`, action);
  res = await browser.post(new URL(action, base), { ...formFields(signinPage), username, password });
  check(res.status === 303, `${username}: sign-in form accepted`, res.status);
  res = await browser.fetch(new URL(res.headers.get("location"), base));
  const page = await res.text();
  check(res.status === 200 && page.includes("masto.js check") && page.includes("https://github.com/neet/masto.js"),
    `${username}: the approval page names the app and its website`, res.status);
  for (const s of scopes.split(" ")) check(page.includes(`<code>${s}</code>`), `${username}: the approval page lists scope ${s}`);

  res = await browser.post(`${base}/oauth/authorize`, { ...formFields(page), decision: "approve" });
  const back = new URL(res.headers.get("location") ?? "", "http://x");
  check(res.status >= 300 && res.status < 400 && `${back.origin}${back.pathname}` === redirectURI, `${username}: approval redirects to the app`, res.status);
  check(back.searchParams.get("state") === state, `${username}: state comes back`);
  const code = back.searchParams.get("code");

  const oauth = createOAuthAPIClient({ url: base });
  const token = await oauth.token.create({
    grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
    redirectUri: redirectURI, code, codeVerifier: verifier, scope: scopes,
  });
  check(token.accessToken && token.tokenType.toLowerCase() === "bearer" && token.scope === scopes,
    `${username}: POST /oauth/token exchanges the code with PKCE`, token);
  let reused = false;
  try {
    await oauth.token.create({ grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: redirectURI, code, codeVerifier: verifier });
    reused = true;
  } catch (e) {
    check(e.statusCode === 400, `${username}: a code is good once only`, e.statusCode);
  }
  check(!reused, `${username}: the second exchange of a code is refused`);
  return { app, token: token.accessToken, oauth };
}

// png is a w×h image of one colour, made here so that the check needs no file.
function png(w, h, [r, g, b]) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    data.copy(out, 8);
    out.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, "latin1"), data])), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(w).fill([r, g, b]).flat())]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(Buffer.concat(Array(h).fill(row)))), chunk("IEND", Buffer.alloc(0)),
  ]);
}

// inHomeOf finds, in a home timeline, the local copy of a status by its URI.
async function inHomeOf(client, uri) {
  return (await client.v1.timelines.home.list({ limit: 40 })).find((s) => s.uri === uri);
}

// streamed waits for an event of the given type in a stream collect reads, for which match
// holds; an error in the stream fails at once.
async function streamed(what, events, type, match) {
  const e = await eventually(what, async () => events.find((e) => e.event === "error" || (e.event === type && match(e.payload))));
  check(e.event === type, what, e.error ? String(e.error) : e.event);
  return e.payload;
}

// shaped checks that an entity, as masto.js hands it over (camelCase), has each attribute
// with its JSON type: "string", "boolean", "number", "array", "object", or "null" added
// after a "|" for attributes Mastodon documents as nullable.
function shaped(what, entity, attributes) {
  const typeOf = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  const wrong = Object.entries(attributes).filter(([k, t]) => !t.split("|").includes(typeOf(entity?.[k])))
    .map(([k, t]) => `${k}: want ${t}, got ${typeOf(entity?.[k])}`);
  check(wrong.length === 0, `${what} has Mastodon's shape`, wrong);
}

// pagesOf reads a list through masto.js's paginator, limit items a page, following the Link
// header until it ends (or max items).
async function pagesOf(paginator, max = 10) {
  const got = [];
  for await (const page of paginator) {
    got.push(...page);
    if (got.length >= max) break;
  }
  return got;
}

// mustFail runs f, which is to be refused with the given HTTP status.
async function mustFail(what, status, f) {
  let got = "no error";
  try {
    await f();
  } catch (e) {
    got = e.statusCode ?? String(e);
  }
  check(got === status, what, got);
}

// lists: bob groups alice, whom he follows from B, in a list and reads her there.
async function lists(alice, bob, aliceOnB, hostA, streams) {
  const made = await bob.v1.lists.create({ title: "Friends on A" });
  check(made.id && made.title === "Friends on A", "POST /api/v1/lists creates a list", made);
  shaped("List", made, { id: "string", title: "string", repliesPolicy: "string", exclusive: "boolean" });
  check(["followed", "list", "none"].includes(made.repliesPolicy), "a list has a replies_policy", made.repliesPolicy);
  const renamed = await bob.v1.lists.$select(made.id).update({ title: "People on A" });
  check(renamed.id === made.id && renamed.title === "People on A", "PUT /api/v1/lists/:id renames it", renamed);
  check((await bob.v1.lists.$select(made.id).fetch()).title === "People on A", "GET /api/v1/lists/:id has the new title");
  check((await bob.v1.lists.list()).some((l) => l.id === made.id && l.title === "People on A"), "GET /api/v1/lists has it");

  await bob.v1.lists.$select(made.id).accounts.create({ accountIds: [aliceOnB.id] });
  const members = await bob.v1.lists.$select(made.id).accounts.list();
  check(members.length === 1 && members[0].id === aliceOnB.id && members[0].acct === `alice@${hostA}`,
    "POST /api/v1/lists/:id/accounts adds a followed remote account; the list's accounts show her", members.map((a) => a.acct));
  const hers = await bob.v1.accounts.$select(aliceOnB.id).lists.list();
  check(hers.length === 1 && hers[0].id === made.id, "GET /api/v1/accounts/:id/lists names the list", hers);

  const stranger = await bob.v1.accounts.lookup({ acct: "admin" }); // B's first account, whom bob does not follow
  await mustFail("adding an account bob does not follow is refused", 422, () => bob.v1.lists.$select(made.id).accounts.create({ accountIds: [stranger.id] }));
  await mustFail("adding her twice is refused", 422, () => bob.v1.lists.$select(made.id).accounts.create({ accountIds: [aliceOnB.id] }));
  check((await bob.v1.lists.$select(made.id).accounts.list()).length === 1, "the refused additions added nobody");
  await mustFail("a list without a title is refused", 422, () => bob.v1.lists.create({ title: "" }));

  const listStream = collect(streams.client.list.subscribe({ list: made.id }));
  await new Promise((r) => setTimeout(r, 1000)); // the subscribe message goes ahead of the post
  const post = await alice.v1.statuses.create({ status: "For the people who put me in a list", visibility: "public" });
  const listed = await eventually("bob's list timeline shows alice's new post", async () =>
    (await bob.v1.timelines.list.$select(made.id).list()).find((s) => s.uri === post.uri));
  check(listed.account.id === aliceOnB.id && listed.content.includes("put me in a list"), "GET /api/v1/timelines/list/:id shows the member's post", listed.account.acct);
  const live = await streamed("streaming: the list stream brings the member's post", listStream, "update", (s) => s.uri === post.uri);
  check(live.id === listed.id, "the streamed post is the list timeline's", live.id);
  check(await eventually("the post is in bob's home too", () => inHomeOf(bob, post.uri)), "a list that is not exclusive leaves its posts in home");

  const listPages = await pagesOf(bob.v1.timelines.list.$select(made.id).list({ limit: 1 }), 2);
  check(listPages.length === 2 && BigInt(listPages[0].id) > BigInt(listPages[1].id) && listPages[0].uri === post.uri,
    "the list timeline pages one at a time by the Link header", listPages.map((s) => s.id));

  // An exclusive list takes its members' posts out of home.
  const exclusive = await bob.v1.lists.$select(made.id).update({ title: "People on A", exclusive: true });
  check(exclusive.exclusive === true, "PUT /api/v1/lists/:id makes it exclusive", exclusive.exclusive);
  const only = await alice.v1.statuses.create({ status: "Read me in the list only", visibility: "public" });
  await eventually("bob's list timeline shows alice's next post", async () =>
    (await bob.v1.timelines.list.$select(made.id).list()).find((s) => s.uri === only.uri));
  check(!(await inHomeOf(bob, only.uri)) && !(await inHomeOf(bob, post.uri)), "an exclusive list's member's posts are not in home");
  check(!(await bob.v1.lists.$select(made.id).update({ title: "People on A", exclusive: false })).exclusive, "and not exclusive again");
  check(await inHomeOf(bob, only.uri), "then they are in home again");

  await bob.v1.lists.$select(made.id).accounts.remove({ accountIds: [aliceOnB.id] });
  const left = await bob.v1.lists.$select(made.id).accounts.list();
  check(left.length === 0, "DELETE /api/v1/lists/:id/accounts removes her", left.map((a) => a.acct));
  check((await bob.v1.accounts.$select(aliceOnB.id).lists.list()).length === 0, "and she is in no list");
  await bob.v1.lists.$select(made.id).remove();
  check(!(await bob.v1.lists.list()).some((l) => l.id === made.id), "DELETE /api/v1/lists/:id deletes the list");
  await mustFail("the deleted list is 404", 404, () => bob.v1.lists.$select(made.id).fetch());
}

// conversations: alice writes to bob directly, across the two instances.
async function conversations(alice, bob, hostA, hostB, streams) {
  const sent = await alice.v1.statuses.create({ status: `@bob@${hostB} just between us`, visibility: "direct" });
  check(sent.visibility === "direct" && sent.mentions.some((m) => m.acct === `bob@${hostB}`), "a direct status to bob", sent.mentions);
  const conv = await eventually("bob's conversations have alice's direct message", async () =>
    (await bob.v1.conversations.list()).find((c) => c.lastStatus?.uri === sent.uri));
  shaped("Conversation", conv, { id: "string", accounts: "array", unread: "boolean", lastStatus: "object" });
  check(conv.unread === true, "GET /api/v1/conversations: the new conversation is unread", conv.unread);
  check(conv.accounts.length === 1 && conv.accounts[0].acct === `alice@${hostA}`, "its accounts are alice, not bob himself", conv.accounts.map((a) => a.acct));
  check(conv.lastStatus.visibility === "direct" && conv.lastStatus.content.includes("just between us"), "its last_status is the message", conv.lastStatus.visibility);
  check(typeof conv.id === "string" && conv.lastStatus.account.acct === `alice@${hostA}`, "the last status is alice's", conv.lastStatus.account.acct);
  const live = await streamed("streaming: the direct stream brings the conversation", streams.direct, "conversation", (c) => c.lastStatus?.uri === sent.uri);
  check(live.id === conv.id && live.unread === true, "the streamed conversation is the listed one, unread", [live.id, live.unread]);
  const mine = (await alice.v1.conversations.list()).find((c) => c.lastStatus?.id === sent.id);
  check(mine && mine.unread === false && mine.accounts.some((a) => a.acct === `bob@${hostB}`), "the sender's own conversation on A names bob and is read", mine);
  const read = await bob.v1.conversations.$select(conv.id).read();
  check(read.id === conv.id && read.unread === false, "POST /api/v1/conversations/:id/read marks it read", read.unread);
  check((await bob.v1.conversations.list()).find((c) => c.id === conv.id)?.unread === false, "the list shows it read");

  const answer = await bob.v1.statuses.create({ status: `@alice@${hostA} between us, yes`, visibility: "direct", inReplyToId: conv.lastStatus.id });
  const back = await eventually("alice's conversation on A gets bob's answer", async () =>
    (await alice.v1.conversations.list()).find((c) => c.lastStatus?.uri === answer.uri));
  check(back.id === mine.id && back.unread === true && back.lastStatus.inReplyToId === sent.id, "the answer is the last status of the same conversation, unread for alice",
    { id: back.id, was: mine.id, unread: back.unread });
  const bobsOwn = (await bob.v1.conversations.list()).find((c) => c.id === conv.id);
  check(bobsOwn?.lastStatus?.id === answer.id && bobsOwn.unread === false, "bob's own answer is his conversation's last status, read", bobsOwn);
  const other = await alice.v1.statuses.create({ status: `@bob@${hostB} another thing`, visibility: "direct" });
  await eventually("bob gets a second conversation", async () => (await bob.v1.conversations.list()).find((c) => c.lastStatus?.uri === other.uri));
  const paged = await pagesOf(bob.v1.conversations.list({ limit: 1 }));
  check(paged.length === 2 && paged[0].lastStatus.uri === other.uri && paged[1].id === conv.id,
    "GET /api/v1/conversations pages one at a time by the Link header, latest first", paged.map((c) => c.id));
  await bob.v1.conversations.$select(paged[0].id).remove();
  await bob.v1.conversations.$select(conv.id).remove();
  check(!(await bob.v1.conversations.list()).some((c) => c.id === conv.id), "DELETE /api/v1/conversations/:id removes it");
  check(!(await bob.v1.timelines.public.list()).some((s) => s.uri === sent.uri), "the direct message is in no public timeline");
}

// bookmarksAndFavourites: bob keeps a remote status both ways.
async function bookmarksAndFavourites(bob, status) {
  const marked = await bob.v1.statuses.$select(status.id).bookmark();
  check(marked.bookmarked === true, "POST /api/v1/statuses/:id/bookmark", marked.bookmarked);
  const faved = await bob.v1.statuses.$select(status.id).favourite();
  check(faved.favourited === true && faved.bookmarked === true, "favourite keeps the bookmark", [faved.favourited, faved.bookmarked]);
  check((await bob.v1.bookmarks.list()).some((s) => s.id === status.id && s.bookmarked), "GET /api/v1/bookmarks has it");
  const inHome = await inHomeOf(bob, status.uri);
  check(inHome?.bookmarked === true && inHome.favourited === true, "the home timeline shows it bookmarked and favourited", inHome && [inHome.bookmarked, inHome.favourited]);
  check((await bob.v1.favourites.list()).some((s) => s.id === status.id && s.favourited), "GET /api/v1/favourites has it");

  // Both lists are ordered by when bob marked a status, not by the status's own id, and page
  // by the Link header: an older status marked again later comes first.
  const newer = await bob.v1.statuses.create({ status: "A newer status to keep", visibility: "unlisted" });
  await bob.v1.statuses.$select(newer.id).bookmark();
  await bob.v1.statuses.$select(newer.id).favourite();
  await bob.v1.statuses.$select(status.id).unbookmark();
  await bob.v1.statuses.$select(status.id).bookmark();
  await bob.v1.statuses.$select(status.id).unfavourite();
  await bob.v1.statuses.$select(status.id).favourite();
  const marks = await pagesOf(bob.v1.bookmarks.list({ limit: 1 }));
  check(marks.map((s) => s.id).join() === [status.id, newer.id].join(), "GET /api/v1/bookmarks pages one at a time, latest bookmark first", marks.map((s) => s.id));
  const favs = await pagesOf(bob.v1.favourites.list({ limit: 1 }));
  check(favs.map((s) => s.id).join() === [status.id, newer.id].join(), "GET /api/v1/favourites pages one at a time, latest favourite first", favs.map((s) => s.id));
  await bob.v1.statuses.$select(newer.id).unbookmark();
  await bob.v1.statuses.$select(newer.id).unfavourite();

  const unmarked = await bob.v1.statuses.$select(status.id).unbookmark();
  check(unmarked.bookmarked === false, "POST /api/v1/statuses/:id/unbookmark", unmarked.bookmarked);
  check(!(await bob.v1.bookmarks.list()).some((s) => s.id === status.id), "the bookmarks list no longer has it");
  check((await bob.v1.favourites.list()).some((s) => s.id === status.id), "the favourites list still has it");
}

// edits: alice edits a post bob follows on B; the edit reaches B.
async function edits(alice, bob, status, streams) {
  const text = "For my followers on other servers, now with a warning";
  const edited = await alice.v1.statuses.$select(status.id).update({ status: text, spoilerText: "edited for the check" });
  check(edited.sensitive === true, "a spoiler makes the edited status sensitive, as in Mastodon", edited.sensitive);
  check(edited.id === status.id && edited.editedAt && edited.spoilerText === "edited for the check" && edited.content.includes("now with a warning"),
    "PUT /api/v1/statuses/:id with new text and a spoiler", { editedAt: edited.editedAt, spoilerText: edited.spoilerText, content: edited.content });
  const history = await alice.v1.statuses.$select(status.id).history.list();
  check(history.length === 2 && !history[0].content.includes("now with a warning") && history[0].spoilerText === "" &&
    history[1].content.includes("now with a warning") && history[1].spoilerText === "edited for the check",
  "GET /api/v1/statuses/:id/history: the original and the edit", history.map((h) => [h.content, h.spoilerText]));
  for (const h of history) {
    shaped("StatusEdit", h, { content: "string", spoilerText: "string", sensitive: "boolean", createdAt: "string", account: "object", mediaAttachments: "array", emojis: "array" });
  }
  check(history[1].createdAt === edited.editedAt && history[0].createdAt === status.createdAt,
    "the versions are dated when posted and when edited", history.map((h) => h.createdAt).concat(status.createdAt, edited.editedAt));
  const source = await alice.v1.statuses.$select(status.id).source.fetch();
  shaped("StatusSource", source, { id: "string", text: "string", spoilerText: "string" });
  check(source.id === status.id && source.text === text && source.spoilerText === "edited for the check",
    "GET /api/v1/statuses/:id/source gives the new text", source);
  const there = await eventually("bob's copy on B shows the edit", async () => {
    const s = await inHomeOf(bob, status.uri);
    return s && s.content.includes("now with a warning") && s;
  });
  check(there.spoilerText === "edited for the check" && there.editedAt, "the copy on B has the spoiler and edited_at", { spoilerText: there.spoilerText, editedAt: there.editedAt });
  const live = await streamed("streaming: bob's user stream brings the edit as status.update", streams.user, "status.update", (s) => s.uri === status.uri);
  check(live.id === there.id && live.content.includes("now with a warning"), "the streamed edit is the new version", live.content);
  const fetched = await bob.v1.statuses.$select(there.id).fetch();
  check(fetched.content.includes("now with a warning"), "GET /api/v1/statuses/:id on B has the edit", fetched.content);
  await mustFail("bob cannot edit alice's status: 404, as Mastodon finds only his own", 404, () => bob.v1.statuses.$select(there.id).update({ status: "not mine" }));
  await mustFail("nor read its source", 404, () => bob.v1.statuses.$select(there.id).source.fetch());
  await mustFail("an edit with no text and no media is refused", 422, () => alice.v1.statuses.$select(status.id).update({ status: "" }));
  check((await alice.v1.statuses.$select(status.id).fetch()).content.includes("now with a warning"), "the refused edit changed nothing");
  const plain = await alice.v1.statuses.create({ status: "Never edited", visibility: "unlisted" });
  const once = await alice.v1.statuses.$select(plain.id).history.list();
  check(once.length === 1 && once[0].content.includes("Never edited"), "a status never edited has a history of one version", once.length);
  const remoteHistory = await bob.v1.statuses.$select(there.id).history.list();
  check(remoteHistory.length === 2 && remoteHistory[1].content.includes("now with a warning"), "B keeps the remote status's history too", remoteHistory.length);
}

// mediaEdit: alice describes her picture again; the description is part of the edit.
async function mediaEdit(alice, bob, status, copy) {
  const mediaId = status.mediaAttachments[0].id;
  const before = (await alice.v1.statuses.$select(status.id).history.list()).length;
  const edited = await alice.v1.statuses.$select(status.id).update({
    status: "Hello from a Mastodon app, described #RefugeCheck", mediaIds: [mediaId],
    mediaAttributes: [{ id: mediaId, description: "a red rectangle, 64 by 48" }],
  });
  check(edited.mediaAttachments.length === 1 && edited.mediaAttachments[0].id === mediaId && edited.mediaAttachments[0].description === "a red rectangle, 64 by 48",
    "PUT /api/v1/statuses/:id with media_attributes describes the picture again", edited.mediaAttachments.map((m) => m.description));
  const history = await alice.v1.statuses.$select(status.id).history.list();
  check(history.length === before + 1 && history.at(-2).mediaAttachments[0]?.description === "a red rectangle" &&
    history.at(-1).mediaAttachments[0]?.description === "a red rectangle, 64 by 48", "the history keeps each version's description",
  history.map((h) => h.mediaAttachments.map((m) => m.description)));
  // Both at once: a read racing the Update may see the note's row and its attachments'
  // rows on either side of it.
  let seen;
  await eventually("bob's copy on B gets the new text and description", async () => {
    seen = await bob.v1.statuses.$select(copy.id).fetch();
    return seen.content.includes("described") && seen.mediaAttachments[0]?.description === "a red rectangle, 64 by 48";
  }).catch((e) => {
    throw new Error(`${e.message}; last seen ${JSON.stringify({ content: seen?.content, media: seen?.mediaAttachments.map((m) => m.description) })}`);
  });
  check(true, "bob's copy on B has the new text and description");
}

// keywordFilters: bob filters a word out of his home timeline, then only warns about it.
async function keywordFilters(alice, bob, streams) {
  const filter = await bob.v2.filters.create({
    title: "No spoilers", context: ["home"], filterAction: "hide", keywordsAttributes: [{ keyword: "spoilerword", wholeWord: true }],
  });
  await mustFail("a filter without a context is refused", 422, () => bob.v2.filters.create({ title: "Nowhere", context: [] }));
  check(filter.id && filter.title === "No spoilers" && filter.filterAction === "hide" && filter.context.join() === "home",
    "POST /api/v2/filters with a keyword, context home, action hide", filter);
  shaped("Filter", filter, { id: "string", title: "string", context: "array", expiresAt: "null|string", filterAction: "string", keywords: "array", statuses: "array" });
  shaped("FilterKeyword", filter.keywords?.[0], { id: "string", keyword: "string", wholeWord: "boolean" });
  check(filter.keywords?.length === 1 && filter.keywords[0].keyword === "spoilerword" && filter.keywords[0].wholeWord === true,
    "the filter has its keyword", filter.keywords);
  check((await bob.v2.filters.list()).some((f) => f.id === filter.id), "GET /api/v2/filters has it");
  await streamed("streaming: the user stream says filters_changed", streams.user, "filters_changed", () => true);

  const matching = await alice.v1.statuses.create({ status: "The spoilerword of the day", visibility: "public" });
  const after = await alice.v1.statuses.create({ status: "And a post with nothing to hide", visibility: "public" });
  await eventually("bob's home timeline shows the post after the filtered one", async () => inHomeOf(bob, after.uri));
  const hidden = await inHomeOf(bob, matching.uri);
  check(!hidden, "a filter with action hide keeps the matching post out of the home timeline", hidden?.content);
  await streamed("streaming: the user stream brings the post after the filtered one", streams.user, "update", (s) => s.uri === after.uri);
  const leaked = streams.user.find((e) => e.event === "update" && e.payload.uri === matching.uri);
  check(!leaked, "streaming: the user stream leaves out the hidden post", leaked?.payload.content);

  const warn = await bob.v2.filters.$select(filter.id).update({ filterAction: "warn" });
  check(warn.filterAction === "warn", "PUT /api/v2/filters/:id changes the action to warn", warn.filterAction);
  const warned = await inHomeOf(bob, matching.uri);
  check(warned, "with action warn the matching post is in the home timeline");
  check(warned.filtered?.length === 1 && warned.filtered[0].filter.id === filter.id && warned.filtered[0].keywordMatches?.includes("spoilerword"),
    "the post's filtered names the filter and the keyword", warned.filtered);
  shaped("FilterResult", warned.filtered[0], { filter: "object", keywordMatches: "null|array", statusMatches: "null|array" });
  const again = await alice.v1.statuses.create({ status: "Another spoilerword", visibility: "public" });
  const live = await streamed("streaming: the user stream brings a warned post", streams.user, "update", (s) => s.uri === again.uri);
  check(live.filtered?.length === 1 && live.filtered[0].filter.id === filter.id && live.filtered[0].keywordMatches?.includes("spoilerword"),
    "streaming: the warned post carries filtered", live.filtered);
  const expiring = await bob.v2.filters.$select(filter.id).update({ expiresIn: 3600 });
  const left = Date.parse(expiring.expiresAt) - Date.now();
  check(left > 3500 * 1000 && left < 3700 * 1000, "expires_in sets expires_at an hour ahead", expiring.expiresAt);
  const plain = await inHomeOf(bob, after.uri);
  check(!plain.filtered || plain.filtered.length === 0, "a post that does not match has no filtered", plain.filtered);

  // The filter's keywords, one by one and through keywords_attributes.
  const added = await bob.v2.filters.$select(filter.id).keywords.create({ keyword: "another word", wholeWord: false });
  shaped("FilterKeyword", added, { id: "string", keyword: "string", wholeWord: "boolean" });
  check(added.keyword === "another word" && added.wholeWord === false, "POST /api/v2/filters/:id/keywords adds a keyword", added);
  const words = await bob.v2.filters.$select(filter.id).keywords.list();
  check(words.map((k) => k.keyword).sort().join() === "another word,spoilerword", "GET /api/v2/filters/:id/keywords lists both", words.map((k) => k.keyword));
  const one = await bob.v2.filters.keywords.$select(added.id).fetch();
  check(one.id === added.id && one.keyword === "another word", "GET /api/v2/filters/keywords/:id", one);
  const changed = await bob.v2.filters.keywords.$select(added.id).update({ keyword: "other words", wholeWord: true });
  check(changed.id === added.id && changed.keyword === "other words" && changed.wholeWord === true, "PUT /api/v2/filters/keywords/:id", changed);
  await bob.v2.filters.keywords.$select(added.id).remove();
  check((await bob.v2.filters.$select(filter.id).fetch()).keywords.every((k) => k.id !== added.id), "DELETE /api/v2/filters/keywords/:id");
  await mustFail("the deleted keyword is 404", 404, () => bob.v2.filters.keywords.$select(added.id).fetch());
  const spoilerword = (await bob.v2.filters.$select(filter.id).fetch()).keywords[0];
  const swapped = await bob.v2.filters.$select(filter.id).update({
    keywordsAttributes: [{ keyword: "third" }, { id: spoilerword.id, _destroy: true }],
  });
  check(swapped.keywords.map((k) => k.keyword).join() === "third", "PUT /api/v2/filters/:id adds and destroys keywords by keywords_attributes", swapped.keywords);

  await bob.v2.filters.$select(filter.id).remove();
  check(!(await bob.v2.filters.list()).some((f) => f.id === filter.id), "DELETE /api/v2/filters/:id deletes it");
  const unfiltered = await inHomeOf(bob, matching.uri);
  check(unfiltered && (!unfiltered.filtered || unfiltered.filtered.length === 0), "without the filter the post is plain again", unfiltered?.filtered);
}

// keywordFiltersV1: the v1 filters older apps keep, one phrase each, are v2 filters of one
// keyword underneath, as on Mastodon.
async function keywordFiltersV1(bob) {
  const old = await bob.v1.filters.create({ phrase: "oldword", context: ["home", "thread"], irreversible: true, wholeWord: true });
  shaped("V1 Filter", old, { id: "string", phrase: "string", context: "array", expiresAt: "null|string", irreversible: "boolean", wholeWord: "boolean" });
  check(old.phrase === "oldword" && old.irreversible && old.wholeWord && old.context.slice().sort().join() === "home,thread", "POST /api/v1/filters", old);
  const asV2 = (await bob.v2.filters.list()).find((f) => f.keywords.some((k) => k.id === old.id));
  check(asV2 && asV2.filterAction === "hide" && asV2.keywords.length === 1 && asV2.keywords[0].keyword === "oldword",
    "the v1 filter is a v2 filter of one keyword whose id is the v1 filter's, irreversible as hide", asV2);
  const changed = await bob.v1.filters.$select(old.id).update({ phrase: "older word", context: ["home"], irreversible: false, wholeWord: false });
  check(changed.id === old.id && changed.phrase === "older word" && !changed.irreversible && changed.context.join() === "home", "PUT /api/v1/filters/:id", changed);
  check((await bob.v1.filters.$select(old.id).fetch()).phrase === "older word", "GET /api/v1/filters/:id");
  check((await bob.v1.filters.list()).some((f) => f.id === old.id), "GET /api/v1/filters");
  await bob.v1.filters.$select(old.id).remove();
  check(!(await bob.v1.filters.list()).some((f) => f.id === old.id), "DELETE /api/v1/filters/:id");
  const left = (await bob.v2.filters.list()).find((f) => f.id === asV2.id);
  check(left && left.keywords.length === 0, "as on Mastodon it takes the keyword and leaves the v2 filter", left);
  await bob.v2.filters.$select(asV2.id).remove();
}

// polls: alice asks with a poll within the instance's limits; bob votes in it from B, sees
// his vote at once, and alice sees it counted on A.
async function polls(alice, bob, instance) {
  const limits = instance.configuration.polls;
  check(limits.maxOptions === 4 && limits.maxCharactersPerOption === 50 && limits.minExpiration === 300,
    "the instance publishes Mastodon's poll limits", limits);
  const asked = await alice.v1.statuses.create({ status: "Which season?", visibility: "public",
    poll: { options: ["Spring", "Summer", "Autumn"], expiresIn: 3600 } });
  check(asked.poll?.options.length === 3 && asked.poll.multiple === false && asked.poll.votesCount === 0 && asked.poll.expired === false,
    "POST /api/v1/statuses with a poll answers its Poll", asked.poll);
  await mustFail("a poll with one option is refused", 422, () =>
    alice.v1.statuses.create({ status: "a poll of one", poll: { options: ["Only"], expiresIn: 3600 } }));
  const there = await eventually("bob's home timeline shows the poll", async () => inHomeOf(bob, asked.uri));
  check(there.poll?.voted === false && there.poll.ownVotes.length === 0, "the poll on B, not voted yet", there.poll);
  const voted = await bob.v1.polls.$select(there.poll.id).votes.create({ choices: [2] });
  check(voted.voted === true && voted.ownVotes.join() === "2" && voted.options[2].votesCount === 1,
    "POST /api/v1/polls/:id/votes answers the poll with bob's vote", voted);
  await mustFail("a second vote is refused", 422, () => bob.v1.polls.$select(there.poll.id).votes.create({ choices: [0] }));
  const counted = await eventually("alice sees bob's vote counted", async () => {
    const p = await alice.v1.polls.$select(asked.poll.id).fetch();
    return p.votesCount === 1 && p.votersCount === 1 && p.options[2].votesCount === 1 && p;
  });
  check(counted.ownVotes.length === 0, "GET /api/v1/polls/:id: alice did not vote in her own poll", counted.ownVotes);
}

async function main() {
  await Promise.all([waitUp(baseA), waitUp(baseB)]);
  const hostA = new URL(baseA).host;
  const scopes = "read write follow";
  const aliceAuth = await signIn(baseA, "alice", process.env.PASSWORD_ALICE, scopes);
  const bobAuth = await signIn(baseB, "bob", process.env.PASSWORD_BOB, scopes);
  const alice = createRestAPIClient({ url: baseA, accessToken: aliceAuth.token });
  const bob = createRestAPIClient({ url: baseB, accessToken: bobAuth.token });

  const instance = await alice.v2.instance.fetch();
  check(instance.domain === hostA && instance.configuration.statuses.maxCharacters > 0, "GET /api/v2/instance", instance.domain);
  const me = await alice.v1.accounts.verifyCredentials();
  check(me.username === "alice" && me.acct === "alice", "verify_credentials is alice", me.acct);

  const media = await alice.v2.media.create({ file: new Blob([png(64, 48, [200, 30, 30])], { type: "image/png" }), description: "a red rectangle" });
  check(media.type === "image" && media.meta?.original?.width === 64 && media.meta?.original?.height === 48 && media.description === "a red rectangle",
    "POST /api/v2/media: an image with its size and description", media);
  check(typeof media.blurhash === "string" && media.blurhash.length > 5, "the upload has a blurhash", media.blurhash);

  const first = await alice.v1.statuses.create({
    status: "Hello from a Mastodon app #RefugeCheck", mediaIds: [media.id], visibility: "public", language: "en",
  });
  check(first.mediaAttachments.length === 1 && first.mediaAttachments[0].id === media.id, "a status with media", first.mediaAttachments);
  check(first.tags.some((t) => t.name.toLowerCase() === "refugecheck") && first.content.includes('class="mention hashtag"'),
    "its hashtag is a tag and a link with Mastodon's classes", first.content);
  check(first.language === "en" && first.visibility === "public" && first.account.id === me.id, "language, visibility and author");

  const again = await alice.v1.statuses.create({ status: "posted once", visibility: "unlisted" }, { requestInit: { headers: { "Idempotency-Key": "masto-check-1" } } });
  const twice = await alice.v1.statuses.create({ status: "posted once", visibility: "unlisted" }, { requestInit: { headers: { "Idempotency-Key": "masto-check-1" } } });
  check(again.id === twice.id, "Idempotency-Key: a retried post is one status", [again.id, twice.id]);

  const local = await alice.v1.timelines.public.list({ local: true });
  check(local.some((s) => s.id === first.id), "the local public timeline shows it");
  const tagged = await alice.v1.timelines.tag.$select("refugecheck").list();
  check(tagged.some((s) => s.id === first.id), "the tag timeline shows it");
  const own = await alice.v1.accounts.$select(me.id).statuses.list({ limit: 1 });
  check(own.length === 1, "account statuses honour limit", own.length);

  // Paging: two pages of one status each, through the Link header as the library follows it.
  const pages = [];
  for await (const page of alice.v1.accounts.$select(me.id).statuses.list({ limit: 1 })) {
    pages.push(...page);
    if (pages.length >= 2) break;
  }
  check(pages.length === 2 && pages[0].id !== pages[1].id && BigInt(pages[0].id) > BigInt(pages[1].id), "paging by the Link header, newest first", pages.map((s) => s.id));

  // Across instances: bob finds alice by her handle, follows her, and reads her in his home.
  const found = await bob.v2.search.list({ q: `@alice@${hostA}`, resolve: true, type: "accounts" });
  const aliceOnB = found.accounts.find((a) => a.acct === `alice@${hostA}`);
  check(aliceOnB, "search with resolve finds a remote account by its handle", found.accounts.map((a) => a.acct));
  const rel = await bob.v1.accounts.$select(aliceOnB.id).follow();
  check(rel.following || rel.requested, "follow answers a relationship", rel);
  await eventually("bob follows alice once she accepts", async () =>
    (await bob.v1.accounts.relationships.fetch({ id: [aliceOnB.id] }))[0]?.following);
  check(true, "the relationship shows following");
  const followed = await eventually("alice is notified of the follow", async () =>
    (await alice.v1.notifications.list({ types: ["follow"] })).find((n) => n.account.acct === `bob@${new URL(baseB).host}`));
  check(followed.type === "follow", "alice's follow notification names bob");

  // Streaming, as masto.js connects (to the instance's urls.streaming, the token as the
  // WebSocket's protocol, streams by subscribe messages): bob's user stream on B and alice's
  // notifications on A, while the rest goes on.
  const bobInstance = await bob.v2.instance.fetch();
  const bobStreaming = createStreamingAPIClient({ streamingApiUrl: bobInstance.configuration.urls.streaming, accessToken: bobAuth.token, retry: false });
  const aliceStreaming = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: aliceAuth.token, retry: false });
  const bobHome = collect(bobStreaming.user.subscribe());
  const aliceNotifications = collect(aliceStreaming.user.notification.subscribe());
  // masto.js connects after a first back-off of about a second, and tells nobody when it
  // has: give it three before the post the streams are to bring.
  await new Promise((r) => setTimeout(r, 3000));

  const second = await alice.v1.statuses.create({ status: "For my followers on other servers", visibility: "public" });
  const inHome = await eventually("bob's home timeline shows alice's new post", async () =>
    (await bob.v1.timelines.home.list()).find((s) => s.uri === second.uri));
  check(inHome.account.acct === `alice@${hostA}`, "bob's home timeline shows alice's post with her remote acct");

  const faved = await bob.v1.statuses.$select(inHome.id).favourite();
  check(faved.favourited === true && faved.favouritesCount >= 1, "favourite answers the status favourited", faved.favourited);
  const reply = await bob.v1.statuses.create({ status: `@alice@${hostA} welcome!`, inReplyToId: inHome.id });
  check(reply.inReplyToId === inHome.id && reply.mentions.some((m) => m.acct === `alice@${hostA}`), "a reply mentioning alice", reply.mentions);

  const fav = await eventually("alice is notified of the favourite", async () =>
    (await alice.v1.notifications.list({ types: ["favourite"] })).find((n) => n.status?.id === second.id));
  check(fav.account.username === "bob", "the favourite notification has bob and the status");
  const streamed = await eventually("bob's user stream brings alice's post", async () =>
    bobHome.find((e) => e.event === "error" || (e.event === "update" && e.payload.uri === second.uri)));
  check(streamed.event === "update" && streamed.payload.id === inHome.id && streamed.payload.account.acct === `alice@${hostA}`,
    "streaming: bob's user stream on B gets alice's federated post as an update", streamed.event);
  const notified = await eventually("alice's notification stream brings the favourite", async () =>
    aliceNotifications.find((e) => e.event === "error" || (e.event === "notification" && e.payload.type === "favourite")));
  check(notified.event === "notification" && notified.payload.id === fav.id && notified.payload.status?.id === second.id,
    "streaming: alice's notification stream on A gets bob's favourite", notified.event);
  bobStreaming.close();
  aliceStreaming.close();
  const mention = await eventually("alice is notified of the reply", async () =>
    (await alice.v1.notifications.list({ types: ["mention"] })).find((n) => n.status?.inReplyToId === second.id));
  check(mention.status.content.includes("welcome!"), "the mention notification carries the reply");
  const context = await alice.v1.statuses.$select(second.id).context.fetch();
  check(context.descendants.some((s) => s.id === mention.status.id), "the reply is in the status's context");

  const byURL = await bob.v2.search.list({ q: first.url, resolve: true, type: "statuses" });
  check(byURL.statuses.some((s) => s.uri === first.uri && s.mediaAttachments.length === 1), "search with resolve fetches a remote post by its URL, with its media", byURL.statuses.map((s) => s.uri));
  const tags = await alice.v2.search.list({ q: "#refugecheck", type: "hashtags" });
  check(tags.hashtags.some((t) => t.name.toLowerCase() === "refugecheck"), "search finds the hashtag", tags.hashtags);

  // Editing keeps the versions; a bookmark is private; grouped notifications and markers.
  const edited = await alice.v1.statuses.$select(first.id).update({ status: "Hello from a Mastodon app, edited #RefugeCheck", mediaIds: [media.id] });
  check(edited.editedAt && edited.content.includes("edited") && edited.mediaAttachments.length === 1, "PUT /api/v1/statuses/:id edits, with edited_at", edited.editedAt);
  const history = await alice.v1.statuses.$select(first.id).history.list();
  check(history.length === 2 && history[0].content.includes("Hello from a Mastodon app") && !history[0].content.includes("edited") && history[1].content.includes("edited"), "its history keeps both versions, oldest first", history.length);
  const marked = await alice.v1.statuses.$select(second.id).bookmark();
  check(marked.bookmarked === true, "bookmark answers the status bookmarked");
  check((await alice.v1.bookmarks.list()).some((s) => s.id === second.id), "the bookmarks list has it");
  const grouped = await alice.v2.notifications.fetch();
  check(grouped.notificationGroups.some((g) => g.type === "favourite" && g.statusId === second.id), "grouped notifications (v2)", grouped.notificationGroups.map((g) => g.type));
  await alice.v1.markers.create({ notifications: { lastReadId: fav.id } });
  const markers = await alice.v1.markers.fetch({ timeline: ["notifications"] });
  check(markers.notifications?.lastReadId === fav.id, "the notifications marker is kept", markers);

  // Lists, conversations, bookmarks and favourites, edits and keyword filters, each read
  // back through the REST API and bob's streams on B.
  const streaming = createStreamingAPIClient({ streamingApiUrl: bobInstance.configuration.urls.streaming, accessToken: bobAuth.token, retry: false });
  const streams = { client: streaming, user: collect(streaming.user.subscribe()), direct: collect(streaming.direct.subscribe()) };
  await new Promise((r) => setTimeout(r, 3000)); // masto.js's first back-off, as above
  await lists(alice, bob, aliceOnB, hostA, streams);
  await conversations(alice, bob, hostA, new URL(baseB).host, streams);
  await bookmarksAndFavourites(bob, inHome);
  await edits(alice, bob, second, streams);
  await mediaEdit(alice, bob, first, byURL.statuses.find((s) => s.uri === first.uri));
  await keywordFilters(alice, bob, streams);
  await keywordFiltersV1(bob);
  await polls(alice, bob, instance);
  streaming.close();

  // masto.js 8 sends its revoke to /oauth/token/revoke, a path Mastodon does not have
  // either; the app does what Mastodon documents instead.
  const revoked = await fetch(`${baseA}/oauth/revoke`, {
    method: "POST",
    body: new URLSearchParams({ client_id: aliceAuth.app.clientId, client_secret: aliceAuth.app.clientSecret, token: aliceAuth.token }),
  });
  check(revoked.status === 200, "POST /oauth/revoke", revoked.status);
  let status = 0;
  try {
    await alice.v1.accounts.verifyCredentials();
  } catch (e) {
    status = e.statusCode;
  }
  check(status === 401, "a revoked token is refused with 401", status);
  console.log(`masto.js check: all ${checks} checks passed`);
}

main().catch((e) => {
  console.error(e.stack ?? e);
  console.error(`masto.js check failed after ${checks} checks`);
  process.exit(1);
});
