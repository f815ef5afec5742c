// The console's only script (no inline scripts: the CSP forbids them). It enhances
// server-rendered pages; every page works without it, only without live updates.
//
// 1. Live regions: an element with data-poll-url is refreshed every data-poll-seconds
//    from that URL (an HTML fragment the server renders with Jinja2 autoescaping). The
//    inbox uses it for its queue and for a conversation's messages.
// 2. Canned replies: "Edit before sending" copies a canned text into the reply box.
"use strict";

(function () {
  const MIN_SECONDS = 2;

  // Screen readers hear about news once, politely, not the whole region again.
  function announce(message) {
    const status = document.getElementById("inbox-announce");
    if (status) {
      status.textContent = "";
      // A fresh text node after a tick, so that the same message is announced again.
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  function count(root, attribute) {
    const marked = root.querySelector("[" + attribute + "]");
    return marked ? Number(marked.getAttribute(attribute)) || 0 : 0;
  }

  function nearBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  }

  function startPolling(region) {
    const url = region.dataset.pollUrl;
    const seconds = Math.max(MIN_SECONDS, Number(region.dataset.pollSeconds) || 5);
    const kind = region.dataset.pollKind || "";
    let last = null;
    let stopped = false;

    // The messages scroll inside their own box; the rest of the region does not.
    function scroller() {
      return region.querySelector(".transcript-scroll");
    }

    if (kind === "messages" && scroller()) {
      scroller().scrollTop = scroller().scrollHeight;
    }

    async function refresh() {
      const focused = document.activeElement;
      const box = scroller();
      // Replacing a focused link or button would lose the keyboard focus: wait. The
      // scrolling box itself may have the focus; it gets it back below.
      if (document.hidden || (region.contains(focused) && focused !== box)) {
        return;
      }
      let response;
      try {
        response = await fetch(url, {
          credentials: "same-origin",
          cache: "no-store",
          headers: { "X-Requested-With": "fetch", "Accept": "text/html" },
        });
      } catch (error) {
        return; // offline for a moment: the next tick tries again
      }
      if (response.status === 401) {
        stopped = true;
        announce("Your session has ended. Reload the page to sign in again.");
        return;
      }
      if (!response.ok) {
        return;
      }
      const html = await response.text();
      if (html === last) {
        return;
      }
      last = html;
      // The fragment is our own server-rendered, autoescaped HTML. It is parsed into
      // inert nodes (DOMParser runs no scripts; the CSP forbids inline ones anyway) and
      // moved in with replaceChildren, so no string is assigned to innerHTML.
      const parsed = new DOMParser().parseFromString(html, "text/html");
      const stick = box ? nearBottom(box) : true;
      const scrolled = box ? box.scrollTop : 0;
      const hadFocus = box !== null && focused === box;
      const before = {
        patient: count(region, "data-patient-count"),
        waiting: count(region, "data-waiting-count"),
      };
      region.replaceChildren(...Array.from(parsed.body.childNodes));
      const fresh = scroller();
      if (fresh) {
        fresh.scrollTop = stick ? fresh.scrollHeight : scrolled;
        if (hadFocus) {
          fresh.focus({ preventScroll: true });
        }
      }
      if (kind === "messages") {
        const added = count(region, "data-patient-count") - before.patient;
        if (added > 0) {
          announce(added === 1 ? "New message from the patient." : added + " new messages from the patient.");
        }
      } else if (kind === "queue") {
        const added = count(region, "data-waiting-count") - before.waiting;
        if (added > 0) {
          announce(added === 1 ? "A new patient is waiting." : added + " new patients are waiting.");
        }
      }
    }

    async function loop() {
      if (stopped) {
        return;
      }
      await refresh();
      if (!stopped) {
        window.setTimeout(loop, seconds * 1000);
      }
    }
    window.setTimeout(loop, seconds * 1000);
  }

  function enableCannedReplies() {
    for (const button of document.querySelectorAll("button[data-canned-target]")) {
      const target = document.getElementById(button.dataset.cannedTarget);
      if (!target) {
        continue;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        target.value = button.dataset.cannedText || "";
        target.focus();
      });
    }
  }

  function start() {
    for (const region of document.querySelectorAll("[data-poll-url]")) {
      startPolling(region);
    }
    enableCannedReplies();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
