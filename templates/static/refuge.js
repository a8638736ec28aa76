// Refuge's one script. Every page works without it: it only makes some of them better.
// The compose form counts characters as the server does, previews the files chosen, each
// with its own description, and reminds once of files without one; likes and boosts are
// sent without leaving the page. Loaded with defer, so the page is parsed when it runs.
"use strict";

(() => {
  const compose = document.querySelector("form.compose");
  if (compose) {
    countCharacters(compose);
    chooseFiles(compose);
    remindDescriptions(compose);
  }
  document.addEventListener("submit", reactInPlace);
})();

// plural is "1 character" or "n characters".
function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

// ordinal is "1st", "2nd", "3rd", "4th"… of n.
function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return n + (teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th");
}

// countCharacters shows how many characters are left as one types. The server counts the
// characters (code points) of the text, a line break as one, and nothing else: a link
// counts as long as it is.
function countCharacters(form) {
  const text = form.querySelector("textarea[data-max-chars]");
  const out = form.querySelector(".counter");
  if (!text || !out) return;
  const max = Number(text.dataset.maxChars);
  const update = () => {
    const left = max - [...text.value].length;
    out.textContent = left >= 0
      ? plural(left, "character", "characters") + " left of " + max
      : plural(-left, "character", "characters") + " too many: shorten the text to post it";
    out.classList.toggle("over", left < 0);
    text.setAttribute("aria-invalid", String(left < 0));
  };
  // The count says the limit too: it takes the place of the sentence that says it.
  const limit = document.getElementById(text.getAttribute("aria-describedby"));
  if (limit) limit.hidden = true;
  text.setAttribute("aria-describedby", out.id);
  out.hidden = false;
  text.addEventListener("input", update);
  update();
}

// chooseFiles turns the one file input into a list of the files chosen, each with a
// preview, its own description field and a Remove button. Choosing again adds to the list,
// within the limit; the input's files stay the list, so the form sends them as usual.
function chooseFiles(form) {
  const input = form.querySelector("input[type=file][data-max-files]");
  const list = form.querySelector(".previews");
  const problem = form.querySelector(".files-problem");
  const alts = form.querySelector(".alts");
  const hint = form.querySelector("#alt-hint");
  if (!input || !list || !problem || !alts || typeof DataTransfer !== "function") return;
  const max = Number(input.dataset.maxFiles);
  alts.hidden = true; // the fields without script, one per possible file
  for (const field of alts.querySelectorAll("input")) field.disabled = true;

  let chosen = []; // {file, alt}
  const kept = () => form.querySelectorAll(".kept-file input[name=drop]:not(:checked)").length;

  const sync = () => {
    const dt = new DataTransfer();
    for (const c of chosen) dt.items.add(c.file);
    input.files = dt.files;
    list.replaceChildren(...chosen.map(preview));
    list.hidden = chosen.length === 0;
    if (hint) hint.hidden = chosen.length === 0 && kept() === 0; // about descriptions: none to write yet
  };

  const preview = (c, i) => {
    const item = document.createElement("li");
    item.className = "preview";
    if (c.file.type.startsWith("image/") && typeof createImageBitmap === "function") {
      // Drawn from the file itself: the page's policy loads no blob: or data: pictures.
      const canvas = document.createElement("canvas");
      canvas.setAttribute("aria-hidden", "true");
      item.append(canvas);
      createImageBitmap(c.file).then((bitmap) => {
        const scale = Math.min(1, 160 / Math.max(bitmap.width, bitmap.height));
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        bitmap.close();
      }, () => canvas.remove());
    }
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    const id = "alt-chosen-" + (i + 1);
    label.htmlFor = id;
    const which = "the " + ordinal(i + 1) + (kept() > 0 ? " new" : "") + " file (" + c.file.name + ")";
    label.textContent = "Description of " + which;
    const alt = document.createElement("input");
    Object.assign(alt, { id, type: "text", name: "alt_" + (i + 1), maxLength: 1500, value: c.alt, dir: "auto" });
    alt.setAttribute("aria-describedby", "alt-hint");
    alt.addEventListener("input", () => { c.alt = alt.value; });
    field.append(label, alt);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove " + which);
    remove.addEventListener("click", () => {
      chosen = chosen.filter((other) => other !== c);
      sync();
      problem.hidden = true;
      input.focus();
    });
    item.append(field, remove);
    return item;
  };

  // Files the browser kept in the input (going back to the page) are the first chosen.
  chosen = [...input.files].slice(0, Math.max(0, max - kept())).map((file) => ({ file, alt: "" }));
  sync();

  input.addEventListener("change", () => {
    const added = [...input.files].map((file) => ({ file, alt: "" }));
    const total = kept() + chosen.length + added.length;
    if (total > max) {
      problem.textContent = "At most " + plural(max, "file", "files") + " in a post: that makes " + total +
        ". Remove some, or choose fewer.";
      problem.hidden = false;
      sync(); // back to the files chosen before
      return;
    }
    problem.hidden = true;
    chosen = chosen.concat(added);
    sync();
  });
}

// remindDescriptions stops the first submit that has files without a description, with a
// message next to the button; the second submit posts (and tells the server so, which would
// otherwise ask the same).
function remindDescriptions(form) {
  const reminder = form.querySelector(".reminder");
  if (!reminder) return;
  let reminded = false;
  form.addEventListener("submit", (event) => {
    if (reminded || event.submitter?.name === "without_descriptions") return;
    const missing = [...form.querySelectorAll(".preview input[name^=alt_], .kept-file input[name^=kept_alt_]")]
      .filter((field) => field.value.trim() === "" &&
        !field.closest(".kept-file")?.querySelector("input[name=drop]:checked"));
    if (missing.length === 0) return;
    event.preventDefault();
    reminded = true;
    const anyway = document.createElement("input");
    Object.assign(anyway, { type: "hidden", name: "without_descriptions", value: "1" });
    form.append(anyway);
    reminder.textContent = plural(missing.length, "file has", "files have") + " no description: people who " +
      "cannot see or hear them will not know what they show. Describe them, or press Post again to post without.";
    reminder.hidden = false;
    missing[0].focus();
  });
}

// reactInPlace sends a post's like, unlike, boost or unboost form without leaving the page
// and shows the answer on every copy of the post's buttons. On any failure the form is sent
// the ordinary way, which shows what went wrong.
async function reactInPlace(event) {
  const form = event.target;
  const action = form.getAttribute("action") || "";
  const match = action.match(/^\/web\/notes\/(\d+)\/(like|unlike|boost|unboost)$/);
  if (!match || event.defaultPrevented) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  let state;
  try {
    const answer = await fetch(action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!answer.ok) throw new Error("answered " + answer.status);
    state = await answer.json();
  } catch {
    button.disabled = false;
    form.submit(); // does not fire submit again
    return;
  }
  button.disabled = false;
  const id = match[1];
  const show = (kind, on, count, doWord, undoWord) => {
    for (const f of document.querySelectorAll(`form[action="/web/notes/${id}/${kind}"], form[action="/web/notes/${id}/un${kind}"]`)) {
      f.setAttribute("action", `/web/notes/${id}/${on ? "un" + kind : kind}`);
      const b = f.querySelector("button");
      b.classList.toggle("on", on);
      b.querySelector(".label").textContent = on ? undoWord : doWord;
      b.querySelector(".count").textContent = count;
    }
  };
  show("like", state.liked, state.likes, "Like", "Unlike");
  show("boost", state.boosted, state.boosts, "Boost", "Unboost");
}
