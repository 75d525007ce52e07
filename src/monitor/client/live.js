// Live updates: every few seconds, fetch this page's <main> again and swap it in, unless the
// user is typing in a form, dragging, or the tab is hidden. Plain polling: works through any proxy.
const INTERVAL_MS = Number(document.body.dataset.liveInterval) || 2500;
let busy = false;
let pointerDown = false;

document.addEventListener("pointerdown", () => {
  pointerDown = true;
});
document.addEventListener("pointerup", () => {
  pointerDown = false;
});

function editing() {
  const el = document.activeElement;
  return el !== null && ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName);
}

async function refresh() {
  const main = document.getElementById("main");
  const state = document.getElementById("live-state");
  if (!main || document.body.dataset.live !== "on") return;
  if (busy || pointerDown || editing() || document.visibilityState !== "visible") return;
  busy = true;
  try {
    const res = await fetch(location.href, { headers: { "x-nenc-partial": "1" }, credentials: "same-origin" });
    if (res.ok) {
      main.innerHTML = await res.text();
      document.dispatchEvent(new CustomEvent("nenc:updated"));
      if (state) {
        state.textContent = `live · ${new Date().toISOString().slice(11, 19)} UTC`;
        state.classList.remove("stale");
      }
    } else if (state) {
      state.textContent = `update failed (${res.status})`;
      state.classList.add("stale");
    }
  } catch {
    if (state) {
      state.textContent = "monitor unreachable";
      state.classList.add("stale");
    }
  } finally {
    busy = false;
  }
}

setInterval(refresh, INTERVAL_MS);
