// The Mastodon client API as a real app meets it: masto.js, the client library many web and
// bot apps are written with, drives two Refuge instances the way a new user would. Sign-in
// goes through the real pages (authorize → sign-in form → approval → code → token with
// PKCE), then posting with media, timelines, following across the two instances, search with
// resolve, notifications, streaming and revocation. Every step checks what the app would rely
// on.
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
