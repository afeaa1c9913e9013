// feedback_lab TextView: shows untrusted text inertly (textContent only, never innerHTML),
// reports the selected passage as character offsets, and handles the queue's keyboard shortcuts.
function offsetIn(container, node, offset) {
  const r = document.createRange();
  r.setStart(container, 0);
  r.setEnd(node, offset);
  return r.toString().length; // UTF-16 units; Python converts them to code points
}

function render({ model, el }) {
  el.classList.add("fl-textview");
  const title = document.createElement("div");
  title.style.fontWeight = "bold";
  const pre = document.createElement("pre");
  pre.className = "fl-textview-text";
  pre.style.cssText =
    "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;max-height:24em;overflow:auto;" +
    "margin:0;padding:4px 6px;background:var(--jp-layout-color2,#f5f5f5);user-select:text;" +
    "font-family:var(--jp-code-font-family,monospace);font-size:12px";
  const note = document.createElement("div");
  note.style.cssText = "font-style:italic;font-size:11px";
  el.append(title, pre, note);

  function draw() {
    const text = model.get("text") || "";
    const marks = (model.get("marks") || []).slice().sort((a, b) => a[0] - b[0]);
    title.textContent = model.get("title") || "";
    pre.replaceChildren();
    let pos = 0;
    for (const [s, e, label] of marks) {
      if (s < pos || s >= text.length) continue;
      pre.append(document.createTextNode(text.slice(pos, s)));
      const m = document.createElement("mark");
      m.textContent = text.slice(s, Math.min(e, text.length));
      m.title = label || "";
      pre.append(m);
      pos = Math.min(e, text.length);
    }
    pre.append(document.createTextNode(text.slice(pos)));
    const hidden = (model.get("total") || 0) - text.length;
    note.textContent = hidden > 0 ? `… ${hidden.toLocaleString()} more characters not shown (use "show more")` : "";
  }
  draw();
  model.on("change:text", draw);
  model.on("change:marks", draw);
  model.on("change:title", draw);
  model.on("change:total", draw);

  function selection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!pre.contains(r.startContainer) || !pre.contains(r.endContainer)) return null;
    const start = offsetIn(pre, r.startContainer, r.startOffset);
    const end = offsetIn(pre, r.endContainer, r.endOffset);
    return { start, end, text: r.toString() };
  }
  const onSelect = () => {
    const s = selection();
    if (s) model.send({ type: "selection", start: s.start, end: s.end, text: s.text });
  };
  pre.addEventListener("mouseup", onSelect);
  pre.addEventListener("keyup", onSelect);

  // keyboard shortcuts, scoped to the queue's root element (a class set by Python)
  const rootClass = model.get("root_class");
  let root = null;
  const onKey = (ev) => {
    const keys = model.get("shortcuts") || {};
    const t = ev.target;
    const typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable);
    let combo = ev.key;
    if (ev.ctrlKey || ev.metaKey) combo = "Ctrl+" + ev.key;
    else if (ev.altKey) combo = "Alt+" + ev.key;
    if (ev.key === "Escape" && typing) { t.blur(); root.focus(); ev.stopPropagation(); return; }
    if (typing && !(ev.ctrlKey || ev.metaKey || ev.altKey)) return;
    const action = keys[combo];
    if (!action) return;
    ev.preventDefault();
    ev.stopPropagation();
    const box = root.querySelector(".fl-comment textarea");
    const msg = { type: "action", action, comment: box ? box.value : null };
    if (action === "mark") { const s = selection(); if (s) Object.assign(msg, s); }
    model.send(msg);
  };
  const attach = () => {
    root = rootClass ? el.closest("." + rootClass) : null;
    if (!root) return false;
    root.setAttribute("tabindex", "0");
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    root.addEventListener("keydown", onKey, true); // capture: ipywidgets text boxes stop keydown propagation
    return true;
  };
  if (!attach()) {
    // the parent box may be attached to the page after this view
    let tries = 0;
    const timer = setInterval(() => { if (attach() || ++tries > 50) clearInterval(timer); }, 100);
  }
  return () => { if (root) root.removeEventListener("keydown", onKey, true); };
}
export default { render };
