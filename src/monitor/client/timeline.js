// Timeline interactions: tooltip on hover, drag across the chart to zoom into that range.
// Works on the server-rendered SVG, and keeps working after live.js swaps it.
const tooltip = () => document.getElementById("tooltip");

function fitWidth() {
  const wrap = document.getElementById("timeline");
  if (!wrap || new URL(location.href).searchParams.has("w")) return;
  const width = Math.max(300, Math.floor(wrap.clientWidth - 250));
  const url = new URL(location.href);
  url.searchParams.set("w", String(width));
  location.replace(url.toString());
}

document.addEventListener("mousemove", (ev) => {
  const tip = tooltip();
  if (!tip) return;
  const target = ev.target instanceof Element ? ev.target.closest("[data-tip]") : null;
  if (!target) {
    tip.hidden = true;
    return;
  }
  tip.textContent = target.getAttribute("data-tip");
  tip.hidden = false;
  tip.style.left = `${ev.pageX + 14}px`;
  tip.style.top = `${ev.pageY + 14}px`;
});

let drag = null;

function svgX(svg, ev) {
  const box = svg.getBoundingClientRect();
  return ev.clientX - box.left;
}

document.addEventListener("mousedown", (ev) => {
  const svg = ev.target instanceof Element ? ev.target.closest("#timeline-svg") : null;
  if (!svg || ev.button !== 0) return;
  const x = svgX(svg, ev);
  if (x < Number(svg.dataset.labelWidth)) return;
  drag = { svg, x0: x, x1: x };
});

document.addEventListener("mousemove", (ev) => {
  if (!drag) return;
  drag.x1 = svgX(drag.svg, ev);
  const band = document.getElementById("zoom-band");
  if (band && Math.abs(drag.x1 - drag.x0) > 4) {
    band.setAttribute("x", String(Math.min(drag.x0, drag.x1)));
    band.setAttribute("width", String(Math.abs(drag.x1 - drag.x0)));
    band.setAttribute("visibility", "visible");
  }
});

document.addEventListener("mouseup", () => {
  if (!drag) return;
  const { svg, x0, x1 } = drag;
  drag = null;
  if (Math.abs(x1 - x0) <= 4) return;
  const label = Number(svg.dataset.labelWidth);
  const plot = Number(svg.dataset.plotWidth);
  const from = Number(svg.dataset.from);
  const to = Number(svg.dataset.to);
  const at = (x) => Math.round(from + ((Math.min(Math.max(x, label), label + plot) - label) / plot) * (to - from));
  const url = new URL(location.href);
  url.searchParams.set("from", String(at(Math.min(x0, x1))));
  url.searchParams.set("to", String(at(Math.max(x0, x1))));
  url.searchParams.delete("range");
  location.assign(url.toString());
});

// A drag that ends on a bar must not open it.
document.addEventListener(
  "click",
  (ev) => {
    const band = document.getElementById("zoom-band");
    if (band && band.getAttribute("visibility") === "visible") {
      ev.preventDefault();
      band.setAttribute("visibility", "hidden");
    }
  },
  true,
);

fitWidth();
